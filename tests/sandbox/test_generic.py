"""The sandbox's spec-driven simulation of every operation, and the hand-written routes before it."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from skill.config import SANDBOX_ACCOUNT_SID, SANDBOX_AUTH_TOKEN
from skill.sandbox import generic
from skill.sandbox.app import Sandbox
from skill.specs import Operation, Param, load_index
from tests.contract import check_response, contract, response_schema, spec_for

pytestmark = pytest.mark.anyio
BASE = "http://sandbox.test"
# Operations whose answers the simulation does not fully shape, and why.
SIMULATION_GAPS = {
    "numbers_v1.CreatePortingPortIn": "a nested object's required members are not invented ({} stands in)",
    "numbers_v1.CreateSenderIdRegistration": "a nested object's required members are not invented ({} stands in)",
    **{
        f"iam_organizations.{name}OrganizationUser": "SCIM answers in its own schema (userName, string status)"
        for name in ("Create", "Fetch", "Update", "Patch", "Delete")
    },
}


@pytest.fixture
async def http(sandbox: Sandbox) -> AsyncIterator[httpx.AsyncClient]:
    auth = (SANDBOX_ACCOUNT_SID, SANDBOX_AUTH_TOKEN)
    async with httpx.AsyncClient(transport=sandbox.transport(), base_url=BASE, auth=auth) as client:
        yield client


def sample(param: Param) -> Any:
    """A value the spec accepts for a parameter."""
    if param.enum:
        return param.enum[0]
    found = re.match(r"^\^([A-Z]{2})\[0-9a-fA-F\]\{32\}\$$", param.pattern or "")
    if found:
        return found.group(1) + "0" * 32
    if param.type == "integer":
        return 1
    if param.type == "boolean":
        return "true"
    if param.type == "object":
        return "{}"
    if param.format == "uri" or param.name.endswith("Url"):
        return "https://hooks.example.com/x"
    if param.format == "phone-number":
        return "+14155550100"
    if param.name.lower().replace("_", "").endswith("country"):
        return "US"
    return "x"


def request_for(op: Operation) -> tuple[str, dict[str, Any]]:
    """The concrete path of an operation with its placeholders filled, and its required parameters."""
    path = op.path
    for param in op.params:
        if param.where == "path":
            value = SANDBOX_ACCOUNT_SID if param.name == "AccountSid" else str(sample(param))
            path = path.replace("{" + param.name + "}", value)
    body = {param.name: sample(param) for param in op.params if param.required and param.where != "path"}
    return path, body


async def send(http: httpx.AsyncClient, op: Operation) -> httpx.Response:
    path, values = request_for(op)
    headers = {"X-Twilio-Host": op.host}
    if op.method in ("POST", "PUT", "PATCH"):
        if any(param.where == "json" for param in op.params):
            return await http.request(op.method, path, json=values, headers=headers)
        query = {k: v for k, v in values.items() if op.by_name[k].where == "query"}
        form = {k: v for k, v in values.items() if op.by_name[k].where != "query"}
        return await http.request(op.method, path, params=query, data=form, headers=headers)
    return await http.request(op.method, path, params=values, headers=headers)


async def test_every_operation_of_the_index_is_answered_in_its_specs_shape(
    http: httpx.AsyncClient, sandbox: Sandbox
) -> None:
    # Creates and singletons answer spec-shaped resources; lists answer empty pages; an element nobody
    # made answers 20404. Every answer is checked against its operation's response schema.
    operations = sorted(load_index().operations.values(), key=lambda op: (op.method != "POST", op.id))
    statuses: dict[int, int] = {}
    sandbox.record_responses = True
    for op in operations:
        response = await send(http, op)
        statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
        assert response.status_code < 500, (op.id, response.text)
    print(f"{len(operations)} operations answered: {dict(sorted(statuses.items()))}")
    failures = []
    gaps = set()
    for served, op in zip(sandbox.served, operations, strict=True):
        if op.id in SIMULATION_GAPS:
            gaps.add(op.id)
            continue
        try:
            check_response(served, errors="twilio+")
        except AssertionError as exc:
            failures.append(f"{served['method']} {served['host']}{served['path']}: {str(exc)[:300]}")
    assert failures == [], "\n".join(failures[:20])
    assert gaps == set(SIMULATION_GAPS)  # each gap is a real operation, and still served


async def test_hand_written_routes_answer_first_and_the_simulation_answers_the_rest(
    http: httpx.AsyncClient, sandbox: Sandbox
) -> None:
    with contract(sandbox) as recorded:
        keys = await http.get(f"/2010-04-01/Accounts/{SANDBOX_ACCOUNT_SID}/Keys.json")
        queues = await http.get(f"/2010-04-01/Accounts/{SANDBOX_ACCOUNT_SID}/Queues.json")
    assert keys.status_code == queues.status_code == 200
    assert keys.json()["keys"], "the hand-written keys route answers with the seeded keys"
    assert queues.json()["queues"] == []
    assert recorded.routes == {
        ("GET", "/2010-04-01/Accounts/{AccountSid}/Keys.json"),
        ("GET", "/2010-04-01/Accounts/{AccountSid}/Queues.json"),
    }
    assert ("api.twilio.com", "GET", "/2010-04-01/Accounts/{AccountSid}/Queues.json") not in sandbox.route_table()


async def test_errors_have_twilios_shapes(http: httpx.AsyncClient) -> None:
    sync = {"X-Twilio-Host": "sync.twilio.com"}
    missing = await http.get("/v1/Nowhere", headers=sync)
    assert missing.status_code == 404 and missing.json()["code"] == 20404
    wrong = await http.put("/v1/Services", headers=sync)
    assert wrong.status_code == 405 and wrong.json()["code"] == 20004 and wrong.headers["Allow"] == "GET, POST"
    required = await http.post("/v1/Workspaces", headers={"X-Twilio-Host": "taskrouter.twilio.com"})
    assert required.status_code == 400
    assert required.json() == {
        "code": 20001,
        "message": "Missing required parameter FriendlyName in the post body",
        "more_info": "https://www.twilio.com/docs/errors/20001",
        "status": 400,
    }
    bad_enum = await http.post(
        "/v1/Workspaces",
        data={"FriendlyName": "w", "PrioritizeQueueOrder": "RANDOM"},
        headers={"X-Twilio-Host": "taskrouter.twilio.com"},
    )
    assert bad_enum.status_code == 400 and "PrioritizeQueueOrder" in bad_enum.json()["message"]
    unknown_element = await http.get(f"/v1/Services/IS{'0' * 32}", headers=sync)
    assert unknown_element.status_code == 404 and unknown_element.json()["code"] == 20404
    nobody = await http.get("/v1/Services", headers=sync, auth=("AC" + "1" * 32, "wrong"))
    assert nobody.status_code == 401 and nobody.json()["code"] == 20003


async def test_resources_of_one_host_never_show_on_another_with_the_same_path(http: httpx.AsyncClient) -> None:
    made = await http.post("/v1/Services", data={"FriendlyName": "s"}, headers={"X-Twilio-Host": "sync.twilio.com"})
    assert made.status_code == 201 and made.json()["sid"].startswith("IS")
    assert made.json()["url"] == f"https://sync.twilio.com/v1/Services/{made.json()['sid']}"
    proxy = await http.get("/v1/Services", headers={"X-Twilio-Host": "proxy.twilio.com"})
    assert proxy.json()["services"] == []


def test_a_hand_written_answer_is_completed_with_every_property_of_its_schema() -> None:
    path = f"/2010-04-01/Accounts/{SANDBOX_ACCOUNT_SID}/Usage/Triggers/UT{'0' * 32}.json"
    completed: dict[str, object] = {"sid": "UT1", "recurring": "daily", "trigger_by": "count"}
    assert generic.complete("api.twilio.com", "GET", path, completed) is True
    schema = response_schema(spec_for("api.twilio.com", "GET", path), "GET", path, 200)
    assert schema is not None
    assert set(completed) == set(schema["properties"])
    assert completed["sid"] == "UT1" and completed["friendly_name"] is None
    assert generic.complete("api.twilio.com", "GET", path, completed) is False  # nothing left to add
    keys = f"/2010-04-01/Accounts/{SANDBOX_ACCOUNT_SID}/Keys.json"
    listed: dict[str, list[dict[str, object]]] = {"keys": [{"sid": "SK1"}]}
    assert generic.complete("api.twilio.com", "GET", keys, listed) is True
    assert set(listed["keys"][0]) == {"sid", "friendly_name", "date_created", "date_updated"}
    elsewhere = {"a": 1}
    assert generic.complete("api.twilio.com", "GET", "/nowhere", elsewhere) is False and elsewhere == {"a": 1}


def test_a_resource_path_is_matched_alike_whether_or_not_it_was_matched_before() -> None:
    short = f"/2010-04-01/Accounts/{SANDBOX_ACCOUNT_SID}/Keys/SK{'1' * 32}.json"
    first, again = generic.match("api.twilio.com", short), generic.match("api.twilio.com", short)
    assert first is not None and again is not None and first == again
    first[1]["Sid"] = "changed"  # a caller's copy of the parameters is its own
    assert generic.match("api.twilio.com", short) == again
    too_long = f"/2010-04-01/Accounts/{SANDBOX_ACCOUNT_SID}/Keys/SK{'1' * 400}.json"
    assert len(too_long) > generic.MAX_CACHED_PATH
    found = generic.match("api.twilio.com", too_long)
    assert found is not None and found[0] == again[0] and found[1]["Sid"] == "SK" + "1" * 400


def test_a_property_that_cannot_be_null_is_given_an_empty_value_of_its_type() -> None:
    store = generic.GenericStore()
    prop = load_index().operations["api_v2010.FetchMessage"].props["status"]
    assert not prop.nullable and generic._fill(prop, store, "status") == prop.enum[0]
    assert json.dumps(generic.snake("Timers.Inactive")) == '"timers_inactive"'


# Realistic values where the hand-written routes check what a value means, as Twilio does.
MEANINGFUL = {
    "Category": "sms",
    "LogLevel": "error",
    "CodeLength": 6,
    "PhoneNumber": "+15005550006",
    "PageSize": 20,
    "Page": 0,
    "ValidityPeriod": 600,
}
CREATES = (
    "api_v2010.CreateAccount",
    "api_v2010.CreateNewKey",
    "api_v2010.CreateIncomingPhoneNumber",
    "messaging_v1.CreateService",
    "verify_v2.CreateService",
)


def meaningful(param: Param) -> Any:
    if param.name in MEANINGFUL:
        return MEANINGFUL[param.name]
    if param.format == "date-time":
        return "2026-01-01T00:00:00Z"
    if param.format == "date":
        return "2026-01-01"
    return sample(param)


def hand_written(sandbox: Sandbox, method: str) -> list[Operation]:
    """The operations a hand-written route answers, on Twilio's hosts."""
    found = []
    for host, route_method, path in sandbox.route_table():
        if route_method != method or not host.endswith("twilio.com"):
            continue
        entry = next(e for e in generic.host_table()[host] if e.template == path)
        found.append(entry.methods[method])
    return found


