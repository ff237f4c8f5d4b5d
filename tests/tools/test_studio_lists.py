"""Studio lists page by cursor and filter at Twilio; every argument is bounded before a request."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from mcp import Client

from skill.sandbox.app import Sandbox
from skill.sandbox.state import make_sid
from tests.conftest import Elapse, call
from tests.tools.pages import read_pages
from tests.tools.test_studio import GOOD, SENDER, SURVEY, as_json

pytestmark = pytest.mark.anyio
CONTACTS = [f"+1415555010{digit}" for digit in range(5)]


def iso(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).isoformat()


async def run_survey(client: Client, contacts: list[str], elapse: Elapse | None = None) -> list[str]:
    """Start the survey for each contact (100 seconds apart when time may pass); their SIDs in order."""
    sids = []
    for contact in contacts:
        started = await call(client, "studio_execution_start", {"flow_sid": SURVEY, "to": contact, "from": SENDER})
        assert not started.is_error, started
        sids.append(started.data["sid"])
        if elapse is not None:
            elapse(100)
    return sids


async def test_studio_flows_list_pages_through_every_flow_exactly_once(client: Client) -> None:
    for index in range(3):
        made = await call(client, "studio_flow_deploy", {"friendly_name": f"Flow {index}", "definition": as_json(GOOD)})
        assert not made.is_error, made
    items, pages = await read_pages(client, "studio_flows_list", {"limit": 2})
    assert [page["count"] for page in pages] == [2, 2, 1]
    assert len({item["sid"] for item in items}) == 5
    assert {item["friendly_name"] for item in items} >= {"Flow 0", "Flow 1", "Flow 2", "Satisfaction survey"}


async def test_studio_executions_list_pages_newest_first_and_refuses_a_cursor_from_other_filters(
    client: Client, elapse: Elapse
) -> None:
    sids = await run_survey(client, CONTACTS, elapse)
    items, pages = await read_pages(client, "studio_executions_list", {"flow_sid": SURVEY, "limit": 2})
    assert [item["sid"] for item in items] == list(reversed(sids))
    assert [page["count"] for page in pages] == [2, 2, 1]
    first = await call(client, "studio_executions_list", {"flow_sid": SURVEY, "status": "active", "limit": 2})
    cursor = first.data["next_cursor"]
    for other in ({"status": "ended"}, {}, {"after": "2020-01-01T00:00:00Z", "status": "active"}):
        reused = await call(
            client, "studio_executions_list", {"flow_sid": SURVEY, "limit": 2, **other, "cursor": cursor}
        )
        assert reused.error["code"] == "input.invalid_cursor", other
    same = await call(
        client, "studio_executions_list", {"flow_sid": SURVEY, "status": "active", "limit": 2, "cursor": cursor}
    )
    assert [item["sid"] for item in same.data["items"]] == list(reversed(sids))[2:4]


async def test_after_and_before_pick_executions_by_when_they_started(
    client: Client, sandbox: Sandbox, elapse: Elapse
) -> None:
    start = sandbox.clock.now()
    sids = await run_survey(client, CONTACTS, elapse)  # started at start, +100, +200, +300, +400
    middle = iso(start + 150)
    later = await call(client, "studio_executions_list", {"flow_sid": SURVEY, "after": middle})
    assert [item["sid"] for item in later.data["items"]] == list(reversed(sids[2:]))
    earlier = await call(client, "studio_executions_list", {"flow_sid": SURVEY, "before": middle})
    assert [item["sid"] for item in earlier.data["items"]] == list(reversed(sids[:2]))
    window = await call(
        client, "studio_executions_list", {"flow_sid": SURVEY, "after": middle, "before": iso(start + 250)}
    )
    assert [item["sid"] for item in window.data["items"]] == [sids[2]]


HUGE = json.dumps({**GOOD, "description": "x" * 100_001})
BAD_ARGUMENTS: list[tuple[str, dict[str, Any]]] = [
    ("studio_flow_deploy", {"friendly_name": "x" * 201, "definition": as_json(GOOD)}),
    ("studio_flow_deploy", {"sid": SURVEY, "commit_message": "x" * 1001, "definition": as_json(GOOD)}),
    ("studio_flow_deploy", {"friendly_name": "big", "definition": HUGE}),
    ("studio_flow_deploy", {"friendly_name": "not json", "definition": "{states: []"}),
    ("studio_flow_deploy", {"friendly_name": "a list", "definition": "[1, 2]"}),
    ("studio_flow_validate", {"definition": as_json(GOOD), "friendly_name": "x" * 201}),
    ("studio_flow_export", {"sid": SURVEY, "revision": 0}),
    ("studio_flow_export", {"sid": SURVEY + "0"}),
    ("studio_execution_start", {"flow_sid": SURVEY, "to": "1" * 65, "from": SENDER}),
    ("studio_execution_start", {"flow_sid": SURVEY, "to": CONTACTS[0], "from": SENDER, "parameters": "[1]"}),
    ("studio_executions_list", {"flow_sid": SURVEY, "cursor": "c" * 513}),
    ("studio_executions_list", {"flow_sid": SURVEY, "status": "paused"}),
    ("studio_execution_get", {"flow_sid": SURVEY, "sid": make_sid("FT", "step")}),
    ("studio_flows_list", {"limit": 1001}),
]


@pytest.mark.parametrize(("tool", "args"), BAD_ARGUMENTS, ids=[f"{t}-{i}" for i, (t, _) in enumerate(BAD_ARGUMENTS)])
async def test_out_of_bounds_arguments_are_refused_before_any_request(
    client: Client, sandbox: Sandbox, tool: str, args: dict[str, Any]
) -> None:
    sandbox.record_responses = True
    refused = await call(client, tool, args)
    assert refused.error["code"] == "input.invalid", refused
    assert sandbox.served == []
