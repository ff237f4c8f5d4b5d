"""Subscriptions to twilio://approvals/{id} in both protocol eras: a decision made on another
connection to the store reaches a subscribed client; the resource reads what was decided."""

from __future__ import annotations

import json
import time
import warnings
from typing import Any

import anyio
import pytest
from mcp import Client
from mcp.client.session import IncomingMessage
from mcp.shared.exceptions import MCPDeprecationWarning, MCPError
from mcp.shared.subscriptions import ResourceUpdated
from mcp.types import ResourceUpdatedNotification, TextResourceContents

from skill.config import Settings
from skill.core.context import Services
from skill.server.app import build_server
from tests import approvals
from tests.server.test_approval_waiting import decide_elsewhere

pytestmark = pytest.mark.anyio

TEST_TIMEOUT = 20


async def read_json(client: Client, uri: str) -> dict[str, Any]:
    with anyio.fail_after(TEST_TIMEOUT):
        result = await client.read_resource(uri, cache_mode="bypass")
    content = result.contents[0]
    assert isinstance(content, TextResourceContents)
    data: dict[str, Any] = json.loads(content.text)
    return data


def uri_of(approval_id: str) -> str:
    return f"twilio://approvals/{approval_id}"


async def test_the_approval_resource_shows_status_impact_and_who_decided(
    settings: Settings, services: Services
) -> None:
    impact = {"resource": "+14155550100", "reversibility": "not reversible"}
    pending = approvals.open_request(services.stores, summary="Release +14155550100", impact=impact)
    async with Client(build_server(settings, services)) as client:
        before = await read_json(client, uri_of(pending.id))
        approvals.decide(services.stores, pending.id, approve=False, reason="keep it")
        after = await read_json(client, uri_of(pending.id))
    assert (before["status"], before["decided_by"]) == ("pending", None)
    assert before["impact"]["resource"] == "+14155550100"
    assert before["impact"]["reversibility"] == "not reversible"
    assert (after["status"], after["decided_by"], after["reason"]) == ("denied", "test-operator", "keep it")
    assert "args_json" not in after and "args" not in after


async def test_an_unknown_or_malformed_approval_uri_is_refused_with_a_clear_error(
    settings: Settings, services: Services
) -> None:
    async with Client(build_server(settings, services)) as client:
        for uri in (uri_of("apr_0123456789abcdef"), "twilio://approvals/../../etc/passwd"):
            with anyio.fail_after(TEST_TIMEOUT), pytest.raises(MCPError) as raised:
                await client.read_resource(uri, cache_mode="bypass")
            assert "approval" in str(raised.value)


async def test_a_listening_client_hears_of_a_decision_made_elsewhere(settings: Settings, services: Services) -> None:
    pending = approvals.open_request(services.stores)
    other = approvals.open_request(services.stores)
    async with Client(build_server(settings, services)) as client:
        with anyio.fail_after(TEST_TIMEOUT):
            async with client.listen(resource_subscriptions=[uri_of(pending.id)]) as subscription:
                # Another request's decision is no news to this subscriber.
                await anyio.to_thread.run_sync(lambda: decide_elsewhere(settings, other.id))
                decided = await anyio.to_thread.run_sync(lambda: decide_elsewhere(settings, pending.id))
                event = await subscription.__anext__()
                heard = time.monotonic()
        assert isinstance(event, ResourceUpdated)
        assert event.uri == uri_of(pending.id)
        assert heard - decided < services.watch.interval + 1.0
        assert (await read_json(client, uri_of(pending.id)))["status"] == "approved"


async def test_a_legacy_subscriber_hears_of_a_decision_made_elsewhere(settings: Settings, services: Services) -> None:
    pending = approvals.open_request(services.stores)
    other = approvals.open_request(services.stores)
    heard: list[tuple[str, float]] = []
    arrived = anyio.Event()

    async def on_message(message: IncomingMessage) -> None:
        if isinstance(message, ResourceUpdatedNotification):
            heard.append((message.params.uri, time.monotonic()))
            arrived.set()

    async with Client(build_server(settings, services), mode="legacy", message_handler=on_message) as client:
        with anyio.fail_after(TEST_TIMEOUT):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", MCPDeprecationWarning)  # resources/subscribe is the 2025-era verb
                await client.session.subscribe_resource(uri_of(pending.id))
            await anyio.to_thread.run_sync(lambda: decide_elsewhere(settings, other.id))
            decided = await anyio.to_thread.run_sync(lambda: decide_elsewhere(settings, pending.id))
            await arrived.wait()
        assert [uri for uri, _ in heard] == [uri_of(pending.id)]
        assert heard[0][1] - decided < services.watch.interval + 1.0
        assert (await read_json(client, uri_of(pending.id)))["status"] == "approved"


async def test_a_legacy_subscriber_that_unsubscribed_hears_nothing_and_the_request_is_no_longer_read(
    settings: Settings, services: Services
) -> None:
    pending = approvals.open_request(services.stores)
    heard: list[str] = []

    async def on_message(message: IncomingMessage) -> None:
        if isinstance(message, ResourceUpdatedNotification):
            heard.append(message.params.uri)

    async with Client(build_server(settings, services), mode="legacy", message_handler=on_message) as client:
        with anyio.fail_after(TEST_TIMEOUT), warnings.catch_warnings():
            warnings.simplefilter("ignore", MCPDeprecationWarning)
            await client.session.subscribe_resource(uri_of(pending.id))
            assert pending.id in services.watch.watched
            await client.session.unsubscribe_resource(uri_of(pending.id))
        assert pending.id not in services.watch.watched
        approvals.decide(services.stores, pending.id)
        assert await services.watch.poll_once() == []
    assert heard == []


async def test_subscribing_to_anything_but_an_existing_approval_is_refused(
    settings: Settings, services: Services
) -> None:
    async with Client(build_server(settings, services), mode="legacy") as client:
        for uri in ("twilio://policy", uri_of("apr_0123456789abcdef")):
            with anyio.fail_after(TEST_TIMEOUT), warnings.catch_warnings(), pytest.raises(MCPError):
                warnings.simplefilter("ignore", MCPDeprecationWarning)
                await client.session.subscribe_resource(uri)
    assert services.watch.watched == frozenset()
