"""Content API v1: templates for WhatsApp and rich messages, and their WhatsApp approval.

A template's `types` are free-form by nature (each content type has fields of its own), so they stay
JSON objects, typed as JSON all the way down.
"""

from __future__ import annotations

from pydantic import Field, JsonValue

from skill.records.base import Record

JsonData = dict[str, JsonValue]


class WhatsAppApproval(Record):
    """Where a template stands with WhatsApp (Meta), from the Content API's approval requests."""

    status: str | None = Field(
        default=None, description="unsubmitted, received, pending, approved, rejected, paused or disabled."
    )
    name: str | None = Field(default=None, description="Name the template was submitted under.")
    category: str | None = Field(default=None, description="UTILITY, MARKETING or AUTHENTICATION.")
    content_type: str | None = Field(default=None, description="Content type that was submitted.")
    rejection_reason: str | None = Field(default=None, description="Why WhatsApp rejected it, when it did.")


class ContentTemplate(Record):
    sid: str = Field(description="Content SID (HX...); pass it to message_send as content_sid.")
    friendly_name: str | None = Field(default=None, description="Name of the template.")
    language: str | None = Field(default=None, description="ISO 639-1 language code.")
    variables: JsonData | None = Field(default=None, description="Variable -> sample value.")
    types: JsonData | None = Field(default=None, description="Content type (twilio/text, ...) -> its fields.")
    date_created: str | None = Field(default=None, description="When it was created.")
    date_updated: str | None = Field(default=None, description="When it last changed.")


class ContentTemplateDetail(ContentTemplate):
    whatsapp: WhatsAppApproval | None = Field(
        default=None, description="WhatsApp approval; status 'approved' is needed outside the 24-hour window."
    )
