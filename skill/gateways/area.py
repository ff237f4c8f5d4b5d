"""The base of the per-area Twilio gateway classes."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from typing import TYPE_CHECKING, Any

from skill.gateways.twilio_gateway import record

if TYPE_CHECKING:
    from twilio.rest import Client
    from twilio.rest.api.v2010.account import AccountContext

    from skill.gateways.twilio_gateway import TwilioGateway


def unset_none(**kwargs: Any) -> dict[str, Any]:
    """Arguments for the SDK without the ones we were not given (the SDK wants them absent)."""
    return {key: value for key, value in kwargs.items() if value is not None}


class Area:
    def __init__(self, gateway: TwilioGateway) -> None:
        self.gw = gateway

    def account(self, client: Client, sid: str | None = None) -> AccountContext:
        return client.api.v2010.accounts(sid or self.gw.account_sid)

    async def one(self, call: Callable[[Client], Awaitable[Any]], what: str) -> dict[str, Any]:
        """Run an SDK call that answers one resource, and return it as a dict.

        Raises:
            UpstreamError: as TwilioGateway.run.
        """

        async def op(client: Client) -> dict[str, Any]:
            return record(await call(client))

        return await self.gw.run(op, what=what)

    async def many(self, call: Callable[[Client], Awaitable[Iterable[Any]]], what: str) -> list[dict[str, Any]]:
        """Run an SDK list call and return its resources as dicts.

        Raises:
            UpstreamError: as TwilioGateway.run.
        """

        async def op(client: Client) -> list[dict[str, Any]]:
            return [record(item) for item in await call(client)]

        return await self.gw.run(op, what=what)

    async def deleted(self, call: Callable[[Client], Awaitable[Any]], what: str) -> bool:
        """Run an SDK delete call; True when Twilio deleted the resource.

        Raises:
            UpstreamError: as TwilioGateway.run.
        """

        async def op(client: Client) -> bool:
            return bool(await call(client))

        return await self.gw.run(op, what=what)
