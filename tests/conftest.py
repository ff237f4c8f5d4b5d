"""Shared fixtures: a sandbox with a frozen clock, services on a temporary home, an in-memory client."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp import Client

from skill.config import ALL_TOOLSETS, Settings
from skill.core.context import Services
from skill.ports.clock import ManualClock
from skill.sandbox.app import Sandbox
from skill.sandbox.clock import SandboxClock
from skill.server.app import build_server
from skill.wiring import build_services
from tests.postgres import INSTALL_HINT, Cluster, find_bindir, missing

CALL_TIMEOUT = 20
# TWILIO_SKILL_TEST_BACKEND=postgresql (`make test-postgresql`) puts the services of every test built on
# the `settings` fixture in PostgreSQL; the store tests run on both backends either way.
TEST_BACKEND = os.environ.get("TWILIO_SKILL_TEST_BACKEND", "sqlite")


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


@pytest.fixture
def settings(home: Path, request: pytest.FixtureRequest) -> Settings:
    """Settings on a fresh home: SQLite, or a fresh PostgreSQL database under TEST_BACKEND=postgresql."""
    url = request.getfixturevalue("pg_url") if TEST_BACKEND == "postgresql" else None
    return Settings(home=home, toolsets=ALL_TOOLSETS, database_url=url)


@pytest.fixture
def sandbox() -> Sandbox:
    return Sandbox(clock=SandboxClock(frozen=True))


@pytest.fixture
def wall_clock() -> ManualClock:
    """The wall clock of the services under test: approvals, audit, counters and our own cooldowns."""
    return ManualClock()


class Elapse:
    """Lets time pass for everything at once: the wall clock and the sandbox's clock."""

    def __init__(self, *clocks: ManualClock) -> None:
        self.clocks = clocks

    def __call__(self, seconds: float) -> None:
        for clock in self.clocks:
            clock.advance(seconds)


@pytest.fixture
def elapse(wall_clock: ManualClock, sandbox: Sandbox) -> Elapse:
    return Elapse(wall_clock, sandbox.clock)


@pytest.fixture
def services(settings: Settings, sandbox: Sandbox, wall_clock: ManualClock) -> Iterator[Services]:
    created = build_services(settings, sandbox=sandbox, clock=wall_clock)
    yield created
    created.stores.close()


@pytest.fixture
async def client(settings: Settings, services: Services) -> AsyncIterator[Client]:
    async with Client(build_server(settings, services)) as connected:
        yield connected
    await services.twilio.aclose()


class Called:
    """A tool result, unpacked: is_error and the structured content."""

    def __init__(self, is_error: bool, data: dict[str, Any]) -> None:
        self.is_error = is_error
        self.data = data

    @property
    def error(self) -> dict[str, Any]:
        assert self.is_error, f"expected an error, got {self.data}"
        return dict(self.data["error"])

    def __repr__(self) -> str:
        return f"Called(is_error={self.is_error}, data={self.data})"


async def call(client: Client, name: str, args: dict[str, Any] | None = None) -> Called:
    """Call a tool through the MCP client, bounded in time."""
    with anyio.fail_after(CALL_TIMEOUT):
        result = await client.call_tool(name, args or {})
    assert result.structured_content is not None, result
    return Called(bool(result.is_error), dict(result.structured_content))


async def approve(services: Services, result: Called) -> str:
    """Approve the request a gated call opened, as an operator would."""
    approval_id = result.error["approval"]["id"]
    services.approvals.decide(approval_id, approve=True, operator="test-operator")
    return str(approval_id)


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[Cluster]:
    """A throwaway PostgreSQL cluster for this test process, started on first use."""
    bindir = find_bindir()
    if bindir is None:
        missing(INSTALL_HINT)
    assert bindir is not None
    cluster = Cluster(bindir)
    try:
        cluster.start()
    except (OSError, subprocess.SubprocessError) as exc:
        shutil.rmtree(cluster.root, ignore_errors=True)
        missing(f"PostgreSQL did not start ({exc}); {INSTALL_HINT}")
    yield cluster
    cluster.stop()


@pytest.fixture
def pg_url(pg_cluster: Cluster) -> str:
    """The URL of a fresh, empty PostgreSQL database."""
    return pg_cluster.new_database()
