"""The account and its subaccounts (API v2010 Account and Balance resources)."""

from __future__ import annotations

from pydantic import Field

from skill.records.base import Record


class Account(Record):
    sid: str = Field(description="Account SID.")
    friendly_name: str | None = Field(default=None, description="Display name.")
    status: str | None = Field(default=None, description="active, suspended or closed.")
    kind: str | None = Field(default=None, description="Trial or Full.")
    owner_account_sid: str | None = Field(default=None, description="Parent account SID (its own for a parent).")
    date_created: str | None = Field(default=None, description="When it was created.")
    date_updated: str | None = Field(default=None, description="When it last changed.")


class Balance(Record):
    account_sid: str | None = Field(default=None, description="Account the balance belongs to.")
    balance: str | None = Field(default=None, description="Current balance.")
    currency: str | None = Field(default=None, description="Currency of the balance.")


class AccountReport(Account):
    balance: str | None = Field(default=None, description="Current balance.")
    currency: str | None = Field(default=None, description="Currency of the balance.")
    is_subaccount: bool = Field(description="True when this account belongs to a parent.")
