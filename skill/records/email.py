"""SendGrid email: a send's acceptance, templates with their versions, suppression list entries."""

from __future__ import annotations

from pydantic import Field

from skill.records.base import Record


class MailAccepted(Record):
    """What Mail Send answered: its HTTP status and the X-Message-Id."""

    status_code: int
    message_id: str | None = None


class EmailSent(Record):
    accepted: bool = Field(description="True when SendGrid accepted it for delivery (HTTP 202).")
    status_code: int = Field(description="SendGrid's HTTP status.")
    message_id: str | None = Field(default=None, description="X-Message-Id, to find it in activity and events.")
    recipients: int = Field(description="Addresses in to, cc and bcc.")
    send_at: str | None = Field(default=None, description="When it is scheduled, if later.")


class TemplateVersion(Record):
    sid: str = Field(description="Version id.")
    name: str | None = Field(default=None, description="Version name.")
    subject: str | None = Field(default=None, description="Subject line (may hold {{variables}}).")
    active: bool = Field(default=False, description="True for the version sends use.")
    updated_at: str | None = Field(default=None, description="Last change (UTC).")


class Template(Record):
    sid: str = Field(description="Template id; d-... for dynamic templates (email_send's template_id).")
    name: str | None = Field(default=None, description="Template name.")
    generation: str | None = Field(default=None, description="dynamic or legacy.")
    updated_at: str | None = Field(default=None, description="Last change (UTC).")
    versions: list[TemplateVersion] = Field(default_factory=list, description="Its versions.")


class Suppression(Record):
    email: str = Field(description="Suppressed address.")
    created: str | None = Field(default=None, description="When it was added (UTC).")
    reason: str | None = Field(default=None, description="Why (bounces, blocks, invalid_emails).")
    status: str | None = Field(default=None, description="SMTP status (bounces, blocks).")
    ip: str | None = Field(default=None, description="Sending IP (spam_reports).")


class SuppressionRemoval(Record):
    kind: str = Field(description="The list changed.")
    email: str = Field(description="The address.")
    was_listed: bool = Field(description="True when it was on the list.")
    removed: bool = Field(description="True when this call took it off.")
