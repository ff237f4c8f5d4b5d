"""Tools for SendGrid email: send, templates, and SendGrid's suppression lists."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints

from skill.core import email as core
from skill.core.context import Services
from skill.core.display import quoted
from skill.policy.tiers import Tier
from skill.records.approvals import Impact
from skill.records.email import EmailSent, Suppression, SuppressionRemoval, Template
from skill.results import ListResult, Model, ToolResult
from skill.server.registry import ToolSpec
from skill.tools.fields import After, Before, Cursor, JsonObject, Limit

Address = Annotated[str, StringConstraints(min_length=3, max_length=320)]
TemplateId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9-]{1,64}$", max_length=64)]
Category = Annotated[str, StringConstraints(min_length=1, max_length=255)]
SuppressionKind = Literal["bounces", "blocks", "spam_reports", "invalid_emails", "global_unsubscribes"]
MAX_BODY = 1_000_000  # characters of text or html; SendGrid's own limit is 30 MB for the whole request


class EmailSendInput(Model):
    to: list[Address] = Field(min_length=1, max_length=1000)
    cc: list[Address] | None = Field(default=None, max_length=1000)
    bcc: list[Address] | None = Field(default=None, max_length=1000)
    from_: Address = Field(alias="from", description="Sender verified in SendGrid.")
    reply_to: Address | None = Field(default=None)
    subject: str | None = Field(default=None, max_length=998, description="With text or html, unless template_id.")
    text: str | None = Field(default=None, max_length=MAX_BODY)
    html: str | None = Field(default=None, max_length=MAX_BODY)
    template_id: TemplateId | None = Field(default=None, description="Dynamic template (d-...).")
    dynamic_template_data: JsonObject | None = Field(default=None, description="JSON object: template values.")
    categories: list[Category] | None = Field(default=None, max_length=10, description="Up to 10, for stats.")
    custom_args: JsonObject | None = Field(default=None, description="JSON object of strings for event webhooks.")
    send_at: datetime | None = Field(default=None, description="ISO 8601 time within 72 hours.")


class EmailSendOutput(ToolResult, EmailSent):
    pass


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
        "custom_args": args.custom_args,
    }


async def email_send(services: Services, args: EmailSendInput) -> EmailSendOutput:
    sent = await core.send_email(services, **_send_args(args), categories=args.categories, send_at=args.send_at)
    return EmailSendOutput(**sent.model_dump())


def check_email_send(services: Services, args: EmailSendInput) -> None:
    core.check_send(services, **_send_args(args))


def _recipients(args: dict[str, Any]) -> int:
    return sum(len(args.get(field) or []) for field in ("to", "cc", "bcc"))


async def inspect_email_send(services: Services, args: EmailSendInput) -> Impact:
    return await core.send_impact(
        services,
        from_=args.from_,
        recipients=len(args.to) + len(args.cc or []) + len(args.bcc or []),
        subject=args.subject,
        template_id=args.template_id,
    )


class EmailTemplatesListInput(Model):
    after: After | None = None
    before: Before | None = None
    limit: Limit = 50
    cursor: Cursor | None = None


class EmailTemplatesListOutput(ListResult[Template]):
    pass


async def email_templates_list(services: Services, args: EmailTemplatesListInput) -> EmailTemplatesListOutput:
    page = await core.list_templates(
        services,
        after=args.after,
        before=args.before,
        limit=args.limit,
        cursor=args.cursor,
    )
    return EmailTemplatesListOutput.of(page)


class EmailTemplateGetInput(Model):
    sid: TemplateId = Field(description="Template id (d-...).")


class EmailTemplateGetOutput(ToolResult, Template):
    pass


async def email_template_get(services: Services, args: EmailTemplateGetInput) -> EmailTemplateGetOutput:
    return EmailTemplateGetOutput(**(await core.get_template(services, args.sid)).model_dump())


class EmailSuppressionsListInput(Model):
    kind: SuppressionKind
    email: str | None = Field(default=None, min_length=1, max_length=320, description="Address or its start.")
    after: After | None = None
    before: Before | None = None
    limit: Limit = 100
    cursor: Cursor | None = None


class EmailSuppressionsListOutput(ListResult[Suppression]):
    pass


async def email_suppressions_list(services: Services, args: EmailSuppressionsListInput) -> EmailSuppressionsListOutput:
    page = await core.list_suppressions(
        services,
        kind=args.kind,
        email=args.email,
        after=args.after,
        before=args.before,
        limit=args.limit,
        cursor=args.cursor,
    )
    return EmailSuppressionsListOutput.of(page)


class EmailSuppressionRemoveInput(Model):
    kind: SuppressionKind
    email: Address


class EmailSuppressionRemoveOutput(ToolResult, SuppressionRemoval):
    pass


def check_suppression_remove(services: Services, args: EmailSuppressionRemoveInput) -> None:
    core.check_address(args.email, "email")


async def inspect_suppression_remove(services: Services, args: EmailSuppressionRemoveInput) -> Impact:
    return await core.suppression_impact(services, kind=args.kind, email=args.email)


async def email_suppression_remove(
    services: Services, args: EmailSuppressionRemoveInput
) -> EmailSuppressionRemoveOutput:
    removed = await core.remove_suppression(services, kind=args.kind, email=args.email)
    return EmailSuppressionRemoveOutput(**removed.model_dump())


def _send_summary(args: dict[str, Any]) -> str:
    what = f"template {args['template_id']}" if args.get("template_id") else f"subject {args.get('subject')}"
    return f"Email {_recipients(args)} recipient(s) from {args.get('from')} with {what}."


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
        description="Send an email via SendGrid (content or dynamic template); refuses suppressed recipients. "
        "Uses plan quota.",
        toolset="email",
        tier=Tier.SEND,
        input=EmailSendInput,
        output=EmailSendOutput,
        handler=email_send,
        summary=_send_summary,
        precheck=check_email_send,
        inspect=inspect_email_send,
        recipients=_recipients,
    ),
    ToolSpec(
        name="email_templates_list",
        title="List email templates",
        description="SendGrid templates, with versions and subjects.",
        toolset="email",
        tier=Tier.READ,
        input=EmailTemplatesListInput,
        output=EmailTemplatesListOutput,
        handler=email_templates_list,
    ),
    ToolSpec(
        name="email_template_get",
        title="Get email template",
        description="A SendGrid template's versions, subjects and which is active.",
        toolset="email",
        tier=Tier.READ,
        input=EmailTemplateGetInput,
        output=EmailTemplateGetOutput,
        handler=email_template_get,
    ),
    ToolSpec(
        name="email_suppressions_list",
        title="List email suppressions",
        description="Addresses on a SendGrid suppression list.",
        toolset="email",
        tier=Tier.READ,
        input=EmailSuppressionsListInput,
        output=EmailSuppressionsListOutput,
        handler=email_suppressions_list,
    ),
    ToolSpec(
        name="email_suppression_remove",
        title="Remove email suppression",
        description="Take an address off a SendGrid suppression list.",
        toolset="email",
        tier=Tier.WRITE,
        input=EmailSuppressionRemoveInput,
        output=EmailSuppressionRemoveOutput,
        handler=email_suppression_remove,
        idempotent=True,
        summary=_remove_summary,
        precheck=check_suppression_remove,
        inspect=inspect_suppression_remove,
    ),
)
