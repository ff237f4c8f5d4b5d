"""What the webhook receiver stored, as the tools show it: events, a message's callback timeline, and
the verdict on a request's X-Twilio-Signature."""

from __future__ import annotations

from pydantic import Field, JsonValue

from skill.records.base import Record
from skill.records.errors import ErrorBrief
from skill.records.messages import MessageReport


class WebhookEvent(Record):
    id: int = Field(description="Store id; higher arrived later.")
    kind: str = Field(description="sms_status, sms_inbound, voice_status, email_event or email_inbound.")
    resource_sid: str | None = Field(default=None, description="Message or call SID, or SendGrid message id.")
    status: str | None = Field(default=None, description="Status reported, e.g. delivered, completed, bounce.")
    account_sid: str | None = Field(default=None, description="Account that owns the resource.")
    error_code: int | None = Field(default=None, description="Twilio error code reported, if any.")
    received_at: str = Field(description="When it was stored (ISO 8601).")
    processed_at: str | None = Field(default=None, description="When its effects were applied.")
    payload: dict[str, JsonValue] = Field(description="The callback's fields as received.")


class Callback(WebhookEvent):
    error: ErrorBrief | None = Field(default=None, description="The callback's error explained.")


class MessageTimeline(Record):
    message: MessageReport = Field(description="The message as Twilio reports it now, error explained.")
    callbacks: list[Callback] = Field(description="Status callbacks received for it, oldest first.")


class SignatureVerdict(Record):
    valid: bool = Field(description="True when the signature matches the request as given.")
    matched: str | None = Field(default=None, description="When invalid: the variant that would have matched.")
    matching_url: str | None = Field(default=None, description="The URL of that variant.")
    token_known: bool = Field(description="False when no auth token is known for account_sid.")
    variants_tried: int = Field(description="How many variants were tried.")
