"""`serve --transport http` on loopback, and the bearer-token guard used beyond loopback."""

from __future__ import annotations

import socket
import stat
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
from skill.server.http import (
    BearerTokenGuard,
    allowed_host_names,
    build_http_app,
    is_loopback,
    load_or_create_token,
)
from tests.conftest import call
from tests.e2e.support import free_port, listening

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
    assert "token" not in text.lower(), "no bearer token on loopback"


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
    return PlainTextResponse("inside")


def guarded_client(token: str = "s3cret-token") -> httpx.AsyncClient:
    inner = Starlette(routes=[Route("/mcp", hello, methods=["GET", "POST"])])
    transport = httpx.ASGITransport(app=BearerTokenGuard(inner, token))
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


@pytest.mark.anyio
async def test_the_bearer_guard_answers_401_without_the_right_token() -> None:
    async with guarded_client() as client:
        missing = await client.post("/mcp")
        wrong = await client.post("/mcp", headers={"Authorization": "Bearer not-it"})
        basic = await client.post("/mcp", headers={"Authorization": "Basic s3cret-token"})
    for response in (missing, wrong, basic):
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
        assert "inside" not in response.text


@pytest.mark.anyio
async def test_the_bearer_guard_lets_the_right_token_through() -> None:
    async with guarded_client() as client:
        response = await client.post("/mcp", headers={"Authorization": "Bearer s3cret-token"})
        lower = await client.get("/mcp", headers={"authorization": "bearer s3cret-token"})
    assert response.status_code == 200
    assert response.text == "inside"
    assert lower.status_code == 200


@pytest.mark.anyio
async def test_the_http_app_for_a_public_address_is_guarded(tmp_path: Path) -> None:
    app = build_http_app(Settings(home=tmp_path / "home"), host="0.0.0.0", token="s3cret-token")
    assert isinstance(app, BearerTokenGuard)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1") as client:
        response = await client.post("/mcp", json={"jsonrpc": "2.0", "id": 1, "method": "ping"})
    assert response.status_code == 401


def test_the_http_app_on_loopback_has_no_guard(tmp_path: Path) -> None:
    app = build_http_app(Settings(home=tmp_path / "home"), host="127.0.0.1")
    assert not isinstance(app, BearerTokenGuard)


def test_the_token_is_created_once_with_owner_only_permissions(tmp_path: Path) -> None:
    home = tmp_path / "home"
    token, created = load_or_create_token(home)
    assert created
    assert len(token) >= 32
    assert stat.S_IMODE((home / "http-token").stat().st_mode) == 0o600
    assert load_or_create_token(home) == (token, False)


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
