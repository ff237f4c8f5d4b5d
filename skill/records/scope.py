"""The account a call acts on when it is not the profile's own: an environment or a subaccount SID."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class AccountScope:
    """Where a scoped call goes, and with which credentials beyond the parent's.

    The parent's credentials reach a subaccount's API v2010 resources (/Accounts/{sid}/...); other
    product hosts (Messaging, Verify, Studio, Monitor, ...) take the account's own API key, which is
    `key_sid`/`key_secret` when found, or `key_problem` says what is missing.
    """

    account_sid: str
    name: str | None = None  # the environment's name, when the account has one
    key_sid: str | None = None
    key_secret: str | None = field(default=None, repr=False)
    key_problem: str | None = None  # why there is no usable key (None when there is one)

    @property
    def label(self) -> str:
        """How people see it: 'prod (AC...)' or the bare SID."""
        return f"{self.name} ({self.account_sid})" if self.name else self.account_sid

    @property
    def key(self) -> tuple[str, str] | None:
        if self.key_sid and self.key_secret:
            return self.key_sid, self.key_secret
        return None
