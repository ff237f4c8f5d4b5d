"""Content API v1 (templates and their WhatsApp approval), as the core calls it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from skill.records.content import ContentTemplate, ContentTemplateDetail, JsonData, WhatsAppApproval
    from skill.records.page import Page


class ContentPort(Protocol):
    async def list(self, *, limit: int, cursor: str | None = None) -> Page[ContentTemplateDetail]: ...

    async def fetch(self, sid: str) -> ContentTemplate: ...

    async def create(
        self, *, friendly_name: str, language: str, variables: dict[str, str], types: JsonData
    ) -> ContentTemplate: ...

    async def whatsapp_approval(self, sid: str) -> WhatsAppApproval | None: ...

    async def submit_whatsapp(self, sid: str, *, name: str, category: str) -> WhatsAppApproval: ...
