"""Which auth token signed a callback in live mode: the configured account's (an API key alone cannot
check signatures). Sandbox mode uses the sandbox's own accounts (skill.sandbox.tokens), chosen by
skill.wiring."""

from __future__ import annotations

from skill.config import Settings
from skill.core.signing import StaticTokens


def live_tokens(settings: Settings) -> StaticTokens:
    tokens = {settings.account_sid: settings.auth_token} if settings.account_sid and settings.auth_token else {}
    return StaticTokens(tokens)
