"""Verify v2: services, verifications and verification checks."""

from __future__ import annotations

import builtins
from typing import TYPE_CHECKING, Any

from skill.gateways.area import Area, unset_none
from skill.gateways.twilio_gateway import record

if TYPE_CHECKING:
    from twilio.rest import Client


class Verify(Area):
    async def list_services(self, *, limit: int) -> builtins.list[dict[str, Any]]:
        async def op(c: Client) -> builtins.list[dict[str, Any]]:
            return [record(item) for item in await c.verify.v2.services.list_async(limit=limit)]

        return await self.gw.run(op, what="List Verify services")

    async def create_service(
        self, *, friendly_name: str, code_length: int | None, lookup_enabled: bool | None
    ) -> dict[str, Any]:
        async def op(c: Client) -> dict[str, Any]:
            created = await c.verify.v2.services.create_async(
                friendly_name=friendly_name,
                **unset_none(code_length=code_length, lookup_enabled=lookup_enabled),
            )
            return record(created)

        return await self.gw.run(op, what="Create Verify service")

    async def start(self, service_sid: str, *, to: str, channel: str, locale: str | None) -> dict[str, Any]:
        async def op(c: Client) -> dict[str, Any]:
            created = await c.verify.v2.services(service_sid).verifications.create_async(
                to=to, channel=channel, **unset_none(locale=locale)
            )
            return record(created)

        return await self.gw.run(op, what="Start verification")

    async def check(
        self, service_sid: str, *, code: str, to: str | None, verification_sid: str | None
    ) -> dict[str, Any]:
        async def op(c: Client) -> dict[str, Any]:
            checked = await c.verify.v2.services(service_sid).verification_checks.create_async(
                code=code, **unset_none(to=to, verification_sid=verification_sid)
            )
            return record(checked)

        return await self.gw.run(op, what="Check verification")
