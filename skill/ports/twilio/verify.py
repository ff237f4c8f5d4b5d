"""Verify v2, as the core calls it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from skill.records.page import Page
    from skill.records.verify import Verification, VerificationCheck, VerifyService


class VerifyPort(Protocol):
    async def list_services(self, *, limit: int, cursor: str | None = None) -> Page[VerifyService]: ...

    async def fetch_service(self, sid: str) -> VerifyService: ...

    async def create_service(
        self, *, friendly_name: str, code_length: int | None, lookup_enabled: bool | None
    ) -> VerifyService: ...

    async def update_service(
        self, sid: str, *, code_length: int | None, lookup_enabled: bool | None
    ) -> VerifyService: ...

    async def start(self, service_sid: str, *, to: str, channel: str, locale: str | None) -> Verification: ...

    async def check(
        self, service_sid: str, *, code: str, to: str | None, verification_sid: str | None
    ) -> VerificationCheck: ...
