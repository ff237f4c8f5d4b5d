"""Which auth token signed a callback: the one of the account that owns the resource.

Live mode knows the configured account's token (an API key alone cannot check signatures). Sandbox
mode knows the sandbox parent's fixed token and its subaccounts' tokens: from a running embedded
sandbox when one is given (so subaccounts created since are known too), else from the seeded state.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from skill.config import SANDBOX_ACCOUNT_SID, SANDBOX_AUTH_TOKEN, Settings
from skill.core.signing import StaticTokens, TokenResolver

if TYPE_CHECKING:
    from skill.sandbox.state import SandboxState


class SandboxTokens:
    """A TokenResolver over a sandbox's accounts, read at each call."""

    def __init__(self, state: SandboxState) -> None:
        self.state = state

    def __call__(self, account_sid: str) -> str | None:
        if account_sid == SANDBOX_ACCOUNT_SID:
            return SANDBOX_AUTH_TOKEN
        return self.state.auth_token(account_sid)

    def accounts(self) -> list[str]:
        return list(dict.fromkeys([SANDBOX_ACCOUNT_SID, *self.state.accounts]))


def token_resolver(settings: Settings, sandbox_state: SandboxState | None = None) -> TokenResolver:
    """The resolver for these settings; in sandbox mode over `sandbox_state` or the seeded accounts."""
    if settings.mode == "live":
        tokens = {settings.account_sid: settings.auth_token} if settings.account_sid and settings.auth_token else {}
        return StaticTokens(tokens)
    if sandbox_state is None:
        from skill.sandbox.clock import SandboxClock
        from skill.sandbox.state import SandboxState, seed

        sandbox_state = seed(SandboxState(clock=SandboxClock(frozen=True)))
    return SandboxTokens(sandbox_state)
