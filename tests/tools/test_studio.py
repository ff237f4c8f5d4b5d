from __future__ import annotations

import copy
import json
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
from tests.conftest import approve, call

pytestmark = pytest.mark.anyio
REMINDERS = make_sid("FW", "seed", "reminders")  # revisions: 1 draft, 2 published, 3 draft
SURVEY = make_sid("FW", "seed", "survey")  # revision 1 published; waits for a reply
SENDER = "+15005550006"
CONTACT = "+14155550100"


def flow_definition(*states: dict[str, Any], initial: str = "Trigger") -> dict[str, Any]:
    return {"description": "test", "states": list(states), "initial_state": initial, "flags": {}}


def state(name: str, kind: str, *transitions: tuple[str, str]) -> dict[str, Any]:
    return {
        "name": name,
        "type": kind,
        "transitions": [{"event": event, **({"next": target} if target else {})} for event, target in transitions],
        "properties": {},
    }


def as_json(definition: dict[str, Any]) -> str:
    """A definition as the tools take it: a string holding a JSON object."""
    return json.dumps(definition)


GOOD = flow_definition(
    state("Trigger", "trigger", ("incomingRequest", "hello")),
    state("hello", "send-message", ("sent", ""), ("failed", "")),
)


async def test_studio_flows_list_shows_both_seeded_flows_with_their_latest_revision(client: Client) -> None:
    listed = await call(client, "studio_flows_list")
    flows = {f["sid"]: f for f in listed.data["items"]}
    assert flows[REMINDERS]["revision"] == 3 and flows[REMINDERS]["status"] == "draft"
    assert flows[SURVEY]["revision"] == 1 and flows[SURVEY]["status"] == "published"


async def test_export_returns_the_latest_definition_or_an_earlier_revision(client: Client) -> None:
    latest = await call(client, "studio_flow_export", {"sid": REMINDERS})
    assert latest.data["revision"] == 3 and "path" not in latest.data
    assert latest.data["definition"]["description"] == "Appointment reminder with confirmation"
    second = await call(client, "studio_flow_export", {"sid": REMINDERS, "revision": 2})
    assert second.data["revision"] == 2 and second.data["status"] == "published"
    assert second.data["definition"]["description"] == "Appointment reminder"


async def test_export_with_save_writes_a_new_file_in_the_exports_folder_named_by_the_server(
    client: Client, settings: Settings
) -> None:
    first = await call(client, "studio_flow_export", {"sid": SURVEY, "save": True})
    assert not first.is_error, first
    written = Path(first.data["path"])
    assert written.parent == settings.home / "exports"
    assert written.name.startswith(f"{SURVEY}-r1-") and written.suffix == ".json"
    assert json.loads(written.read_text()) == first.data["definition"]
    assert written.stat().st_mode & 0o777 == 0o600
    assert written.parent.stat().st_mode & 0o777 == 0o700
    again = await call(client, "studio_flow_export", {"sid": SURVEY, "save": True})
    assert again.data["path"] != first.data["path"]  # a second export never replaces the first
    assert len(list(written.parent.iterdir())) == 2


async def test_export_without_save_writes_nothing(client: Client, settings: Settings) -> None:
    inline = await call(client, "studio_flow_export", {"sid": SURVEY})
    assert inline.data["definition"] and "path" not in inline.data
    assert not (settings.home / "exports").exists()


async def test_validate_accepts_a_good_definition_after_asking_twilio(client: Client) -> None:
    checked = await call(client, "studio_flow_validate", {"definition": as_json(GOOD)})
    assert checked.data == {"environment": "sandbox", "valid": True, "checked_by_twilio": True, "problems": []}


