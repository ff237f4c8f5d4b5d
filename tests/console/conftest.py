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
from skill.core.operators import create_operator
from skill.records.approvals import Approval
from skill.stores.sqlite import Stores
from tests import approvals

BASE = "http://127.0.0.1:8790"
REQUEST_TIMEOUT = 10
CSRF_FIELD = re.compile(r'name="csrf" value="([^"]+)"')

IMPACT = {
    "resource": "Phone number +1415***0199 (Main line)",
    "facts": [{"label": "Voice URL", "value": "https://example.com/voice"}],
    "cost": {"amount": "1.15", "currency": "USD", "basis": "per month", "estimate": True},
    "blast_radius": [{"label": "Messaging service", "value": "Support (2 numbers)"}],
    "reversibility": "not reversible",
}


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
def credential(stores: Stores) -> str:
    """The credential of operator `dana`, as `twilio-skill operators create dana` would print it."""
    return create_operator(stores.operators, "dana")[1]


@pytest.fixture
async def web(settings: Settings, stores: Stores) -> AsyncIterator[httpx.AsyncClient]:
    app = build_console_app(settings, stores)
    async with BoundedClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as client:
        yield client


def csrf_of(page: str) -> str:
    found = CSRF_FIELD.search(page)
    assert found, page
    return found.group(1)


async def log_in(web: httpx.AsyncClient, credential: str) -> str:
    """Log in with an operator credential; returns the session's CSRF token, read from a page."""
    response = await web.post("/login", data={"credential": credential, "next": "/"})
    assert response.status_code == 303, response.text
    page = await web.get("/")
    assert page.status_code == 200
    return csrf_of(page.text)


def open_request(
    stores: Stores,
    summary: str = "Release +1415***0199",
    ttl_seconds: int = 3600,
    *,
    tool: str = "number_release",
    arguments: dict[str, Any] | None = None,
    impact: dict[str, Any] | None = None,
) -> Approval:
    """A pending request, as a gated call would open it, with an impact when given."""
    args_json = json.dumps(arguments if arguments is not None else {"sid": "PN" + "1" * 32})
    return approvals.open_request(stores, tool, args_json, summary=summary, ttl=ttl_seconds, impact=impact)


def set_impact(stores: Stores, approval_id: str, impact: dict[str, Any]) -> None:
    """Write a request's impact as the approvals service will store it."""
    stores.db.execute("UPDATE approvals SET impact_json = ? WHERE id = ?", (json.dumps(impact), approval_id))


def decision_events(stores: Stores) -> list[str]:
    decisions = ("approval.approved", "approval.denied")
    return [entry.event for entry in stores.audit.tail(100) if entry.event in decisions]


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """A failed browser test leaves a screenshot of what the browser showed under .artifacts/console/."""
    outcome = yield
    report = outcome.get_result()
    driver = getattr(item, "funcargs", {}).get("browser")
    if report.when == "call" and report.failed and driver is not None:
        from tests.console.browser import ARTIFACTS

        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        driver.save_screenshot(str(ARTIFACTS / f"failed-{item.name}.png"))
