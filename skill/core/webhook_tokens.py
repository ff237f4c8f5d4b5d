"""Which auth token signed a callback in live mode: the token of the account the callback belongs to (its
AccountSid). The profile's own account uses its configured token (an API key alone cannot check
signatures); each environment's account uses `$TWILIO_AUTH_TOKEN_<AccountSid>`, else the same line in
the secret sink, found the way its API key's secret is. Any other account has no token here, so its
callbacks are refused. Sandbox mode uses the sandbox's own accounts (skill.sandbox.tokens), chosen by
skill.wiring."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path

from skill.config import Settings
from skill.core.secret_sink import read_secret

TOKEN_VARIABLE_PREFIX = "TWILIO_AUTH_TOKEN_"
_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9_]")
_SHOWN_SID = re.compile(r"^AC[0-9a-fA-F]{32}$")


def token_variable(account_sid: str) -> str:
    """The variable an account's auth token is read from, e.g. TWILIO_AUTH_TOKEN_AC0123..."""
    return TOKEN_VARIABLE_PREFIX + _UNSAFE_NAME.sub("_", account_sid)


class LiveTokens:
    """A TokenResolver over the profile's account and its environments' accounts, read at each call (so a
    token put in the secret sink or rotated there is used without a restart)."""

    def __init__(
        self,
        settings: Settings,
        environment_sids: Iterable[str] = (),
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self.account_sid = settings.account_sid
        self.auth_token = settings.auth_token
        self.secrets_path: Path = settings.secrets_path
        self.environment_sids = tuple(sid for sid in environment_sids if sid != settings.account_sid)
        self.environ = os.environ if environ is None else environ

    def __call__(self, account_sid: str) -> str | None:
        if account_sid == self.account_sid:
            return self.auth_token
        if account_sid not in self.environment_sids:
            return None
        name = token_variable(account_sid)
        return self.environ.get(name) or read_secret(self.secrets_path, name)

    def accounts(self) -> list[str]:
        return [sid for sid in (self.account_sid, *self.environment_sids) if sid and self(sid)]

    def missing_setting(self, account_sid: str) -> str:
        """Why there is no token for the account, naming the setting to fill (never a secret)."""
        shown = account_sid if _SHOWN_SID.match(account_sid) else repr(account_sid[:40])
        if self.account_sid and account_sid == self.account_sid:
            return f"no auth token for the profile's account {shown}: set TWILIO_AUTH_TOKEN"
        if account_sid in self.environment_sids:
            name = token_variable(account_sid)
            return f"no auth token for account {shown}: set ${name} or put {name}=... in {self.secrets_path}"
        return (
            f"account {shown} is neither the profile's nor an environment's: name it in [environments.NAME] "
            f"account_sid and set ${TOKEN_VARIABLE_PREFIX}<its AccountSid>"
        )


def live_tokens(settings: Settings, environment_sids: Iterable[str] = ()) -> LiveTokens:
    return LiveTokens(settings, environment_sids)
