"""Verify v2: services, verifications and verification checks."""

from __future__ import annotations

import builtins
from typing import Any

from skill.gateways.area import Area, unset_none


class Verify(Area):
    async def list_services(self, *, limit: int) -> builtins.list[dict[str, Any]]:
        return await self.many(lambda c: c.verify.v2.services.list_async(limit=limit), "List Verify services")

    async def create_service(
        self, *, friendly_name: str, code_length: int | None, lookup_enabled: bool | None
    ) -> dict[str, Any]:
        optional = unset_none(code_length=code_length, lookup_enabled=lookup_enabled)
        return await self.one(
            lambda c: c.verify.v2.services.create_async(friendly_name=friendly_name, **optional),
            "Create Verify service",
        )

    async def start(self, service_sid: str, *, to: str, channel: str, locale: str | None) -> dict[str, Any]:
        return await self.one(
            lambda c: c.verify.v2.services(service_sid).verifications.create_async(
                to=to, channel=channel, **unset_none(locale=locale)
            ),
            "Start verification",
        )

    async def check(
        self, service_sid: str, *, code: str, to: str | None, verification_sid: str | None
    ) -> dict[str, Any]:
        return await self.one(
            lambda c: c.verify.v2.services(service_sid).verification_checks.create_async(
                code=code, **unset_none(to=to, verification_sid=verification_sid)
            ),
            "Check verification",
        )
