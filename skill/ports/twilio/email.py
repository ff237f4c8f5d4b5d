"""SendGrid email (Mail Send, Templates, suppression lists), as the core calls it."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from skill.records.email import MailAccepted, Suppression, Template
    from skill.records.page import Page


class SendGridPort(Protocol):
    async def send_mail(self, payload: dict[str, Any]) -> MailAccepted: ...

    async def list_templates(
        self,
        *,
        limit: int,
        cursor: str | None = None,
        keep: Callable[[Template], bool] | None = None,
        scan: int = 1000,
        kept_by: dict[str, Any] | None = None,
        generations: str = "dynamic,legacy",
    ) -> Page[Template]: ...

    async def get_template(self, template_id: str) -> Template: ...

    async def list_suppressions(
        self,
        kind: str,
        *,
        email: str | None = None,
        start_time: int | None = None,
        end_time: int | None = None,
        limit: int,
        cursor: str | None = None,
    ) -> Page[Suppression]: ...

    async def find_suppression(self, kind: str, email: str) -> Suppression | None: ...

    async def remove_suppression(self, kind: str, email: str) -> None: ...

    async def aclose(self) -> None: ...
