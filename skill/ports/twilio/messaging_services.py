"""Messaging Services, their sender pool, and A2P compliance records (Messaging v1), as the core calls them."""

from __future__ import annotations

import builtins
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from skill.records.messaging_services import (
        A2PCampaign,
        BrandRegistration,
        MessagingService,
        Sender,
        ServiceChanges,
        TollfreeVerification,
    )
    from skill.records.page import Page


class MessagingServicesPort(Protocol):
    async def list(
        self,
        *,
        limit: int,
        cursor: str | None = None,
        keep: Callable[[MessagingService], bool] | None = None,
        scan: int = 1000,
        kept_by: dict[str, Any] | None = None,
    ) -> Page[MessagingService]: ...

    async def fetch(self, sid: str) -> MessagingService: ...

    async def create(self, friendly_name: str, changes: ServiceChanges) -> MessagingService: ...

    async def update(self, sid: str, changes: ServiceChanges) -> MessagingService: ...

    async def senders(self, service_sid: str) -> builtins.list[Sender]: ...

    async def add_sender(self, service_sid: str, phone_number_sid: str) -> Sender: ...

    async def remove_sender(self, service_sid: str, phone_number_sid: str) -> bool: ...

    async def campaigns(self, service_sid: str) -> builtins.list[A2PCampaign]: ...

    async def brand(self, sid: str) -> BrandRegistration: ...

    async def tollfree_verifications(self, phone_number_sid: str) -> builtins.list[TollfreeVerification]: ...
