"""A Programmable Messaging message (API v2010 Message resource)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from skill.records.base import Record
from skill.records.errors import ErrorBrief


class Message(Record):
    sid: str = Field(description="Message SID.")
    status: str | None = Field(default=None, description="queued, scheduled, sent, delivered, undelivered, failed...")
    to: str | None = Field(default=None, description="Recipient (E.164 or channel address).")
    from_: str | None = Field(default=None, alias="from", description="Sender; null until a service picks one.")
    body: str | None = Field(default=None, description="Text of the message.")
    messaging_service_sid: str | None = Field(default=None, description="Messaging Service used, if any.")
    account_sid: str | None = Field(default=None, description="Account the message belongs to.")
    direction: str | None = Field(default=None, description="outbound-api, inbound, ...")
    num_segments: int | None = Field(default=None, description="Billed SMS segments.")
    num_media: int | None = Field(default=None, description="Attached media files.")
    price: str | None = Field(default=None, description="Cost (negative), once sent.")
    price_unit: str | None = Field(default=None, description="Currency of price.")
    error_code: int | None = Field(default=None, description="Twilio error code when failed or undelivered.")
    error_message: str | None = Field(default=None, description="Twilio's text for error_code.")
    date_created: str | None = Field(default=None, description="When it was created.")
    date_sent: str | None = Field(default=None, description="When it was sent.")
    date_updated: str | None = Field(default=None, description="Last status change.")


class SentMessage(Message):
    replayed: bool = Field(description="True when this is the first result of an earlier call with the same key.")


class MessageReport(Message):
    error: ErrorBrief | None = Field(default=None, description="The failure explained, when it failed.")


class BodyPreview(Record):
    encoding: Literal["GSM-7", "UCS-2"] = Field(description="GSM-7, or UCS-2 when a character needs it.")
    segments: int = Field(description="SMS segments billed for this body.")
    length: int = Field(description="Size in units: septets (GSM-7) or UTF-16 code units (UCS-2).")
    unit: str = Field(description="What length counts.")
    characters: int = Field(description="Number of characters.")
    per_segment: int = Field(description="Units per segment at this size (160/153 GSM-7, 70/67 UCS-2).")
    single_segment_limit: int = Field(description="Most units that still fit one segment.")
    ucs2_characters: list[str] = Field(description="Characters that forced UCS-2; replace them to halve the cost.")
    too_long: bool = Field(description="True when over the 1600-character limit message_send enforces.")


class Optout(Record):
    phone: str = Field(description="Recipient who opted out.")
    scope: str = Field(description="'*' for every sender, else the sender it applies to.")
    source: str = Field(description="How it got there (tool, webhook STOP, ...).")
    created_at: str | None = Field(default=None, description="When it was added.")


class OptoutChange(Record):
    phone: str = Field(description="The number, normalised.")
    changed: bool = Field(description="False when the list already was as asked.")
    opted_out: bool = Field(description="Whether sends to it are now refused.")
