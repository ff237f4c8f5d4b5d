"""Content API v1: templates, and their WhatsApp approval requests."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from skill.gateways.area import Area
from skill.records.content import ContentTemplate, ContentTemplateDetail, JsonData, WhatsAppApproval
from skill.records.page import Page

if TYPE_CHECKING:
    from skill.ports.twilio.content import ContentPort


class JsonBody:
    """A request body the SDK sends as JSON as it is: its typed request classes keep only the fields
    they know, and would drop a content type's newer ones."""

    def __init__(self, body: dict[str, Any]) -> None:
        self.body = body

    def to_dict(self) -> dict[str, Any]:
        return self.body


def approval(raw: Any) -> WhatsAppApproval | None:
    """The WhatsApp approval in an answer, its empty strings (Twilio's "not set") left out."""
    if not isinstance(raw, dict) or not raw:
        return None
    return WhatsAppApproval.from_api({key: value for key, value in raw.items() if value != ""})


def with_approval(raw: dict[str, Any]) -> ContentTemplateDetail:
    """A template as ContentAndApprovals lists it: its approval_requests are WhatsApp's."""
    template = ContentTemplate.from_api(raw)
    return ContentTemplateDetail(**template.model_dump(), whatsapp=approval(raw.get("approval_requests")))


class Content(Area):
    async def list(self, *, limit: int, cursor: str | None = None) -> Page[ContentTemplateDetail]:
        return await self.page(
            lambda c: c.content.v1.content_and_approvals,
            "List content templates",
            into=with_approval,
            limit=limit,
            cursor=cursor,
        )

    async def fetch(self, sid: str) -> ContentTemplate:
        raw = await self.one(lambda c: c.content.v1.contents(sid).fetch_async(), "Fetch content template")
        return ContentTemplate.from_api(raw)

    async def create(
        self, *, friendly_name: str, language: str, variables: dict[str, str], types: JsonData
    ) -> ContentTemplate:
        body = JsonBody({"friendly_name": friendly_name, "language": language, "variables": variables, "types": types})
        raw = await self.one(
            lambda c: c.content.v1.contents.create_async(body),
            "Create content template",
        )
        return ContentTemplate.from_api(raw)

    async def whatsapp_approval(self, sid: str) -> WhatsAppApproval | None:
        raw = await self.one(
            lambda c: c.content.v1.contents(sid).approval_fetch().fetch_async(), "Fetch content approval"
        )
        return approval(raw.get("whatsapp"))

    async def submit_whatsapp(self, sid: str, *, name: str, category: str) -> WhatsAppApproval:
        body = JsonBody({"name": name, "category": category})
        raw = await self.one(
            lambda c: c.content.v1.contents(sid).approval_create.create_async(body),
            "Submit content template to WhatsApp",
        )
        return approval(raw) or WhatsAppApproval()


if TYPE_CHECKING:

    def _implements_the_port(content: Content) -> ContentPort:
        return content  # mypy proves the gateway satisfies what the core calls