async def test_validate_finds_structural_problems_locally_without_asking_twilio(
    client: Client, sandbox: Sandbox
) -> None:
    sandbox.record_responses = True
    no_trigger = flow_definition(state("hello", "send-message", ("sent", "nowhere")), initial="Start")
    checked = await call(client, "studio_flow_validate", {"definition": as_json(no_trigger)})
    assert checked.data["valid"] is False and checked.data["checked_by_twilio"] is False
    found = {(p["source"], p["path"]) for p in checked.data["problems"]}
    assert found == {
        ("local", "#/states"),
        ("local", "#/states/0/transitions/0/next"),
        ("local", "#/initial_state"),
    }
    shapeless = await call(client, "studio_flow_validate", {"definition": '{"states": [{"name": "x"}]}'})
    paths = {p["path"] for p in shapeless.data["problems"]}
    assert paths == {"#", "#/states/0"}  # initial_state missing; the widget lacks type and transitions
    assert sandbox.served == []


async def test_validate_reports_what_only_twilios_validator_knows(client: Client) -> None:
    odd = flow_definition(
        state("Trigger", "trigger", ("incomingRequest", "beam")), state("beam", "teleport", ("done", ""))
    )
    checked = await call(client, "studio_flow_validate", {"definition": as_json(odd)})
    assert checked.data["valid"] is False and checked.data["checked_by_twilio"] is True
    assert checked.data["problems"] == [
        {"source": "twilio", "path": "#/states/1/type", "message": "Unknown widget type 'teleport'"}
    ]


async def test_deploying_a_draft_over_a_published_flow_needs_no_approval_and_adds_a_revision(
    client: Client, sandbox: Sandbox
) -> None:
    deployed = await call(
        client, "studio_flow_deploy", {"sid": SURVEY, "definition": as_json(GOOD), "commit_message": "try a greeting"}
    )
    assert not deployed.is_error, deployed
    assert deployed.data["revision"] == 2 and deployed.data["status"] == "draft" and deployed.data["created"] is False
    assert [r["status"] for r in sandbox.state.flows[SURVEY]["revisions"]] == ["published", "draft"]


async def test_publishing_a_brand_new_flow_runs_without_approval(client: Client) -> None:
    deployed = await call(
        client, "studio_flow_deploy", {"friendly_name": "Greeter", "definition": as_json(GOOD), "status": "published"}
    )
    assert deployed.data["created"] is True and deployed.data["status"] == "published"
    assert deployed.data["revision"] == 1


async def test_publishing_over_an_existing_flow_waits_for_an_operator(
    client: Client, services: Services, sandbox: Sandbox
) -> None:
    args = {"sid": SURVEY, "definition": as_json(GOOD), "status": "published", "commit_message": "new greeting"}
    gated = await call(client, "studio_flow_deploy", args)
    assert gated.error["code"] == "policy.approval_required"
    assert "live traffic" in gated.error["approval"]["summary"]
    assert len(sandbox.state.flows[SURVEY]["revisions"]) == 1
    approval_id = await approve(services, gated)
    done = await call(client, "studio_flow_deploy", {**args, "approval_id": approval_id})
    assert not done.is_error, done
    assert done.data["revision"] == 2 and done.data["status"] == "published"


async def test_a_policy_file_rule_can_allow_publishing_over_the_built_in_gate(
    settings: Settings, sandbox: Sandbox, tmp_path: Path
) -> None:
    path = tmp_path / "policy.toml"
    path.write_text('[[rules]]\ntool = "studio_flow_deploy"\nwhen = { status = "published" }\naction = "allow"\n')
    trusting = settings.with_overrides(policy_path=path)
    services = build_services(trusting, sandbox=sandbox)
    async with Client(build_server(trusting, services)) as connected:
        done = await call(
            connected, "studio_flow_deploy", {"sid": SURVEY, "definition": as_json(GOOD), "status": "published"}
        )
    await services.aclose()
    assert not done.is_error and done.data["revision"] == 2


