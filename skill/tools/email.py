"""Tools for SendGrid email: send, templates, and SendGrid's suppression lists."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints

from skill.core import email as core
from skill.core.context import Services
from skill.core.display import quoted
from skill.policy.tiers import Tier
from skill.results import Model, ToolResult
from skill.server.registry import ToolSpec

Address = Annotated[str, StringConstraints(min_length=3, max_length=320)]
TemplateId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9-]{1,64}$")]
SuppressionKind = Literal["bounces", "blocks", "spam_reports", "invalid_emails", "global_unsubscribes"]


class EmailSendInput(Model):
    to: list[Address] = Field(min_length=1, max_length=1000, description="Recipient addresses.")
    cc: list[Address] | None = Field(default=None, description="Copy recipients.")
    bcc: list[Address] | None = Field(default=None, description="Blind copy recipients.")
    from_: Address = Field(alias="from", description="Sender address, verified in SendGrid.")
    reply_to: Address | None = Field(default=None, description="Address replies go to.")
    subject: str | None = Field(default=None, max_length=998, description="Subject; not needed with a template.")
    text: str | None = Field(default=None, description="Plain-text body.")
    html: str | None = Field(default=None, description="HTML body.")
    template_id: TemplateId | None = Field(default=None, description="Dynamic template (d-...) instead of content.")
    dynamic_template_data: dict[str, Any] | None = Field(default=None, description="Values for the template.")
    categories: list[Annotated[str, StringConstraints(max_length=255)]] | None = Field(
        default=None, max_length=10, description="Up to 10 category names, for stats."
    )
    custom_args: dict[str, str] | None = Field(default=None, description="Key/values echoed in event webhooks.")
    send_at: int | datetime | None = Field(default=None, description="Send later: unix time or ISO 8601, within 72h.")


class EmailSendOutput(ToolResult):
    accepted: bool = Field(description="True when SendGrid accepted it for delivery (HTTP 202).")
    status_code: int = Field(description="SendGrid's HTTP status.")
    message_id: str | None = Field(default=None, description="X-Message-Id, to find it in activity and events.")
    recipients: int = Field(description="Addresses in to, cc and bcc.")
    send_at: str | None = Field(default=None, description="When it is scheduled, if later.")


def _send_args(args: EmailSendInput) -> dict[str, Any]:
    return {
        "to": args.to,
        "cc": list(args.cc or []),
        "bcc": list(args.bcc or []),
        "from_": args.from_,
        "reply_to": args.reply_to,
        "subject": args.subject,
        "text": args.text,
        "html": args.html,
        "template_id": args.template_id,
        "dynamic_template_data": args.dynamic_template_data,
    }


async def email_send(services: Services, args: EmailSendInput) -> EmailSendOutput:
    sent = await core.send_email(
        services,
        **_send_args(args),
        categories=args.categories,
        custom_args=args.custom_args,
        send_at=args.send_at,
    )
    return EmailSendOutput.model_validate(sent)


def check_email_send(services: Services, args: EmailSendInput) -> None:
    core.check_send(services, **_send_args(args))


class TemplateVersion(Model):
    id: str | None = Field(default=None, description="Version id.")
    name: str | None = Field(default=None, description="Version name.")
    subject: str | None = Field(default=None, description="Subject line (may hold {{variables}}).")
    active: bool = Field(description="True for the version sends use.")
    updated_at: str | None = Field(default=None, description="Last change (UTC).")


class Template(Model):
    id: str | None = Field(default=None, description="Template id; d-... for dynamic templates.")
    name: str | None = Field(default=None, description="Template name.")
    generation: str | None = Field(default=None, description="dynamic or legacy.")
    updated_at: str | None = Field(default=None, description="Last change (UTC).")
    versions: list[TemplateVersion] = Field(default_factory=list, description="Its versions.")


class EmailTemplatesListInput(Model):
    generations: Literal["dynamic", "legacy"] = Field(default="dynamic", description="Template generation.")
    limit: int = Field(default=50, ge=1, le=200, description="Most templates to return.")


class EmailTemplatesListOutput(ToolResult):
    templates: list[Template] = Field(description="Templates, most recently changed first.")
    count: int = Field(description="Number returned.")


async def email_templates_list(services: Services, args: EmailTemplatesListInput) -> EmailTemplatesListOutput:
    items = await core.list_templates(services, generations=args.generations, limit=args.limit)
    return EmailTemplatesListOutput(templates=[Template.model_validate(t) for t in items], count=len(items))


class EmailTemplateGetInput(Model):
    id: TemplateId = Field(description="Template id, e.g. d-... (see email_templates_list).")


class EmailTemplateGetOutput(ToolResult, Template):
    pass


async def email_template_get(services: Services, args: EmailTemplateGetInput) -> EmailTemplateGetOutput:
    return EmailTemplateGetOutput.model_validate(await core.get_template(services, args.id))


class Suppression(Model):
    email: str | None = Field(default=None, description="Suppressed address.")
    created: str | None = Field(default=None, description="When it was added (UTC).")
    reason: str | None = Field(default=None, description="Why (bounces, blocks, invalid_emails).")
    status: str | None = Field(default=None, description="SMTP status (bounces, blocks).")
    ip: str | None = Field(default=None, description="Sending IP (spam_reports).")


class EmailSuppressionsListInput(Model):
    kind: SuppressionKind = Field(description="Which SendGrid suppression list.")
    email: str | None = Field(default=None, max_length=320, description="Only addresses starting with this.")
    limit: int = Field(default=100, ge=1, le=500, description="Most records to return.")


class EmailSuppressionsListOutput(ToolResult):
    kind: str = Field(description="The list read.")
    suppressions: list[Suppression] = Field(description="Entries, newest first.")
    count: int = Field(description="Number returned.")


async def email_suppressions_list(services: Services, args: EmailSuppressionsListInput) -> EmailSuppressionsListOutput:
    items = await core.list_suppressions(services, kind=args.kind, email=args.email, limit=args.limit)
    return EmailSuppressionsListOutput(
        kind=args.kind, suppressions=[Suppression.model_validate(s) for s in items], count=len(items)
    )


class EmailSuppressionRemoveInput(Model):
    kind: SuppressionKind = Field(description="List; spam_reports and global_unsubscribes need approval.")
    email: Address = Field(description="Address to remove.")


class EmailSuppressionRemoveOutput(ToolResult):
    kind: str = Field(description="The list changed.")
    email: str = Field(description="The address.")
    was_listed: bool = Field(description="True when it was on the list.")
    removed: bool = Field(description="True when this call took it off.")


def check_suppression_remove(services: Services, args: EmailSuppressionRemoveInput) -> None:
    core.check_address(args.email, "email")


async def email_suppression_remove(
    services: Services, args: EmailSuppressionRemoveInput
) -> EmailSuppressionRemoveOutput:
    return EmailSuppressionRemoveOutput.model_validate(
        await core.remove_suppression(services, kind=args.kind, email=args.email)
    )


def _send_summary(args: dict[str, Any]) -> str:
    count = sum(len(args.get(key) or []) for key in ("to", "cc", "bcc"))
    what = f"template {args['template_id']}" if args.get("template_id") else f"subject {args.get('subject')}"
    return f"Email {count} recipient(s) from {args.get('from')} with {what}."


def _remove_summary(args: dict[str, Any]) -> str:
    if args["kind"] in {quoted(kind) for kind in core.CONSENT_KINDS}:
        return (
            f"Remove {args['email']} from SendGrid's {args['kind']}: re-enables email to someone who "
            "complained or unsubscribed."
        )
    return f"Remove {args['email']} from SendGrid's {args['kind']} so email to it is tried again."


TOOLS: tuple[ToolSpec, ...] = (
    ToolSpec(
        name="email_send",
        title="Send email",
        description="Send an email through SendGrid, with content or a dynamic template. "
        "Refuses suppressed recipients; counts against the SendGrid plan.",
        toolset="email",
        tier=Tier.SEND,
        input=EmailSendInput,
        output=EmailSendOutput,
        handler=email_send,
        summary=_send_summary,
        precheck=check_email_send,
        recipients=lambda args: sum(len(args.get(field) or []) for field in ("to", "cc", "bcc")),
    ),
    ToolSpec(
        name="email_templates_list",
        title="List email templates",
        description="SendGrid templates with their versions and subjects.",
        toolset="email",
        tier=Tier.READ,
        input=EmailTemplatesListInput,
        output=EmailTemplatesListOutput,
        handler=email_templates_list,
    ),
    ToolSpec(
        name="email_template_get",
        title="Get email template",
        description="One SendGrid template: its versions, subjects and which version is active.",
        toolset="email",
        tier=Tier.READ,
        input=EmailTemplateGetInput,
        output=EmailTemplateGetOutput,
        handler=email_template_get,
    ),
    ToolSpec(
        name="email_suppressions_list",
        title="List email suppressions",
        description="Addresses on one of SendGrid's suppression lists (bounces, blocks, spam reports, "
        "invalid, unsubscribes).",
        toolset="email",
        tier=Tier.READ,
        input=EmailSuppressionsListInput,
        output=EmailSuppressionsListOutput,
        handler=email_suppressions_list,
    ),
    ToolSpec(
        name="email_suppression_remove",
        title="Remove email suppression",
        description="Take an address off a SendGrid suppression list so email to it is sent again.",
        toolset="email",
        tier=Tier.WRITE,
        input=EmailSuppressionRemoveInput,
        output=EmailSuppressionRemoveOutput,
        handler=email_suppression_remove,
        idempotent=True,
        summary=_remove_summary,
        precheck=check_suppression_remove,
    ),
)
