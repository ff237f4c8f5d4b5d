from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from mcp import Client

from skill.config import Settings
from skill.core.context import Services
from skill.sandbox.app import Sandbox
from skill.server.app import build_server
from skill.wiring import build_services
from tests.conftest import approve, call

pytestmark = pytest.mark.anyio

CALLER = "+15005550006"
CALLEE = "+14155550199"
OTHER = "+14155550133"
VOICE_URL = "https://example.com/voice"
GOOD_TWIML = "<Response><Say>Your table is ready.</Say></Response>"


def at(sandbox: Sandbox, seconds_from_now: float) -> str:
    return datetime.fromtimestamp(sandbox.clock.now() + seconds_from_now, UTC).isoformat()


def new_calls(sandbox: Sandbox) -> list[str]:
    """Calls created by the tests, not the sandbox's seeded history."""
    return [sid for sid, c in sandbox.state.calls.items() if c["url"] != VOICE_URL or c["twiml"]]


async def place(client: Client, **overrides: object) -> dict[str, object]:
    args: dict[str, object] = {"to": CALLEE, "from": CALLER, "url": "https://example.com/ivr"}
    args.update(overrides)
    result = await call(client, "call_create", {k: v for k, v in args.items() if v is not None})
    assert not result.is_error, result
    return result.data


async def test_call_create_queues_one_call_with_numbers_in_e164(client: Client, sandbox: Sandbox) -> None:
    before = len(sandbox.state.calls)
    placed = await place(client, to="(415) 555-0199", timeout=20, status_callback_events=["ringing", "completed"])
    assert placed["status"] == "queued" and placed["direction"] == "outbound-api"
    assert (placed["to"], placed["from"]) == (CALLEE, CALLER)
    assert placed["environment"] == "sandbox"
    stored = sandbox.state.calls[str(placed["sid"])]
    assert stored["url"] == "https://example.com/ivr" and stored["twiml"] is None
    assert stored["timeout"] == "20" and stored["status_callback_events"] == ["ringing", "completed"]
    assert len(sandbox.state.calls) == before + 1


async def test_inline_twiml_and_client_or_sip_destinations_are_accepted(client: Client, sandbox: Sandbox) -> None:
    inline = await place(client, url=None, twiml=GOOD_TWIML)
    assert sandbox.state.calls[str(inline["sid"])]["twiml"] == GOOD_TWIML
    agent = await place(client, to="client:agent-7")
    assert agent["to"] == "client:agent-7"
    trunk = await place(client, to="sip:desk@pbx.example.com")
    assert trunk["to"] == "sip:desk@pbx.example.com"


@pytest.mark.parametrize(
    "document, code",
    [
        ({"url": "https://example.com/ivr", "twiml": GOOD_TWIML}, "input.document_conflict"),
        ({}, "input.document_required"),
    ],
)
async def test_a_call_needs_exactly_one_of_url_and_twiml(
    client: Client, sandbox: Sandbox, document: dict[str, str], code: str
) -> None:
    result = await call(client, "call_create", {"to": CALLEE, "from": CALLER, **document})
    assert result.error["code"] == code
    assert result.error["remediation"]
    assert new_calls(sandbox) == []


@pytest.mark.parametrize(
    "twiml, where, twilio_code",
    [
        ("<Response><Say>Hello</Response>", "/", 12100),
        ('<Response><Pause length="soon"/><Say>Hi</Say></Response>', "/Response/Pause[1]/@length", 13910),
    ],
)
async def test_invalid_inline_twiml_is_refused_with_its_findings_and_nothing_is_created(
    client: Client, sandbox: Sandbox, twiml: str, where: str, twilio_code: int
) -> None:
    result = await call(client, "call_create", {"to": CALLEE, "from": CALLER, "twiml": twiml})
    error = result.error
    assert error["code"] == "input.invalid_twiml"
    assert where in error["message"] and "Nothing was sent" in error["message"]
    assert error["twilio_code"] == twilio_code
    # Each finding comes back as a step: where it is, then how to fix it.
    assert len(error["remediation"]) >= 2 and error["remediation"][0].startswith(f"{where}: ")
    assert new_calls(sandbox) == []


