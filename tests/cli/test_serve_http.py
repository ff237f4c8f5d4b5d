"""`serve --transport http` on loopback, and the agent-token guard in front of it."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import anyio
import httpx
import pytest
from mcp import Client
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from skill.config import Settings
from skill.core.agents import create_agent, revoke_agent, rotate_agent
from skill.server.http import AgentTokenGuard, agent_of, allowed_host_names, build_http_app, is_loopback
from skill.stores.sqlite import Stores
from tests.conftest import call
from tests.e2e.support import free_port, listening, run_cli

START_TIMEOUT = 30.0


@pytest.fixture
def http_server(tmp_path: Path) -> Iterator[tuple[int, Path]]:
    """`twilio-skill serve --transport http` on a free loopback port; yields (port, its output)."""
    port = free_port()
    log = tmp_path / "serve.log"
    with listening(tmp_path / "home", port, log, "serve", "--transport", "http", "--port", str(port)):
        yield port, log


@pytest.mark.anyio
@pytest.mark.slow
async def test_serve_over_http_answers_an_mcp_client_on_loopback(http_server: tuple[int, Path]) -> None:
    port, log = http_server
    with anyio.fail_after(START_TIMEOUT):
        async with Client(f"http://127.0.0.1:{port}/mcp") as client:
            names = {tool.name for tool in (await client.list_tools()).tools}
            account = await call(client, "account_get")
    assert "account_get" in names
    assert account.data["environment"] == "sandbox"
    text = log.read_text()
    assert f"http://127.0.0.1:{port}/mcp" in text
    assert "tsag_" not in text, "no token is made or shown on loopback"
    assert "attributed to 'local'" in text


@pytest.mark.anyio
@pytest.mark.slow
async def test_serve_over_http_refuses_a_foreign_host_header(http_server: tuple[int, Path]) -> None:
    port, _ = http_server
    with anyio.fail_after(START_TIMEOUT):
        async with httpx.AsyncClient() as client:
            response = await client.post(
                f"http://127.0.0.1:{port}/mcp",
                headers={"Host": f"attacker.example:{port}", "Accept": "application/json, text/event-stream"},
                json={"jsonrpc": "2.0", "id": 1, "method": "ping"},
            )
    assert response.status_code == 421


async def hello(request: Request) -> PlainTextResponse:
    return PlainTextResponse(f"inside as {agent_of(request)}")


@pytest.fixture
def agent_stores(tmp_path: Path) -> Iterator[Stores]:
    opened = Stores.open(tmp_path / "agents.db")
    yield opened
    opened.close()


def guarded_client(stores: Stores, *, allow_local: bool = False) -> httpx.AsyncClient:
    inner = Starlette(routes=[Route("/mcp", hello, methods=["GET", "POST"])])
    guard = AgentTokenGuard(inner, lambda: stores.agents, allow_local=allow_local)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=guard), base_url="http://testserver")


@pytest.mark.anyio
async def test_the_agent_guard_answers_401_without_a_valid_agent_token(agent_stores: Stores) -> None:
    _, token = create_agent(agent_stores.agents, "openclaw")
    async with guarded_client(agent_stores) as client:
        missing = await client.post("/mcp")
        wrong = await client.post("/mcp", headers={"Authorization": "Bearer tsag_0123456789abcdef_nope"})
        basic = await client.post("/mcp", headers={"Authorization": f"Basic {token}"})
        empty = await client.post("/mcp", headers={"Authorization": "Bearer "})
    for response in (missing, wrong, basic, empty):
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
        assert "inside" not in response.text
        assert "agents create" in response.json()["remediation"]


@pytest.mark.anyio
async def test_the_agent_guard_names_the_agent_whose_token_came(agent_stores: Stores) -> None:
    _, first = create_agent(agent_stores.agents, "openclaw")
    _, second = create_agent(agent_stores.agents, "desktop")
    async with guarded_client(agent_stores) as client:
        one = await client.post("/mcp", headers={"Authorization": f"Bearer {first}"})
        two = await client.get("/mcp", headers={"authorization": f"bearer {second}"})
    assert (one.status_code, one.text) == (200, "inside as openclaw")
    assert (two.status_code, two.text) == (200, "inside as desktop")


@pytest.mark.anyio
async def test_a_revoked_or_rotated_token_is_refused_on_its_very_next_request(agent_stores: Stores) -> None:
    _, token = create_agent(agent_stores.agents, "openclaw")
    _, other = create_agent(agent_stores.agents, "desktop")
    async with guarded_client(agent_stores) as client:
        assert (await client.post("/mcp", headers={"Authorization": f"Bearer {token}"})).status_code == 200
        revoke_agent(agent_stores.agents, "openclaw")
        refused = await client.post("/mcp", headers={"Authorization": f"Bearer {token}"})
        assert (await client.post("/mcp", headers={"Authorization": f"Bearer {other}"})).status_code == 200
        _, rotated = rotate_agent(agent_stores.agents, "desktop")
        old = await client.post("/mcp", headers={"Authorization": f"Bearer {other}"})
        new = await client.post("/mcp", headers={"Authorization": f"Bearer {rotated}"})
    assert refused.status_code == 401
    assert old.status_code == 401
    assert (new.status_code, new.text) == (200, "inside as desktop")


@pytest.mark.anyio
async def test_on_loopback_a_call_without_a_token_is_local_and_a_wrong_token_still_refused(
    agent_stores: Stores,
) -> None:
    _, token = create_agent(agent_stores.agents, "openclaw")
    async with guarded_client(agent_stores, allow_local=True) as client:
        anonymous = await client.post("/mcp")
        named = await client.post("/mcp", headers={"Authorization": f"Bearer {token}"})
        wrong = await client.post("/mcp", headers={"Authorization": "Bearer tsag_0123456789abcdef_nope"})
    assert (anonymous.status_code, anonymous.text) == (200, "inside as local")
    assert (named.status_code, named.text) == (200, "inside as openclaw")
    assert wrong.status_code == 401


@pytest.mark.anyio
async def test_the_http_app_for_a_public_address_refuses_calls_without_a_token(
    tmp_path: Path, agent_stores: Stores
) -> None:
    app = build_http_app(Settings(home=tmp_path / "home"), host="0.0.0.0", open_agents=lambda: agent_stores.agents)
    assert isinstance(app, AgentTokenGuard) and not app.allow_local
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1") as client:
        response = await client.post("/mcp", json={"jsonrpc": "2.0", "id": 1, "method": "ping"})
    assert response.status_code == 401


def test_the_http_app_on_loopback_serves_calls_without_a_token(tmp_path: Path) -> None:
    app = build_http_app(Settings(home=tmp_path / "home"), host="127.0.0.1")
    assert isinstance(app, AgentTokenGuard) and app.allow_local


def test_serving_beyond_loopback_with_no_agent_token_refuses_to_start(tmp_path: Path) -> None:
    home = tmp_path / "home"
    result = run_cli(home, "serve", "--transport", "http", "--host", "0.0.0.0", "--port", str(free_port()))
    assert result.returncode != 0
    assert "no agent has one" in result.stderr
    assert "twilio-skill agents create NAME" in result.stderr


def test_loopback_addresses_are_told_apart_from_public_ones() -> None:
    assert all(is_loopback(host) for host in ("127.0.0.1", "localhost", "::1", "[::1]", "127.0.0.2"))
    assert not any(is_loopback(host) for host in ("0.0.0.0", "::", "192.168.1.10", "example.com"))


def test_the_host_allow_list_names_this_server_and_nothing_else() -> None:
    wildcard = allowed_host_names("0.0.0.0")
    assert "127.0.0.1" in wildcard
    assert socket.gethostname() in wildcard
    assert "attacker.example" not in wildcard
    assert "10.0.0.5" in allowed_host_names("10.0.0.5")
    assert "mcp.internal" in allowed_host_names("10.0.0.5", extra=["mcp.internal"])
