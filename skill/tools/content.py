"""Tools for Content templates (WhatsApp and rich messages); message_send sends them by content_sid."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints

from skill.core import content as core
from skill.core.context import Services
from skill.policy.tiers import Tier
from skill.records.content import ContentTemplateDetail
from skill.results import ListResult, Model, ToolResult
from skill.server.registry import ToolSpec
from skill.tools.fields import ContentSid, Cursor, JsonObject, Limit

Language = Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}([_-][A-Za-z0-9]{2,4})?$", max_length=12)]


class ContentTemplatesListInput(Model):
    limit: Limit = 50
    cursor: Cursor | None = None


class ContentTemplatesListOutput(ListResult[ContentTemplateDetail]):
    pass


async def content_templates_list(services: Services, args: ContentTemplatesListInput) -> ContentTemplatesListOutput:
    return ContentTemplatesListOutput.of(await core.list_templates(services, limit=args.limit, cursor=args.cursor))


class ContentTemplateGetInput(Model):
    sid: ContentSid = Field(description="HX...")


class ContentTemplateOutput(ToolResult, ContentTemplateDetail):
    pass


async def content_template_get(services: Services, args: ContentTemplateGetInput) -> ContentTemplateOutput:
    return ContentTemplateOutput(**(await core.get_template(services, args.sid)).model_dump())


class ContentTemplateCreateInput(Model):
    friendly_name: str = Field(min_length=1, max_length=200, description="Name; for WhatsApp a-z0-9_.")
    language: Language = Field(description="en, es, pt_BR...")
    types: JsonObject = Field(description='JSON object, e.g. {"twilio/text":{"body":"Hi {{1}}"}}.')
    variables: JsonObject | None = Field(default=None, description='JSON object of samples, {"1":"Alex"}.')
    whatsapp_category: Literal["UTILITY", "MARKETING", "AUTHENTICATION"] | None = Field(
        default=None, description="Submit to WhatsApp in this category."
    )


async def content_template_create(services: Services, args: ContentTemplateCreateInput) -> ContentTemplateOutput:
    created = await core.create_template(
        services,
        friendly_name=args.friendly_name,
        language=args.language,
        types=args.types,
        variables=args.variables or {},
        whatsapp_category=args.whatsapp_category,
    )
    return ContentTemplateOutput(**created.model_dump())


def check_content_template_create(services: Services, args: ContentTemplateCreateInput) -> None:
    core.check_template(args.types, args.variables or {}, args.friendly_name if args.whatsapp_category else None)


def _create_summary(args: dict[str, Any]) -> str:
    submitted = f", submitted to WhatsApp as {args['whatsapp_category']}" if args.get("whatsapp_category") else ""
    return f"Create content template {args.get('friendly_name')} ({args.get('language')}){submitted}."


TOOLS: tuple[ToolSpec, ...] = (
    ToolSpec(
        name="content_templates_list",
        title="List content templates",
        description="Content templates (HX...) for WhatsApp and rich messages, with WhatsApp approval status.",
        toolset="content",
        tier=Tier.READ,
        input=ContentTemplatesListInput,
        output=ContentTemplatesListOutput,
        handler=content_templates_list,
    ),
    ToolSpec(
        name="content_template_get",
        title="Get content template",
        description="A content template and its WhatsApp approval status.",
        toolset="content",
        tier=Tier.READ,
        input=ContentTemplateGetInput,
        output=ContentTemplateOutput,
        handler=content_template_get,
    ),
    ToolSpec(
        name="content_template_create",
        title="Create content template",
        description="Create a content template (variables {{1}}.. need samples); can submit it to WhatsApp.",
        toolset="content",
        tier=Tier.WRITE,
        input=ContentTemplateCreateInput,
        output=ContentTemplateOutput,
        handler=content_template_create,
        summary=_create_summary,
        precheck=check_content_template_create,
        atomic=False,  # the template is created, then submitted: a refused submission leaves it created
    ),
)
