"""Verify v2: services, verifications and verification checks."""

from __future__ import annotations

from typing import Any

from skill.gateways.area import Area, unset_none
from skill.records.page import Page
from skill.records.verify import Verification, VerificationCheck, VerifyService


def _verification(raw: dict[str, Any]) -> Verification:
    # Twilio lists each send; the count is what a caller needs (5 per verification).
    return Verification.from_api({**raw, "send_attempts": len(raw.get("send_code_attempts") or [])})


class Verify(Area):
    async def list_services(self, *, limit: int, cursor: str | None = None) -> Page[VerifyService]:
        return await self.page(
            lambda c: c.verify.v2.services,
            "List Verify services",
            into=VerifyService.from_api,
            limit=limit,
            cursor=cursor,
        )

    async def fetch_service(self, sid: str) -> VerifyService:
        raw = await self.one(lambda c: c.verify.v2.services(sid).fetch_async(), "Fetch Verify service")
        return VerifyService.from_api(raw)

    async def create_service(
        self, *, friendly_name: str, code_length: int | None, lookup_enabled: bool | None
    ) -> VerifyService:
        optional = unset_none(code_length=code_length, lookup_enabled=lookup_enabled)
        raw = await self.one(
            lambda c: c.verify.v2.services.create_async(friendly_name=friendly_name, **optional),
            "Create Verify service",
        )
        return VerifyService.from_api(raw)

    async def update_service(self, sid: str, *, code_length: int | None, lookup_enabled: bool | None) -> VerifyService:
        optional = unset_none(code_length=code_length, lookup_enabled=lookup_enabled)
        raw = await self.one(lambda c: c.verify.v2.services(sid).update_async(**optional), "Update Verify service")
        return VerifyService.from_api(raw)

    async def start(self, service_sid: str, *, to: str, channel: str, locale: str | None) -> Verification:
        raw = await self.one(
            lambda c: c.verify.v2.services(service_sid).verifications.create_async(
                to=to, channel=channel, **unset_none(locale=locale)
            ),
            "Start verification",
        )
        return _verification(raw)

    async def check(
        self, service_sid: str, *, code: str, to: str | None, verification_sid: str | None
    ) -> VerificationCheck:
        raw = await self.one(
            lambda c: c.verify.v2.services(service_sid).verification_checks.create_async(
                code=code, **unset_none(to=to, verification_sid=verification_sid)
            ),
            "Check verification",
        )
        return VerificationCheck.from_api(raw)
