"""Studio calls that wait for an operator: the flow is fetched first (an unknown or unrunnable one
opens no request), and the request says what is live, how busy the flow is and how to go back."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from mcp import Client

from skill.config import Settings
from skill.core.context import Services
from skill.sandbox.app import Sandbox
from skill.sandbox.state import make_sid
from skill.server.app import build_server
from skill.wiring import build_services
from tests.conftest import Elapse, approve, call
from tests.tools.test_studio import GOOD, REMINDERS, SENDER, SURVEY, as_json

pytestmark = pytest.mark.anyio
DAY = 86400


def publish(sid: str) -> dict[str, Any]:
    return {"sid": sid, "definition": as_json(GOOD), "status": "published"}


def facts(impact: dict[str, Any]) -> dict[str, str]:
    return {fact["label"]: fact["value"] for fact in impact["facts"]}


@pytest.fixture
async def runs_gated(settings: Settings, sandbox: Sandbox, tmp_path: Path) -> AsyncIterator[tuple[Client, Services]]:
    """A client whose policy sends every Studio execution start to an operator."""
    path = tmp_path / "gated.toml"
    path.write_text('[tools]\nstudio_execution_start = "approve"\n')
    gated_settings = settings.with_overrides(policy_path=path, home=tmp_path / "gated-home")
    services = build_services(gated_settings, sandbox=sandbox)
    async with Client(build_server(gated_settings, services)) as connected:
        yield connected, services
    await services.aclose()


async def test_publishing_over_a_flow_says_which_flow_what_is_live_and_how_busy_it_is(
    client: Client, elapse: Elapse
) -> None:
    old = await call(client, "studio_execution_start", {"flow_sid": SURVEY, "to": "+14155550100", "from": SENDER})
    assert not old.is_error, old
    elapse(31 * DAY)  # out of the 30-day window
    for contact in ("+14155550101", "+14155550102"):
        await call(client, "studio_execution_start", {"flow_sid": SURVEY, "to": contact, "from": SENDER})
    gated = await call(client, "studio_flow_deploy", {**publish(SURVEY), "friendly_name": "Survey v2"})
    impact = gated.error["approval"]["impact"]
    assert impact["resource"] == f"Studio flow Satisfaction survey ({SURVEY})"
    assert facts(impact)["current revision"] == "1 (published)"
    assert facts(impact)["live revision"] == "1"
    assert facts(impact)["renamed to"] == "Survey v2"
    assert "republish revision 1" in facts(impact)["reversible"]
    assert impact["blast_radius"] == [{"label": "executions in the last 30 days", "value": "2"}]
    assert impact["reversibility"] == "reversible"


async def test_the_impact_tells_the_live_revision_from_a_newer_draft(client: Client) -> None:
    gated = await call(client, "studio_flow_deploy", publish(REMINDERS))
    impact = gated.error["approval"]["impact"]
    assert facts(impact)["current revision"] == "3 (draft)"
    assert facts(impact)["live revision"] == "2"
    assert "republish revision 2" in facts(impact)["reversible"]
    assert "renamed to" not in facts(impact)
    assert impact["blast_radius"] == [{"label": "executions in the last 30 days", "value": "0"}]


async def test_a_busy_flow_is_counted_up_to_one_page(client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("skill.core.studio_impact.RECENT_COUNT", 2)
    for contact in ("+14155550101", "+14155550102", "+14155550103"):
        await call(client, "studio_execution_start", {"flow_sid": SURVEY, "to": contact, "from": SENDER})
    gated = await call(client, "studio_flow_deploy", publish(SURVEY))
    assert gated.error["approval"]["impact"]["blast_radius"][0]["value"] == "2 or more"


async def test_publishing_over_an_unknown_flow_opens_no_approval(client: Client, services: Services) -> None:
    missing = await call(client, "studio_flow_deploy", publish(make_sid("FW", "no", "such")))
    assert missing.error["code"] == "twilio.20404"
    assert missing.error["approval"] is None
    assert services.stores.approvals.list() == []


async def test_an_approved_publish_runs_once_and_the_impact_is_kept_with_the_request(
    client: Client, services: Services, sandbox: Sandbox
) -> None:
    gated = await call(client, "studio_flow_deploy", publish(SURVEY))
    approval_id = await approve(services, gated)
    stored = services.approvals.get(approval_id)
    assert stored.impact is not None and stored.impact.resource.startswith("Studio flow Satisfaction survey")
    done = await call(client, "studio_flow_deploy", {**publish(SURVEY), "approval_id": approval_id})
    assert not done.is_error, done
    assert done.data["revision"] == 2 and done.data["status"] == "published"
    again = await call(client, "studio_flow_deploy", {**publish(SURVEY), "approval_id": approval_id})
    assert again.is_error
    assert len(sandbox.state.flows[SURVEY]["revisions"]) == 2


async def test_a_waiting_run_names_the_flow_and_the_revision_it_would_run(
    runs_gated: tuple[Client, Services], sandbox: Sandbox
) -> None:
    client, _ = runs_gated
    waiting = await call(
        client, "studio_execution_start", {"flow_sid": REMINDERS, "to": "+14155550100", "from": SENDER}
    )
    impact = waiting.error["approval"]["impact"]
    assert impact["resource"] == f"Studio flow Appointment reminders ({REMINDERS})"
    assert facts(impact) == {"runs revision": "2"}
    assert impact["reversibility"] == "costs money"
    assert impact["cost"]["currency"] == "USD" and float(impact["cost"]["amount"]) > 0
    assert "one SMS segment" in impact["cost"]["basis"]
    assert sandbox.state.executions == {}


async def test_a_run_of_an_unpublished_or_unknown_flow_opens_no_approval(
    runs_gated: tuple[Client, Services], sandbox: Sandbox
) -> None:
    client, services = runs_gated
    draft = await call(client, "studio_flow_deploy", {"friendly_name": "Draft only", "definition": as_json(GOOD)})
    unpublished = await call(
        client, "studio_execution_start", {"flow_sid": draft.data["sid"], "to": "+14155550100", "from": SENDER}
    )
    assert unpublished.error["code"] == "input.flow_not_published"
    assert "studio_flow_deploy" in unpublished.error["remediation"][0]
    unknown = await call(
        client, "studio_execution_start", {"flow_sid": make_sid("FW", "none"), "to": "+14155550100", "from": SENDER}
    )
    assert unknown.error["code"] == "twilio.20404"
    assert services.stores.approvals.list() == []
    assert sandbox.state.executions == {}