async def test_a_gated_call_with_invalid_twiml_is_refused_before_any_approval_is_opened(
    settings: Settings, sandbox: Sandbox, tmp_path: Path
) -> None:
    policy = tmp_path / "policy.toml"
    policy.write_text('[tools]\ncall_create = "approve"\n')
    gated_settings = settings.with_overrides(policy_path=policy)
    services = build_services(gated_settings, sandbox=sandbox)
    async with Client(build_server(gated_settings, services)) as gated_client:
        bad = await call(gated_client, "call_create", {"to": CALLEE, "from": CALLER, "twiml": "<Response><Say>"})
        assert services.stores.approvals.list() == []
        good = await call(gated_client, "call_create", {"to": CALLEE, "from": CALLER, "twiml": GOOD_TWIML})
    await services.aclose()
    assert bad.error["code"] == "input.invalid_twiml" and bad.error["approval"] is None
    assert good.error["code"] == "policy.approval_required"
    assert "inline TwiML" in good.error["approval"]["summary"]
    assert new_calls(sandbox) == []


async def test_twiml_over_4000_characters_is_refused_locally(client: Client, sandbox: Sandbox) -> None:
    long_twiml = "<Response>" + "<Say>Hello there.</Say>" * 200 + "</Response>"
    result = await call(client, "call_create", {"to": CALLEE, "from": CALLER, "twiml": long_twiml})
    assert result.error["code"] == "input.twiml_too_long"
    assert result.error["twilio_code"] == 32018
    assert new_calls(sandbox) == []


@pytest.mark.parametrize(
    "caller, callee, twilio_code",
    [
        ("+15005550001", CALLEE, 21212),
        ("+15005550007", CALLEE, 21210),
        (CALLER, "+15005550001", 21217),
        (CALLER, "+15005550002", 21214),
        (CALLER, "+15005550003", 21215),
        (CALLER, "+15005550004", 21216),
    ],
)
async def test_magic_numbers_come_back_as_twilio_errors_with_remediation(
    client: Client, sandbox: Sandbox, caller: str, callee: str, twilio_code: int
) -> None:
    result = await call(client, "call_create", {"to": callee, "from": caller, "url": "https://example.com/ivr"})
    error = result.error
    assert error["code"] == f"twilio.{twilio_code}"
    assert error["twilio_code"] == twilio_code and error["http_status"] == 400
    assert error["remediation"] and error["docs_url"].endswith(str(twilio_code))
    assert new_calls(sandbox) == []


async def test_invalid_numbers_and_countries_outside_the_policy_are_refused_before_calling(
    client: Client, sandbox: Sandbox
) -> None:
    invalid = await call(client, "call_create", {"to": "12345", "from": CALLER, "url": "https://example.com/ivr"})
    assert invalid.error["code"] == "input.invalid_phone"
    abroad = await call(client, "call_create", {"to": "+33612345678", "from": CALLER, "url": "https://example.com/i"})
    assert abroad.error["code"] == "policy.country_not_allowed"
    assert new_calls(sandbox) == []


async def test_a_recorded_call_rings_connects_completes_and_leaves_a_recording(
    client: Client, sandbox: Sandbox
) -> None:
    sid = (await place(client, record=True))["sid"]
    seen = []
    for _ in range(4):
        got = (await call(client, "call_get", {"sid": sid})).data
        seen.append((got["status"], got.get("duration"), got.get("price") is not None))
        sandbox.clock.advance(sandbox.step_seconds)
    assert seen == [
        ("queued", None, False),
        ("ringing", None, False),
        ("in-progress", None, False),
        ("completed", round(sandbox.step_seconds), True),
    ]
    assert "error" not in got
    recordings = await call(client, "recordings_list", {"call_sid": sid})
    assert recordings.data["count"] == 1
    recording = recordings.data["items"][0]
    assert recording["call_sid"] == sid and recording["status"] == "completed"
    assert recording["source"] == "OutboundAPI"


async def test_call_get_explains_why_a_call_failed(client: Client, sandbox: Sandbox) -> None:
    sid = (await place(client, to="+15005550012"))["sid"]
    sandbox.clock.advance(2 * sandbox.step_seconds)
    got = await call(client, "call_get", {"sid": sid})
    assert got.data["status"] == "failed"
    explained = got.data["error"]
    assert explained["code"] == 11200 and explained["title"]
    assert explained["remediation"] and explained["docs_url"].endswith("11200")


@pytest.mark.parametrize("callee, status", [("+15005550010", "busy"), ("+15005550011", "no-answer")])
async def test_busy_and_unanswered_calls_end_without_a_charge(
    client: Client, sandbox: Sandbox, callee: str, status: str
) -> None:
    sid = (await place(client, to=callee))["sid"]
    sandbox.clock.advance(3 * sandbox.step_seconds)
    got = await call(client, "call_get", {"sid": sid})
    assert (got.data["status"], got.data["duration"], got.data.get("price")) == (status, 0, None)


