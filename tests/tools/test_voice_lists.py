"""The voice lists page the one way every list does: limit and cursor, each item once, has_more false at
the end, a cursor refused with other filters; conferences are matched to the exact time after fetching
and say how many they scanned. Over-long arguments are refused before any request."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from mcp import Client

from skill.config import SANDBOX_ACCOUNT_SID
from skill.sandbox.app import Sandbox
from skill.sandbox.clock import SandboxClock
from skill.sandbox.state import make_sid
from tests.conftest import call

pytestmark = pytest.mark.anyio
NOON = datetime(2026, 3, 10, 12, 0, tzinfo=UTC).timestamp()
MINUTE = 60.0
CALLER = "+15005550006"


@pytest.fixture
def sandbox() -> Sandbox:
    """Frozen at noon, so that conferences made minutes apart fall on one day."""
    return Sandbox(clock=SandboxClock(frozen=True, start=NOON))


def at(moment: float) -> str:
    return datetime.fromtimestamp(moment, UTC).isoformat()


async def every_page(client: Client, tool: str, args: dict[str, Any]) -> list[dict[str, Any]]:
    """Each page of a list, following next_cursor to the end."""
    pages = [(await call(client, tool, args)).data]
    while pages[-1]["has_more"]:
        assert pages[-1]["next_cursor"] and len(pages) < 20
        pages.append((await call(client, tool, {**args, "cursor": pages[-1]["next_cursor"]})).data)
    assert pages[-1].get("next_cursor") is None
    return pages


def add_conference(sandbox: Sandbox, name: str, created: float, status: str = "completed") -> str:
    sid = make_sid("CF", "test", name)
    sandbox.state.conferences[sid] = {
        "sid": sid,
        "account_sid": SANDBOX_ACCOUNT_SID,
        "friendly_name": name,
        "status": status,
        "reason_ended": "last-participant-left" if status == "completed" else None,
        "created": created,
        "updated": created + 600,
    }
    return sid


def add_recording(sandbox: Sandbox, index: int, created: float) -> str:
    sid = make_sid("RE", "test", index)
    call_sid = next(iter(sandbox.state.calls))
    sandbox.state.recordings[sid] = {
        "sid": sid,
        "account_sid": SANDBOX_ACCOUNT_SID,
        "call_sid": call_sid,
        "conference_sid": None,
        "start": created - 30,
        "duration": 30,
        "created": created,
    }
    return sid


async def test_calls_list_pages_through_every_call_once(client: Client, sandbox: Sandbox) -> None:
    for index in range(4):
        placed = await call(
            client, "call_create", {"to": f"+1415555012{index}", "from": CALLER, "url": "https://e.com/a"}
        )
        assert not placed.is_error, placed
        sandbox.clock.advance(MINUTE)
    pages = await every_page(client, "calls_list", {"limit": 3})
    seen = [item["sid"] for page in pages for item in page["items"]]
    assert [page["count"] for page in pages] == [3, 3, 2]
    assert sorted(seen) == sorted(sandbox.state.calls) and len(set(seen)) == len(seen)
    assert all(page["has_more"] for page in pages[:-1]) and not pages[-1]["has_more"]
    reused = await call(client, "calls_list", {"limit": 3, "status": "completed", "cursor": pages[0]["next_cursor"]})
    assert reused.error["code"] == "input.invalid_cursor" and reused.error["remediation"]


async def test_recordings_list_pages_through_every_recording_once(client: Client, sandbox: Sandbox) -> None:
    for index in range(5):
        add_recording(sandbox, index, NOON - index * MINUTE)
    pages = await every_page(client, "recordings_list", {"limit": 3})
    seen = [item["sid"] for page in pages for item in page["items"]]
    assert [page["count"] for page in pages] == [3, 3, 1]
    assert sorted(seen) == sorted(sandbox.state.recordings) and len(set(seen)) == len(seen)
    other = {"limit": 3, "after": at(NOON - 3600), "cursor": pages[0]["next_cursor"]}
    assert (await call(client, "recordings_list", other)).error["code"] == "input.invalid_cursor"


async def test_conferences_list_pages_through_every_conference_once(client: Client, sandbox: Sandbox) -> None:
    for index in range(6):
        add_conference(sandbox, f"standup {index}", NOON - (index + 1) * 40 * MINUTE)
    pages = await every_page(client, "conferences_list", {"limit": 3})
    seen = [item["sid"] for page in pages for item in page["items"]]
    assert [page["count"] for page in pages] == [3, 3, 2]
    assert sorted(seen) == sorted(sandbox.state.conferences) and len(set(seen)) == len(seen)
    assert all(page.get("scanned") is None for page in pages)  # nothing was filtered here
    other = {"limit": 3, "status": "completed", "cursor": pages[0]["next_cursor"]}
    assert (await call(client, "conferences_list", other)).error["code"] == "input.invalid_cursor"


async def test_conference_times_are_matched_exactly_and_the_pages_say_what_they_scanned(
    client: Client, sandbox: Sandbox
) -> None:
    made = {add_conference(sandbox, f"room {index}", NOON - (index + 1) * 40 * MINUTE): index for index in range(6)}
    # 11:20, 10:40, 10:00, 09:20, 08:40, 08:00 today; the seeded ones at 11:40 today and 11:00 yesterday.
    window = {"after": at(NOON - 3 * 3600), "before": at(NOON - 3600), "limit": 2}
    first = (await call(client, "conferences_list", window)).data
    assert [made[item["sid"]] for item in first["items"]] == [1, 2]
    assert first["has_more"] is True and first["scanned"] == 4  # 11:40 and 11:20 were looked at and left out
    rest = (await call(client, "conferences_list", {**window, "cursor": first["next_cursor"]})).data
    assert [made[item["sid"]] for item in rest["items"]] == [3]
    assert rest["has_more"] is False and rest["scanned"] == 3
    # The same day at Twilio, another exact time here: the cursor does not belong to that list.
    moved = {**window, "before": at(NOON - 2 * 3600), "cursor": first["next_cursor"]}
    assert (await call(client, "conferences_list", moved)).error["code"] == "input.invalid_cursor"


async def test_conferences_are_asked_for_by_whole_days_at_twilio_and_matched_exactly_here(
    client: Client, sandbox: Sandbox
) -> None:
    sandbox.record_responses = True
    before_today = await call(client, "conferences_list", {"before": at(NOON - 12 * 3600)})
    assert [item["friendly_name"] for item in before_today.data["items"]] == ["Weekly review"]
    assert before_today.data["scanned"] == 2  # today's running conference came back from Twilio and was left out
    (served,) = sandbox.served
    query = parse_qs(urlsplit(json.loads(served["body"])["uri"]).query)
    assert query["DateCreated<"] == ["2026-03-11"] and "DateCreated>" not in query


OVER_LONG: list[tuple[str, dict[str, Any]]] = [
    ("calls_list", {"to": "+1" + "4" * 300}),
    ("calls_list", {"from": "+1" + "4" * 70}),
    ("calls_list", {"cursor": "a" * 600}),
    ("recordings_list", {"call_sid": "CA" + "0" * 40}),
    ("conferences_list", {"friendly_name": "n" * 129}),
    ("call_get", {"sid": "CA" + "0" * 33}),
    ("call_create", {"to": "+14155550100", "from": CALLER, "twiml": "<Response>" + " " * 20001 + "</Response>"}),
    ("call_create", {"to": "client:" + "a" * 300, "from": CALLER, "url": "https://e.com/a"}),
    (
        "call_create",
        {"to": "+14155550100", "from": CALLER, "url": "https://e.com/a", "status_callback_events": ["ringing"] * 5},
    ),
    ("call_update", {"sid": "CA" + "1" * 32, "twiml": "x" * 20001}),
    ("recording_delete", {"sid": "RE" + "1" * 40}),
    ("twiml_build", {"kind": "voice", "verbs": "[" + " " * 100_001 + "]"}),
    ("twiml_lint", {"xml": "x" * 1_000_001}),
    ("ivr_build", {"name": "a" * 41, "menu": "{}"}),
    ("ivr_deploy", {"name": "front", "menu": "{" + " " * 100_001 + "}"}),
]


@pytest.mark.parametrize(("tool", "args"), OVER_LONG, ids=[f"{tool}-{sorted(args)[-1]}" for tool, args in OVER_LONG])
async def test_over_long_arguments_are_refused_before_any_request(
    client: Client, sandbox: Sandbox, tool: str, args: dict[str, Any]
) -> None:
    sandbox.record_responses = True
    refused = await call(client, tool, args)
    assert refused.error["code"] == "input.invalid", refused
    assert sandbox.served == []