async def test_hand_written_lists_accept_every_query_parameter_their_operation_lists(
    http: httpx.AsyncClient, sandbox: Sandbox
) -> None:
    lists = [
        op
        for op in hand_written(sandbox, "GET")
        if not [p for p in op.params if p.where == "path" and p.name != "AccountSid"]
    ]
    assert len(lists) >= 20
    with contract(sandbox) as recorded:
        for op in lists:
            path, _ = request_for(op)
            query = {p.name: meaningful(p) for p in op.params if p.where == "query" and p.name != "PageToken"}
            response = await http.get(path, params=query, headers={"X-Twilio-Host": op.host})
            assert response.status_code == 200, (op.id, sorted(query), response.text)
    assert len(recorded.responses) == len(lists)


async def test_hand_written_creates_accept_every_parameter_their_operation_lists(
    http: httpx.AsyncClient, sandbox: Sandbox
) -> None:
    operations = load_index().operations
    assert set(CREATES) <= {op.id for op in hand_written(sandbox, "POST")}
    with contract(sandbox):
        for op_id in CREATES:
            op = operations[op_id]
            path, _ = request_for(op)
            body = {p.name: meaningful(p) for p in op.params if p.where == "form"}
            body = {k: v for k, v in body.items() if not (k == "AreaCode" and "PhoneNumber" in body)}
            response = await http.post(path, data=body, headers={"X-Twilio-Host": op.host})
            assert response.status_code in (200, 201), (op_id, sorted(body), response.text)


async def test_a_resource_named_by_id_rather_than_sid_is_fetched_updated_and_deleted_by_it(
    http: httpx.AsyncClient, sandbox: Sandbox
) -> None:
    where = {"X-Twilio-Host": "assistants.twilio.com"}
    with contract(sandbox, errors="twilio"):
        made = await http.post("/v1/Assistants", json={"name": "helper"}, headers=where)
        assert made.status_code == 201, made.text
        ident = made.json()["id"]
        assert (await http.get(f"/v1/Assistants/{ident}", headers=where)).json()["name"] == "helper"
        changed = await http.put(f"/v1/Assistants/{ident}", json={"name": "front desk"}, headers=where)
        assert changed.status_code == 200 and changed.json()["name"] == "front desk"
        assert (await http.delete(f"/v1/Assistants/{ident}", headers=where)).status_code == 204
        assert (await http.get(f"/v1/Assistants/{ident}", headers=where)).status_code == 404
