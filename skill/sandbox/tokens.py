"""The auth tokens of the sandbox's accounts, for checking the signatures of its callbacks."""

from __future__ import annotations

from skill.config import SANDBOX_ACCOUNT_SID, SANDBOX_AUTH_TOKEN
from skill.sandbox.clock import SandboxClock
from skill.sandbox.state import SandboxState, seed


class SandboxTokens:
    """A TokenResolver over a sandbox's accounts, read at each call (so subaccounts created since are known)."""

    def __init__(self, state: SandboxState | None = None) -> None:
        self.state = state if state is not None else seed(SandboxState(clock=SandboxClock(frozen=True)))

    def __call__(self, account_sid: str) -> str | None:
        if account_sid == SANDBOX_ACCOUNT_SID:
            return SANDBOX_AUTH_TOKEN
        return self.state.auth_token(account_sid)

    def accounts(self) -> list[str]:
        return list(dict.fromkeys([SANDBOX_ACCOUNT_SID, *self.state.accounts]))

    def missing_setting(self, account_sid: str) -> str:
        return "the sandbox has no such account"
