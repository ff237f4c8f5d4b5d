"""What a server's handlers share: the settings and, built on the first request that needs them, the
services. A server answers initialize and tools/list without opening a store, building a gateway or
starting the embedded sandbox; those happen on the first tool call or resource read."""

from __future__ import annotations

from contextlib import AsyncExitStack
from typing import TYPE_CHECKING

import anyio

from skill.server.confirm import PendingConfirmations
from skill.server.subscriptions import Subscriptions

if TYPE_CHECKING:
    from skill.config import Settings
    from skill.core.context import Services

BULK_START_DELAY = 0.5


class Runtime:
    def __init__(self, settings: Settings, services: Services | None = None) -> None:
        self.settings = settings
        self._services = services
        self._owned = services is None  # services given by a caller (tests) are theirs to close
        self._lock = anyio.Lock()
        self._built = anyio.Event()
        self._answered = anyio.Event()
        if services is not None:
            self._built.set()
        self.confirmations = PendingConfirmations()  # questions asked of 2026-07-28 clients
        self.subscriptions = Subscriptions()

    async def services(self) -> Services:
        """The services, built once on first use."""
        if self._services is None:
            async with self._lock:
                if self._services is None:
                    from skill.wiring import build_services

                    self._services = build_services(self.settings)
                    self._built.set()
        return self._services

    async def keep_background(self) -> None:
        """Run what the services need in the background (the embedded sandbox's callbacks) from the
        moment they are built until the server stops; nothing for services a caller gave."""
        await self._built.wait()
        if not self._owned or self._services is None:
            await anyio.sleep_forever()
        async with AsyncExitStack() as stack:
            for background in self._services.background if self._services else ():
                await stack.enter_async_context(background())
            await anyio.sleep_forever()

    async def keep_watching(self) -> None:
        """From the moment the services exist: read back watched approval requests (for subscribers and
        for notifications of decisions) and deliver notifications. For given services too."""
        await self._built.wait()
        assert self._services is not None
        services = self._services
        self.subscriptions.attach(services.watch)
        async with anyio.create_task_group() as group:
            group.start_soon(services.watch.run)
            if services.notifier.active:
                group.start_soon(services.notifier.run)

    def answered(self) -> None:
        """Note that the server has answered a request (start-up is over)."""
        self._answered.set()

    async def keep_bulk_worker(self) -> None:
        """With the bulk toolset on, send bulk jobs from this server: started once the server has
        answered its first request, so start-up stays fast; nothing for services a caller gave."""
        if not self._owned or not self.bulk_enabled:
            await anyio.sleep_forever()
        await self._answered.wait()
        await anyio.sleep(BULK_START_DELAY)  # let that first answer go out before the services are built
        from skill.wiring import run_bulk_worker

        await run_bulk_worker(self.settings, await self.services())

    @property
    def bulk_enabled(self) -> bool:
        return "bulk" in self.settings.toolsets or any(name.startswith("bulk_") for name in self.settings.tools)

    async def aclose(self) -> None:
        self.subscriptions.close()
        if self._owned and self._services is not None:
            await self._services.aclose()
