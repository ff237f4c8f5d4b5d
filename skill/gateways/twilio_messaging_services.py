"""Messaging Services, their sender pool, and A2P compliance records (Messaging v1)."""

from __future__ import annotations

import builtins
from typing import Any

from skill.gateways.area import Area, unset_none


class MessagingServices(Area):
    async def list(self, limit: int) -> builtins.list[dict[str, Any]]:
        return await self.many(lambda c: c.messaging.v1.services.list_async(limit=limit), "List messaging services")

    async def fetch(self, sid: str) -> dict[str, Any]:
        return await self.one(lambda c: c.messaging.v1.services(sid).fetch_async(), "Fetch messaging service")

    async def create(self, friendly_name: str, **settings: Any) -> dict[str, Any]:
        return await self.one(
            lambda c: c.messaging.v1.services.create_async(friendly_name=friendly_name, **unset_none(**settings)),
            "Create messaging service",
        )

    async def update(self, sid: str, **settings: Any) -> dict[str, Any]:
        return await self.one(
            lambda c: c.messaging.v1.services(sid).update_async(**unset_none(**settings)), "Update messaging service"
        )

    async def senders(self, service_sid: str, limit: int = 400) -> builtins.list[dict[str, Any]]:
        return await self.many(
            lambda c: c.messaging.v1.services(service_sid).phone_numbers.list_async(limit=limit),
            "List messaging service senders",
        )

    async def add_sender(self, service_sid: str, phone_number_sid: str) -> dict[str, Any]:
        return await self.one(
            lambda c: c.messaging.v1.services(service_sid).phone_numbers.create_async(
                phone_number_sid=phone_number_sid
            ),
            "Add sender to messaging service",
        )

    async def remove_sender(self, service_sid: str, phone_number_sid: str) -> bool:
        return await self.deleted(
            lambda c: c.messaging.v1.services(service_sid).phone_numbers(phone_number_sid).delete_async(),
            "Remove sender from messaging service",
        )

    async def campaigns(self, service_sid: str) -> builtins.list[dict[str, Any]]:
        """The service's US A2P 10DLC campaigns (UsAppToPerson)."""
        return await self.many(
            lambda c: c.messaging.v1.services(service_sid).us_app_to_person.list_async(limit=20), "List A2P campaigns"
        )

    async def brand(self, sid: str) -> dict[str, Any]:
        return await self.one(
            lambda c: c.messaging.v1.brand_registrations(sid).fetch_async(), "Fetch A2P brand registration"
        )

    async def tollfree_verifications(self, phone_number_sid: str) -> builtins.list[dict[str, Any]]:
        return await self.many(
            lambda c: c.messaging.v1.tollfree_verifications.list_async(
                tollfree_phone_number_sid=phone_number_sid, limit=20
            ),
            "List toll-free verifications",
        )