async def test_deploy_refuses_a_broken_definition_locally_and_reports_twilios_own_rejection(
    client: Client, sandbox: Sandbox
) -> None:
    broken = copy.deepcopy(GOOD)
    broken["states"][0]["transitions"][0]["next"] = "missing"
    local = await call(client, "studio_flow_deploy", {"sid": SURVEY, "definition": as_json(broken)})
    assert local.error["code"] == "input.invalid_flow_definition"
    assert "#/states/0/transitions/0/next" in local.error["remediation"][0]
    odd = copy.deepcopy(GOOD)
    odd["states"][1]["type"] = "teleport"
    remote = await call(client, "studio_flow_deploy", {"sid": SURVEY, "definition": as_json(odd)})
    assert remote.error["code"] == "twilio.81022" and remote.error["http_status"] == 400
    assert "#/states/1/type" in remote.error["remediation"][0]
    assert len(sandbox.state.flows[SURVEY]["revisions"]) == 1
    nameless = await call(client, "studio_flow_deploy", {"definition": as_json(GOOD)})
    assert nameless.error["code"] == "input.flow_target_required"


async def test_an_execution_keeps_its_parameters_as_flow_data_and_ends(client: Client) -> None:
    started = await call(
        client,
        "studio_execution_start",
        {"flow_sid": REMINDERS, "to": "(415) 555-0100", "from": SENDER, "parameters": '{"name": "Zeke"}'},
    )
    assert not started.is_error, started
    execution = started.data  # the execution itself, flat
    assert execution["status"] == "ended" and execution["flow_version"] == 2  # the published revision
    assert execution["contact_channel_address"] == CONTACT
    found = await call(client, "studio_execution_get", {"flow_sid": REMINDERS, "sid": execution["sid"]})
    assert found.data["context"]["flow"]["data"] == {"name": "Zeke"}
    assert [(s["transitioned_from"], s["transitioned_to"]) for s in found.data["steps"]] == [
        ("Trigger", "send_reminder"),
        ("send_reminder", "Ended"),
    ]


async def test_an_execution_waiting_for_a_reply_stays_active_until_stopped(client: Client) -> None:
    first = await call(client, "studio_execution_start", {"flow_sid": SURVEY, "to": CONTACT, "from": SENDER})
    second = await call(client, "studio_execution_start", {"flow_sid": SURVEY, "to": "+14155550101", "from": SENDER})
    sid = first.data["sid"]
    assert first.data["status"] == "active"
    listed = await call(client, "studio_executions_list", {"flow_sid": SURVEY})
    assert {e["sid"] for e in listed.data["items"]} == {sid, second.data["sid"]}
    stopped = await call(client, "studio_execution_stop", {"flow_sid": SURVEY, "sid": sid})
    assert stopped.data["status"] == "ended"
    again = await call(client, "studio_execution_stop", {"flow_sid": SURVEY, "sid": sid})
    assert again.data["status"] == "ended"
    active = await call(client, "studio_executions_list", {"flow_sid": SURVEY, "status": "active"})
    assert [e["sid"] for e in active.data["items"]] == [second.data["sid"]]
    found = await call(client, "studio_execution_get", {"flow_sid": SURVEY, "sid": sid})
    assert found.data["status"] == "ended"


async def test_execution_errors_are_structured(client: Client) -> None:
    draft_only = await call(client, "studio_flow_deploy", {"friendly_name": "Unpublished", "definition": as_json(GOOD)})
    flow_sid = draft_only.data["sid"]
    unpublished = await call(client, "studio_execution_start", {"flow_sid": flow_sid, "to": CONTACT, "from": SENDER})
    assert unpublished.error["code"] == "twilio.20001" and "published" in unpublished.error["message"]
    bad_phone = await call(client, "studio_execution_start", {"flow_sid": SURVEY, "to": "12", "from": SENDER})
    assert bad_phone.error["code"] == "input.invalid_phone"
    missing = await call(client, "studio_execution_get", {"flow_sid": SURVEY, "sid": make_sid("FN", "none")})
    assert missing.error["code"] == "twilio.20404"


async def test_starting_an_execution_respects_the_country_gate(client: Client, sandbox: Sandbox) -> None:
    refused = await call(client, "studio_execution_start", {"flow_sid": SURVEY, "to": "+442079460000", "from": SENDER})
    assert refused.error["code"] == "policy.country_not_allowed"
    assert sandbox.state.executions == {}