async def test_call_get_of_an_unknown_sid_is_twilio_not_found(client: Client) -> None:
    result = await call(client, "call_get", {"sid": "CA" + "0" * 32})
    assert result.error["code"] == "twilio.20404"
    assert result.error["remediation"]


async def test_a_ringing_call_can_be_canceled_but_not_completed(client: Client, sandbox: Sandbox) -> None:
    sid = (await place(client))["sid"]
    sandbox.clock.advance(sandbox.step_seconds)
    refused = await call(client, "call_update", {"sid": sid, "status": "completed"})
    assert refused.error["code"] == "twilio.21220"
    assert refused.error["remediation"]
    canceled = await call(client, "call_update", {"sid": sid, "status": "canceled"})
    assert canceled.data["status"] == "canceled"
    sandbox.clock.advance(5 * sandbox.step_seconds)
    assert (await call(client, "call_get", {"sid": sid})).data["status"] == "canceled"
    again = await call(client, "call_update", {"sid": sid, "status": "canceled"})
    assert again.error["code"] == "twilio.21220"


async def test_a_live_call_can_be_redirected_and_hung_up_but_not_canceled(client: Client, sandbox: Sandbox) -> None:
    sid = (await place(client, record=True))["sid"]
    sandbox.clock.advance(2 * sandbox.step_seconds)
    refused = await call(client, "call_update", {"sid": sid, "status": "canceled"})
    assert refused.error["code"] == "twilio.21220"
    redirected = await call(client, "call_update", {"sid": sid, "twiml": GOOD_TWIML})
    assert redirected.data["status"] == "in-progress"
    assert sandbox.state.calls[str(sid)]["twiml"] == GOOD_TWIML
    bad = await call(client, "call_update", {"sid": sid, "twiml": "<Response><Say>unclosed"})
    assert bad.error["code"] == "input.invalid_twiml"
    assert sandbox.state.calls[str(sid)]["twiml"] == GOOD_TWIML
    ended = await call(client, "call_update", {"sid": sid, "status": "completed"})
    assert ended.data["status"] == "completed" and ended.data["duration"] == 0
    late = await call(client, "call_update", {"sid": sid, "url": "https://example.com/next"})
    assert late.error["code"] == "twilio.21220"
    assert (await call(client, "recordings_list", {"call_sid": sid})).data["count"] == 1


@pytest.mark.parametrize(
    "change, code",
    [
        ({}, "input.update_required"),
        ({"status": "completed", "url": "https://example.com/next"}, "input.update_conflict"),
        ({"url": "https://example.com/next", "twiml": GOOD_TWIML}, "input.document_conflict"),
    ],
)
async def test_call_update_asks_for_exactly_one_change(
    client: Client, sandbox: Sandbox, change: dict[str, str], code: str
) -> None:
    sid = (await place(client))["sid"]
    result = await call(client, "call_update", {"sid": sid, **change})
    assert result.error["code"] == code
    assert sandbox.state.calls[str(sid)]["ended_at"] is None


async def test_calls_list_filters_reach_the_api(client: Client, sandbox: Sandbox) -> None:
    early = await place(client)
    sandbox.clock.advance(10 * sandbox.step_seconds)
    late = await place(client, to=OTHER)
    sandbox.clock.advance(sandbox.step_seconds)
    sandbox.record_responses = True
    only_to = await call(client, "calls_list", {"to": "(415) 555-0133"})
    assert [c["sid"] for c in only_to.data["items"]] == [late["sid"]]
    from_caller = await call(client, "calls_list", {"from": CALLER})
    assert [c["sid"] for c in from_caller.data["items"]] == [late["sid"], early["sid"]]
    completed = await call(client, "calls_list", {"status": "completed", "from": CALLER})
    assert [c["sid"] for c in completed.data["items"]] == [early["sid"]]
    window = await call(client, "calls_list", {"after": at(sandbox, -5), "before": at(sandbox, 5)})
    assert [c["sid"] for c in window.data["items"]] == [late["sid"]]
    history = await call(client, "calls_list", {"before": at(sandbox, -3600), "limit": 2})
    assert history.data["count"] == 2 and history.data["has_more"] is True
    assert all(c["sid"] not in (early["sid"], late["sid"]) for c in history.data["items"])
    # The list envelope's uri echoes the query the sandbox received.
    uris = [parse_qs(urlsplit(json.loads(r["body"])["uri"]).query) for r in sandbox.served]
    assert uris[0]["To"] == [OTHER]
    assert uris[2]["Status"] == ["completed"]
    assert "StartTime>" in uris[3] and "StartTime<" in uris[3]


