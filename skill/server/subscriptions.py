"""Subscriptions to `twilio://approvals/{id}`, in both protocol eras, fed by the approval watch.

- 2025-era clients send `resources/subscribe`; an update goes to their connection's standalone
  channel as `notifications/resources/updated`.
- 2026-07-28 clients open a `subscriptions/listen` stream naming the URIs; updates ride it.

Either way the request is watched (skill.core.approval_watch) while someone is subscribed, so a
decision made by another process or replica reaches them within the watch's interval. Streamable
HTTP in stateless mode has no standalone channel: a 2025-era client there subscribes but never
hears; it should call approval_status with wait_seconds instead.
"""

from __future__ import annotations

import logging
import re
from typing import Any

import anyio
from mcp.server.context import ServerRequestContext
from mcp.server.subscriptions import InMemorySubscriptionBus, ListenHandler, ResourceUpdated
from mcp.shared.exceptions import MCPError
from mcp.types import (
    INVALID_PARAMS,
    EmptyResult,
    SubscribeRequestParams,
    SubscriptionsListenRequestParams,
    SubscriptionsListenResult,
    UnsubscribeRequestParams,
)

from skill.core.approval_watch import ApprovalWatch
from skill.errors import SkillError
from skill.records.approvals import Approval

log = logging.getLogger("twilio_skill.subscriptions")

APPROVAL_TEMPLATE = "twilio://approvals/{id}"
_APPROVAL_URI = re.compile(r"^twilio://approvals/(apr_[0-9a-f]{16})$")
SEND_TIMEOUT = 5.0
MAX_PER_CONNECTION = 100


def approval_uri(approval_id: str) -> str:
    return f"twilio://approvals/{approval_id}"


def approval_id_of(uri: str) -> str | None:
    match = _APPROVAL_URI.match(uri)
    return match.group(1) if match else None


def _connection_of(ctx: ServerRequestContext[Any]) -> object:
    # A session object is made per request; the connection behind it is what a subscription belongs to.
    return getattr(ctx.session, "_connection", ctx.session)


class Subscriptions:
    def __init__(self) -> None:
        self.bus = InMemorySubscriptionBus()
        self._listen = ListenHandler(self.bus)
        self._legacy: dict[str, dict[object, Any]] = {}  # uri -> connection -> session that subscribed
        self._watch: ApprovalWatch | None = None

    def attach(self, watch: ApprovalWatch) -> None:
        """Hear of the watch's changes (once per server)."""
        if self._watch is None:
            self._watch = watch
            watch.on_change(self._changed)

    def close(self) -> None:
        self._listen.close()

    async def _changed(self, approval: Approval, status: str) -> None:
        uri = approval_uri(approval.id)
        await self.bus.publish(ResourceUpdated(uri=uri))
        for connection, session in list(self._legacy.get(uri, {}).items()):
            try:
                with anyio.fail_after(SEND_TIMEOUT):
                    await session.send_resource_updated(uri)
            except Exception:
                # A closed connection, or one with no standalone channel (stateless HTTP): it hears no more.
                log.info("dropped a subscription to %s that could not be told", uri)
                self._forget(uri, connection)

    def _forget(self, uri: str, connection: object) -> None:
        subscribers = self._legacy.get(uri, {})
        subscribers.pop(connection, None)
        approval_id = approval_id_of(uri)
        if self._watch is not None and approval_id:
            self._watch.unwatch(approval_id, ("legacy", connection))
        if not subscribers:
            self._legacy.pop(uri, None)

    def _checked(self, uri: str) -> str:
        approval_id = approval_id_of(uri)
        if approval_id is None:
            raise MCPError(INVALID_PARAMS, f"{uri[:100]}: only twilio://approvals/{{id}} can be subscribed to.")
        return approval_id

    async def subscribe(self, ctx: ServerRequestContext[Any], params: SubscribeRequestParams) -> EmptyResult:
        """resources/subscribe (2025 era)."""
        uri = str(params.uri)
        approval_id = self._checked(uri)
        services = await ctx.lifespan_context.services()
        self.attach(services.watch)
        assert self._watch is not None
        approval = await anyio.to_thread.run_sync(services.stores.approvals.get, approval_id)
        if approval is None:
            raise MCPError(INVALID_PARAMS, f"No approval request has id {approval_id}.")
        connection = _connection_of(ctx)
        held = sum(connection in subscribers for subscribers in self._legacy.values())
        if held >= MAX_PER_CONNECTION:
            raise MCPError(INVALID_PARAMS, f"A connection may hold {MAX_PER_CONNECTION} subscriptions at most.")
        try:
            self._watch.watch(approval_id, ("legacy", connection), seen=approval)
        except SkillError as exc:
            raise MCPError(INVALID_PARAMS, exc.message) from None
        self._legacy.setdefault(uri, {})[connection] = ctx.session
        return EmptyResult()

    async def unsubscribe(self, ctx: ServerRequestContext[Any], params: UnsubscribeRequestParams) -> EmptyResult:
        """resources/unsubscribe (2025 era)."""
        uri = str(params.uri)
        self._checked(uri)
        self._forget(uri, _connection_of(ctx))
        return EmptyResult()

    async def listen(
        self, ctx: ServerRequestContext[Any], params: SubscriptionsListenRequestParams
    ) -> SubscriptionsListenResult:
        """subscriptions/listen (2026-07-28): the approvals named are watched while the stream is open."""
        uris = params.notifications.resource_subscriptions or []
        ids = [approval_id for uri in uris if (approval_id := approval_id_of(str(uri)))][:MAX_PER_CONNECTION]
        key = ("listen", object())
        watched: list[str] = []
        if ids:
            services = await ctx.lifespan_context.services()
            self.attach(services.watch)
            assert self._watch is not None
            for approval_id in ids:
                try:
                    self._watch.watch(approval_id, key)
                except SkillError:
                    break  # the rest are honoured but never fire, as any unknown URI is
                watched.append(approval_id)
        try:
            return await self._listen(ctx, params)
        finally:
            if self._watch is not None:
                for approval_id in watched:
                    self._watch.unwatch(approval_id, key)
