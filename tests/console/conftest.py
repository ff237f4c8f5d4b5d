"""A console over the test services' stores, reached in memory by a client whose every request is bounded."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest

from skill.config import ALL_TOOLSETS, Settings
from skill.console.app import build_console_app
from skill.core.context import Services
from skill.records.approvals import Approval
from skill.stores.sqlite import Stores
from tests import approvals

TOKEN = "operator-token-for-tests-" + "x" * 20
BASE = "http://127.0.0.1:8790"
REQUEST_TIMEOUT = 10


class BoundedClient(httpx.AsyncClient):
    """An httpx client whose every request fails the test after a few seconds instead of hanging."""

    async def send(self, request: httpx.Request, **kwargs: Any) -> httpx.Response:
        with anyio.fail_after(REQUEST_TIMEOUT):
            return await super().send(request, **kwargs)


@pytest.fixture
def settings(home: Path) -> Settings:
    return Settings(home=home, toolsets=ALL_TOOLSETS, console_url=BASE)


@pytest.fixture
def stores(services: Services) -> Stores:
    return services.stores


@pytest.fixture
async def web(settings: Settings, stores: Stores) -> AsyncIterator[httpx.AsyncClient]:
    app = build_console_app(settings, stores, token=TOKEN)
    async with BoundedClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as client:
        yield client


async def log_in(web: httpx.AsyncClient, operator: str = "") -> str:
    """Log in with the operator token; returns the session's CSRF token, read from a page."""
    response = await web.post("/login", data={"token": TOKEN, "operator": operator, "next": "/"})
    assert response.status_code == 303, response.text
    page = await web.get("/")
    assert page.status_code == 200
    found = re.search(r"name='csrf' value='([^']+)'", page.text)
    assert found, page.text
    return found.group(1)


def open_request(stores: Stores, summary: str = "Release +1415***0199", ttl_seconds: int = 3600) -> Approval:
    """A pending request, as a gated call would open it."""
    return approvals.open_request(
        stores, "number_release", json.dumps({"sid": "PN" + "1" * 32}), summary=summary, ttl=ttl_seconds
    )


def decision_events(stores: Stores) -> list[str]:
    decisions = ("approval.approved", "approval.denied")
    return [entry.event for entry in stores.audit.tail(100) if entry.event in decisions]