async def test_recordings_list_filters_by_creation_time(client: Client, sandbox: Sandbox) -> None:
    everything = await call(client, "recordings_list")
    assert everything.data["count"] == 2
    recent = await call(client, "recordings_list", {"after": at(sandbox, -86400 * 2.5)})
    assert recent.data["count"] == 1
    older = await call(client, "recordings_list", {"before": at(sandbox, -86400 * 2.5)})
    assert older.data["count"] == 1
    assert recent.data["items"][0]["sid"] != older.data["items"][0]["sid"]


async def test_recording_delete_waits_for_approval_then_the_recording_is_gone(
    client: Client, services: Services, sandbox: Sandbox
) -> None:
    sid = (await call(client, "recordings_list", {"limit": 1})).data["items"][0]["sid"]
    gated = await call(client, "recording_delete", {"sid": sid})
    assert gated.error["code"] == "policy.approval_required"
    assert sid in gated.error["approval"]["summary"] and "cannot be recovered" in gated.error["approval"]["summary"]
    assert sid in sandbox.state.recordings
    approval_id = await approve(services, gated)
    deleted = await call(client, "recording_delete", {"sid": sid, "approval_id": approval_id})
    assert deleted.data["deleted"] is True and deleted.data["sid"] == sid
    assert sid not in sandbox.state.recordings
    remaining = await call(client, "recordings_list")
    assert sid not in [r["sid"] for r in remaining.data["items"]]
    reused = await call(client, "recording_delete", {"sid": sid, "approval_id": approval_id})
    assert reused.is_error and reused.error["code"].startswith("policy.")


async def test_conferences_list_filters_by_status_and_name(client: Client) -> None:
    running = await call(client, "conferences_list", {"status": "in-progress"})
    assert [c["friendly_name"] for c in running.data["items"]] == ["Support escalation"]
    by_name = await call(client, "conferences_list", {"friendly_name": "Weekly review"})
    assert [c["status"] for c in by_name.data["items"]] == ["completed"]
    assert by_name.data["items"][0]["reason_conference_ended"] == "last-participant-left"
    assert (await call(client, "conferences_list")).data["count"] == 2


DIAL_ABROAD = [
    "<Response><Dial><Number>+442071838750</Number></Dial></Response>",
    "<Response><Dial>+442071838750</Dial></Response>",
    "<Response><Say>Connecting.</Say><Dial><Number>+14155550100</Number><Number>+33142685300</Number></Dial>"
    "</Response>",
]


@pytest.mark.parametrize("twiml", DIAL_ABROAD)
async def test_inline_twiml_that_dials_outside_the_allowed_countries_is_refused(
    client: Client, sandbox: Sandbox, twiml: str
) -> None:
    created = await call(client, "call_create", {"to": CALLEE, "from": CALLER, "twiml": twiml})
    assert created.error["code"] == "policy.country_not_allowed"
    assert "allowed: US, CA" in created.error["message"] and "Nothing was sent" in created.error["message"]
    updated = await call(client, "call_update", {"sid": "CA" + "1" * 32, "twiml": twiml})
    assert updated.error["code"] == "policy.country_not_allowed"
    assert new_calls(sandbox) == []


async def test_inline_twiml_may_dial_allowed_countries_or_anywhere_the_policy_allows(
    client: Client, settings: Settings, sandbox: Sandbox, tmp_path: Path
) -> None:
    home_call = "<Response><Dial><Number>(415) 555-0100</Number></Dial></Response>"
    placed = await call(client, "call_create", {"to": CALLEE, "from": CALLER, "twiml": home_call})
    assert not placed.is_error, placed
    policy = tmp_path / "anywhere.toml"
    policy.write_text('[limits]\nallowed_countries = ["*"]\n')
    anywhere = settings.with_overrides(policy_path=policy)
    services = build_services(anywhere, sandbox=sandbox)
    async with Client(build_server(anywhere, services)) as open_client:
        abroad = await call(open_client, "call_create", {"to": CALLEE, "from": CALLER, "twiml": DIAL_ABROAD[0]})
    await services.aclose()
    assert not abroad.is_error, abroad
    assert len(new_calls(sandbox)) == 2


async def test_a_failed_call_is_explained_with_the_shared_error_brief(client: Client, sandbox: Sandbox) -> None:
    sid = (await place(client, to="+15005550012"))["sid"]
    sandbox.clock.advance(2 * sandbox.step_seconds)
    explained = (await call(client, "call_get", {"sid": sid})).data["error"]
    assert set(explained) <= {"code", "title", "meaning", "remediation", "docs_url", "detail"}
    assert explained["meaning"] and explained["docs_url"] == "https://www.twilio.com/docs/errors/11200"
