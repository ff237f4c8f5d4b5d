"""Agents with their own tokens against a real `serve --transport http`: each call is attributed to its
token's agent in the approval request and the audit log, and a revoked token is refused at once."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import anyio
import httpx
import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from skill.config import Settings
from skill.records.audit import AuditFilter
from skill.stores.sqlite import Stores
from tests import approvals
from tests.conftest import call
from tests.e2e.support import free_port, listening, run_cli

pytestmark = [pytest.mark.anyio, pytest.mark.slow]

TEST_TIMEOUT = 60
PING = {"jsonrpc": "2.0", "id": 1, "method": "ping"}
ACCEPT = "application/json, text/event-stream"


def new_agent(home: Path, name: str) -> str:
    created = run_cli(home, "agents", "create", name)
    assert created.returncode == 0, created.stderr
    token = created.stdout.strip()
    assert token.startswith("tsag_") and name not in token
    return token


@asynccontextmanager
async def client_for(port: int, token: str | None) -> AsyncIterator[Client]:
    """An MCP client over HTTP sending the agent's token (none: a loopback caller without one)."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    url = f"http://127.0.0.1:{port}/mcp"
    async with (
        httpx2.AsyncClient(headers=headers, timeout=30) as http,
        Client(streamable_http_client(url, http_client=http)) as client,
    ):
        yield client


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Path, int]]:
    home = tmp_path / "home"
    assert run_cli(home, "agents", "list").returncode == 0  # the home and its database exist before the server
    port = free_port()
    with listening(home, port, tmp_path / "serve.log", "serve", "--transport", "http", "--port", str(port)):
        yield home, port


async def ask_to_release(client: Client) -> tuple[str, str]:
    listed = await call(client, "numbers_list")
    sid = str(listed.data["items"][0]["sid"])
    gated = await call(client, "number_release", {"sid": sid})
    assert gated.error["code"] == "policy.approval_required", gated
    return sid, str(gated.error["approval"]["id"])


async def test_calls_are_attributed_to_the_agent_whose_token_made_them(served: tuple[Path, int]) -> None:
    home, port = served
    openclaw = new_agent(home, "openclaw")
    with anyio.fail_after(TEST_TIMEOUT):
        async with client_for(port, openclaw) as client:
            sid, approval_id = await ask_to_release(client)
            stores = Stores.open(Settings(home=home).db_path)
            try:
                approvals.decide(stores, approval_id)
            finally:
                stores.close()
            done = await call(client, "number_release", {"sid": sid, "approval_id": approval_id})
            assert not done.is_error, done
        async with client_for(port, None) as anonymous:
            _, local_id = await ask_to_release(anonymous)
    stores = Stores.open(Settings(home=home).db_path)
    try:
        request = stores.approvals.get(approval_id)
        local = stores.approvals.get(local_id)
        entries = stores.audit.search(AuditFilter(approval_id=approval_id), limit=50)
    finally:
        stores.close()
    assert request is not None and request.requested_by == "openclaw"
    assert local is not None and local.requested_by == "local"
    requested = [entry for entry in entries if entry.event == "approval.requested"]
    assert [entry.detail["requested_by"] for entry in requested] == ["openclaw"]
    ran = [entry for entry in entries if entry.tool == "number_release" and "agent" in entry.detail]
    assert ran and {entry.detail["agent"] for entry in ran} == {"openclaw"}, entries


async def test_a_revoked_token_is_refused_at_once_and_other_agents_carry_on(served: tuple[Path, int]) -> None:
    home, port = served
    openclaw = new_agent(home, "openclaw")
    desktop = new_agent(home, "desktop")
    url = f"http://127.0.0.1:{port}/mcp"
    with anyio.fail_after(TEST_TIMEOUT):
        async with client_for(port, openclaw) as client:
            assert not (await call(client, "account_get")).is_error
        revoked = run_cli(home, "agents", "revoke", "openclaw")
        assert revoked.returncode == 0, revoked.stderr
        async with httpx.AsyncClient() as raw:
            refused = await raw.post(url, json=PING, headers={"Authorization": f"Bearer {openclaw}", "Accept": ACCEPT})
        assert refused.status_code == 401
        async with client_for(port, desktop) as other:
            assert not (await call(other, "account_get")).is_error
    listed = run_cli(home, "agents", "list", "--json")
    assert '"revoked"' in listed.stdout and "tsag_" not in listed.stdout
