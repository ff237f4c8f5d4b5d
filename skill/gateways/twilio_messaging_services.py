"""Messaging Services, their sender pool, and A2P compliance records (Messaging v1)."""

from __future__ import annotations

import builtins
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from skill.gateways.area import MAX_PAGE_SIZE, Area, unset_none
from skill.records.messaging_services import (
    A2PCampaign,
    BrandRegistration,
    MessagingService,
    Sender,
    ServiceChanges,
    TollfreeVerification,
)
from skill.records.page import Page

if TYPE_CHECKING:
    from skill.gateways.twilio_gateway import TwilioGateway
    from skill.ports.twilio.messaging_services import MessagingServicesPort

# Twilio allows 400 phone numbers in one service's sender pool.
MAX_SENDERS = 400


class MessagingServices(Area):
    async def list(
        self,
        *,
        limit: int,
        cursor: str | None = None,
        keep: Callable[[MessagingService], bool] | None = None,
        scan: int = MAX_PAGE_SIZE,
        kept_by: dict[str, Any] | None = None,
    ) -> Page[MessagingService]:
        return await self.page(
            lambda c: c.messaging.v1.services,
            "List messaging services",
            into=MessagingService.from_api,
            limit=limit,
            cursor=cursor,
            keep=keep,
            scan=scan,
            kept_by=kept_by,
        )

    async def fetch(self, sid: str) -> MessagingService:
        raw = await self.one(lambda c: c.messaging.v1.services(sid).fetch_async(), "Fetch messaging service")
        return MessagingService.from_api(raw)

    async def create(self, friendly_name: str, changes: ServiceChanges) -> MessagingService:
        settings = unset_none(**changes.model_dump(exclude={"friendly_name"}))
        raw = await self.one(
            lambda c: c.messaging.v1.services.create_async(friendly_name=friendly_name, **settings),
            "Create messaging service",
        )
        return MessagingService.from_api(raw)

    async def update(self, sid: str, changes: ServiceChanges) -> MessagingService:
        settings = unset_none(**changes.model_dump())
        raw = await self.one(
            lambda c: c.messaging.v1.services(sid).update_async(**settings), "Update messaging service"
        )
        return MessagingService.from_api(raw)

    async def senders(self, service_sid: str) -> builtins.list[Sender]:
        rows = await self.many(
            lambda c: c.messaging.v1.services(service_sid).phone_numbers.list_async(limit=MAX_SENDERS),
            "List messaging service senders",
        )
        return [Sender.from_api(row) for row in rows]

    async def add_sender(self, service_sid: str, phone_number_sid: str) -> Sender:
        raw = await self.one(
            lambda c: c.messaging.v1.services(service_sid).phone_numbers.create_async(
                phone_number_sid=phone_number_sid
            ),
            "Add sender to messaging service",
        )
        return Sender.from_api(raw)

    async def remove_sender(self, service_sid: str, phone_number_sid: str) -> bool:
        return await self.deleted(
            lambda c: c.messaging.v1.services(service_sid).phone_numbers(phone_number_sid).delete_async(),
            "Remove sender from messaging service",
        )

    async def campaigns(self, service_sid: str) -> builtins.list[A2PCampaign]:
        """The service's US A2P 10DLC campaigns (UsAppToPerson)."""
        rows = await self.many(
            lambda c: c.messaging.v1.services(service_sid).us_app_to_person.list_async(limit=20), "List A2P campaigns"
        )
        return [A2PCampaign.from_api(row) for row in rows]

    async def brand(self, sid: str) -> BrandRegistration:
        raw = await self.one(
            lambda c: c.messaging.v1.brand_registrations(sid).fetch_async(), "Fetch A2P brand registration"
        )
        return BrandRegistration.from_api(raw)

    async def tollfree_verifications(self, phone_number_sid: str) -> builtins.list[TollfreeVerification]:
        rows = await self.many(
            lambda c: c.messaging.v1.tollfree_verifications.list_async(
                tollfree_phone_number_sid=phone_number_sid, limit=20
            ),
            "List toll-free verifications",
        )
        return [TollfreeVerification.from_api(row) for row in rows]


if TYPE_CHECKING:

    def _satisfies_port(gateway: TwilioGateway) -> MessagingServicesPort:
        return MessagingServices(gateway)  # mypy proves the class has every method the core calls
