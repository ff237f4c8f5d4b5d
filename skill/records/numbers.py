"""Phone numbers: the account's own (API v2010 IncomingPhoneNumber), those it could buy
(AvailablePhoneNumber), and what a number is doing now (for an operator judging a change)."""

from __future__ import annotations

from pydantic import Field

from skill.records.base import Record


class Capabilities(Record):
    sms: bool = Field(default=False, description="Can send and receive SMS.")
    mms: bool = Field(default=False, description="Can send and receive MMS.")
    voice: bool = Field(default=False, description="Can make and receive calls.")


class PhoneNumber(Record):
    sid: str = Field(description="Phone number SID (PN...).")
    phone_number: str = Field(description="The number in E.164 form.")
    friendly_name: str | None = Field(default=None, description="Display name.")
    kind: str | None = Field(default=None, description="local, mobile or toll_free.")
    capabilities: Capabilities = Field(default_factory=Capabilities, description="What the number can do.")
    sms_url: str | None = Field(default=None, description="Webhook for incoming messages.")
    sms_method: str | None = Field(default=None, description="HTTP method for sms_url.")
    sms_fallback_url: str | None = Field(default=None, description="Webhook when sms_url fails.")
    voice_url: str | None = Field(default=None, description="Webhook for incoming calls.")
    voice_method: str | None = Field(default=None, description="HTTP method for voice_url.")
    voice_fallback_url: str | None = Field(default=None, description="Webhook when voice_url fails.")
    status_callback: str | None = Field(default=None, description="URL for call status events.")
    date_created: str | None = Field(default=None, description="When it was bought.")
    date_updated: str | None = Field(default=None, description="When it last changed.")


class ConfiguredNumber(PhoneNumber):
    warnings: list[str] = Field(default_factory=list, description="Things to fix before going live.")


class AvailableNumber(Record):
    phone_number: str = Field(description="The number in E.164 form; pass it to number_buy.")
    friendly_name: str | None = Field(default=None, description="Formatted for display.")
    locality: str | None = Field(default=None, description="City, where known.")
    region: str | None = Field(default=None, description="State or province, where known.")
    postal_code: str | None = Field(default=None, description="Postal code, where known.")
    iso_country: str | None = Field(default=None, description="ISO country code.")
    address_requirements: str | None = Field(default=None, description="none, any, local or foreign.")
    capabilities: Capabilities = Field(default_factory=Capabilities, description="What the number can do.")


class ServiceRef(Record):
    sid: str = Field(description="Messaging Service SID (MG...).")
    friendly_name: str | None = Field(default=None, description="Its display name.")


class Tally(Record):
    count: int = Field(description="How many were found, at most the cap.")
    more: bool = Field(default=False, description="True when there are more than count.")

    def text(self) -> str:
        return f"{self.count}+" if self.more else str(self.count)


class NumberTraffic(Record):
    """Messages and calls on one number over a recent window, each counted up to a cap."""

    messages_sent: Tally
    messages_received: Tally
    calls_made: Tally
    calls_received: Tally
