"""Messaging Services (Messaging v1): a service, the phone numbers in its sender pool, the settings a
call changes, and the A2P 10DLC and toll-free records that compliance reads."""

from __future__ import annotations

from typing import Annotated

from pydantic import BeforeValidator, Field

from skill.records.base import Record


def _blank_is_none(value: object) -> object:
    return value or None  # Twilio answers "" for a URL that is not set


OptionalUrl = Annotated[str | None, BeforeValidator(_blank_is_none)]


class ServiceChanges(Record):
    """Settings a create or update call sets; None leaves a setting as it is (or Twilio's default)."""

    friendly_name: str | None = None
    inbound_request_url: str | None = None
    fallback_url: str | None = None
    status_callback: str | None = None
    sticky_sender: bool | None = None
    area_code_geomatch: bool | None = None
    smart_encoding: bool | None = None
    validity_period: int | None = None
    fallback_to_long_code: bool | None = None

    def given(self) -> dict[str, object]:
        """The settings this call sets, by name."""
        return {name: value for name, value in self.model_dump().items() if value is not None}

    def urls(self) -> dict[str, str | None]:
        """The webhook URLs among the settings, by name (None when not given)."""
        return {
            "inbound_request_url": self.inbound_request_url,
            "fallback_url": self.fallback_url,
            "status_callback": self.status_callback,
        }


class MessagingService(Record):
    sid: str = Field(description="Messaging Service SID (MG...).")
    friendly_name: str | None = Field(default=None, description="Display name.")
    inbound_request_url: OptionalUrl = Field(default=None, description="Webhook for incoming messages.")
    inbound_method: str | None = Field(default=None, description="HTTP method for inbound_request_url.")
    fallback_url: OptionalUrl = Field(default=None, description="Webhook tried when the inbound one fails.")
    status_callback: OptionalUrl = Field(default=None, description="URL for delivery status events.")
    sticky_sender: bool | None = Field(default=None, description="Same sender for a recipient each time.")
    area_code_geomatch: bool | None = Field(default=None, description="Prefer a sender with the recipient's area code.")
    smart_encoding: bool | None = Field(default=None, description="Replace look-alike Unicode to stay in GSM-7.")
    fallback_to_long_code: bool | None = Field(
        default=None, description="Retry failed short code sends from a long code."
    )
    validity_period: int | None = Field(default=None, description="Seconds a message may wait in the queue.")
    usecase: str | None = Field(default=None, description="Declared use case.")
    us_app_to_person_registered: bool | None = Field(default=None, description="Has a registered A2P 10DLC campaign.")
    date_created: str | None = Field(default=None, description="When it was created.")
    date_updated: str | None = Field(default=None, description="Last change.")


class Sender(Record):
    sid: str = Field(description="Phone number SID (PN...).")
    phone_number: str | None = Field(default=None, description="The number in E.164 form.")
    country_code: str | None = Field(default=None, description="ISO country of the number.")
    capabilities: list[str] = Field(default_factory=list, description="SMS, MMS, Voice.")


class ServiceWithSenders(MessagingService):
    senders: list[Sender] = Field(description="Phone numbers in its sender pool.")


class ConfiguredService(ServiceWithSenders):
    warnings: list[str] = Field(default_factory=list, description="Things to fix before going live.")


class A2PCampaign(Record):
    """A service's US A2P 10DLC campaign (UsAppToPerson)."""

    sid: str
    campaign_status: str | None = None
    us_app_to_person_usecase: str | None = None
    campaign_id: str | None = None
    brand_registration_sid: str | None = None
    rate_limits: dict[str, object] | None = None  # per carrier, as Twilio reports them; read with care


class BrandRegistration(Record):
    sid: str
    status: str | None = None


class TollfreeVerification(Record):
    sid: str
    status: str | None = None
    tollfree_phone_number_sid: str | None = None
    date_created: str | None = None
