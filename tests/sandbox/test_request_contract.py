"""Every hand-written sandbox route takes every parameter its operation's request schema lists, and answers
with every property its response schema lists.

Each parameter is sent alone, beside what a working call needs, to a resource that exists, in a fresh
sandbox, inside a contract block that checks the answer against the spec (tests/contract.py).
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from skill.config import SANDBOX_ACCOUNT_SID, SANDBOX_AUTH_TOKEN
from skill.sandbox import generic
from skill.sandbox.app import Sandbox
from skill.sandbox.clock import iso8601
from skill.specs import Operation, Param, load_index
from tests.contract import contract, meaningful_value, request_parameters

pytestmark = pytest.mark.anyio
BASE = "http://sandbox.test"
A = "api_v2010."
TWIML_URL = "https://hooks.example.com/twiml"
FLOW = json.dumps(
    {
        "description": "contract",
        "states": [{"name": "Trigger", "type": "trigger", "transitions": [], "properties": {}}],
        "initial_state": "Trigger",
        "flags": {"allow_concurrent_calls": True},
    }
)
# Path placeholders no list names: what a caller would pass.
FIXED_PATH_VALUES = {
    "AccountSid": SANDBOX_ACCOUNT_SID,
    "CountryCode": "US",
    "IsoCountry": "US",
    "PhoneNumber": "+15005550006",
    "Number": "+14155550100",
    "DestinationNumber": "+14155550100",
}
# What a working call needs beyond the parameters its spec marks required (one of From or MessagingServiceSid ...).
WORKING: dict[str, dict[str, Any]] = {
    f"{A}CreateMessage": {"From": "+15005550006", "Body": "hello"},
    f"{A}CreateCall": {"From": "+15005550006", "Url": TWIML_URL},
    f"{A}CreateIncomingPhoneNumber": {"PhoneNumber": "+15005550006"},
    "verify_v2.CreateVerificationCheck": {"To": "+14155550100", "Code": "000000"},  # the code: from the setup
    "content_v1.CreateContent": {
        "friendly_name": "contract",
        "language": "en",
        "types": {"twilio/text": {"body": "Hi"}},
    },
    "content_v1.CreateApprovalCreate": {"category": "UTILITY"},
    "studio_v2.UpdateExecution": {"Status": "ended"},
}
# Parameters that only go with others: trying one sends these too.
TOGETHER: dict[tuple[str, str], tuple[str, ...]] = {
    (f"{A}CreateMessage", "ScheduleType"): ("SendAt", "MessagingServiceSid"),
    (f"{A}CreateMessage", "SendAt"): ("ScheduleType", "MessagingServiceSid"),
    (f"{A}CreateMessage", "ContentVariables"): ("ContentSid",),
}
# Parameters of which a call takes one: trying one leaves the others of its group out of the working call.
ONE_OF: dict[str, tuple[frozenset[str], ...]] = {
    f"{A}CreateMessage": (frozenset({"From", "MessagingServiceSid"}), frozenset({"Body", "ContentSid"})),
    f"{A}CreateCall": (frozenset({"Url", "Twiml", "ApplicationSid"}),),
    f"{A}CreateIncomingPhoneNumber": (frozenset({"PhoneNumber", "AreaCode"}),),
    f"{A}UpdateCall": (frozenset({"Url", "Twiml", "Status"}),),
    "verify_v2.CreateVerificationCheck": (frozenset({"To", "VerificationSid"}),),
}
# Values with a meaning the route checks, by parameter name or by (operation, name).
VALUES: dict[str | tuple[str, str], Any] = {
    "AreaCode": "415",
    "Contains": "555",
    "Fields": "line_type_intelligence",
    "Definition": FLOW,
    "StatusCallbackEvent": "initiated",
    "MachineDetection": "Enable",
    "ContentVariables": '{"1": "Ana"}',
    (f"{A}UpdateAccount", "Status"): "active",
    ("studio_v2.CreateFlow", "Status"): "draft",
    ("studio_v2.UpdateFlow", "Status"): "draft",
    ("studio_v2.UpdateFlowValidate", "Status"): "draft",
    (f"{A}UpdateMessage", "Body"): "",  # Twilio takes only "" here: it redacts the message
    (f"{A}UpdateMessage", "Status"): "canceled",
    (f"{A}UpdateCall", "Status"): "completed",
    ("content_v1.CreateApprovalCreate", "name"): "contract_template",
}
# A setup gives (path placeholders, parameters) naming what it made or found.
Setup = Callable[[Sandbox, httpx.AsyncClient], Awaitable[tuple[dict[str, Any], dict[str, Any]]]]
Given = tuple[dict[str, Any], dict[str, Any]]


async def _listed(http: httpx.AsyncClient, host: str, path: str, key: str) -> list[dict[str, Any]]:
    answer = await http.get(path.replace("{AccountSid}", SANDBOX_ACCOUNT_SID), headers={"X-Twilio-Host": host})
    assert answer.status_code == 200, answer.text
    return list(answer.json()[key])


def _later(sandbox: Sandbox) -> str:
    return iso8601(sandbox.clock.now() + 86400)


async def _unused_number(sandbox: Sandbox, http: httpx.AsyncClient) -> Given:
    made = await http.post(
        f"/2010-04-01/Accounts/{SANDBOX_ACCOUNT_SID}/IncomingPhoneNumbers.json", data={"PhoneNumber": "+15005550006"}
    )
    assert made.status_code == 201, made.text
    return {}, {"PhoneNumberSid": made.json()["sid"]}


async def _references(sandbox: Sandbox, http: httpx.AsyncClient) -> Given:
    services = await _listed(http, "messaging.twilio.com", "/v1/Services", "services")
    templates = await _listed(http, "content.twilio.com", "/v1/Content", "contents")
    return {}, {"MessagingServiceSid": services[0]["sid"], "ContentSid": templates[0]["sid"], "SendAt": _later(sandbox),
                "ScheduleType": "fixed"}  # fmt: skip


async def _brand(sandbox: Sandbox, http: httpx.AsyncClient) -> Given:
    return {"Sid": next(iter(sandbox.state.brand_registrations))}, {}


async def _subaccount(sandbox: Sandbox, http: httpx.AsyncClient) -> Given:
    tree = sandbox.state.account_tree(SANDBOX_ACCOUNT_SID) - {SANDBOX_ACCOUNT_SID}
    return {}, {"AccountSid": sorted(tree)[0]}


async def _mobile_country(sandbox: Sandbox, http: httpx.AsyncClient) -> Given:
    return {"CountryCode": "GB"}, {"AreaCode": None}  # Twilio offers no US mobile numbers, GB takes no AreaCode


async def _scheduled_message(sandbox: Sandbox, http: httpx.AsyncClient) -> Given:
    services = await _listed(http, "messaging.twilio.com", "/v1/Services", "services")
    made = await http.post(
        f"/2010-04-01/Accounts/{SANDBOX_ACCOUNT_SID}/Messages.json",
        data={"To": "+14155550100", "MessagingServiceSid": services[0]["sid"], "Body": "later",
              "ScheduleType": "fixed", "SendAt": _later(sandbox)},
    )  # fmt: skip
    assert made.status_code == 201, made.text
    return {"Sid": made.json()["sid"]}, {}


async def _call_in_progress(sandbox: Sandbox, http: httpx.AsyncClient) -> Given:
    made = await http.post(
        f"/2010-04-01/Accounts/{SANDBOX_ACCOUNT_SID}/Calls.json",
        data={"To": "+14155550100", "From": "+15005550006", "Url": TWIML_URL},
    )
    assert made.status_code == 201, made.text
    sandbox.clock.advance(2.5 * sandbox.step_seconds)
    return {"Sid": made.json()["sid"]}, {}


async def _finished_message(sandbox: Sandbox, http: httpx.AsyncClient) -> Given:
    made = await http.post(
        f"/2010-04-01/Accounts/{SANDBOX_ACCOUNT_SID}/Messages.json",
        data={"To": "+14155550100", "From": "+15005550006", "Body": "done"},
    )
    assert made.status_code == 201, made.text
    sandbox.clock.advance(60)
    return {"Sid": made.json()["sid"]}, {}


async def _pending_code(sandbox: Sandbox, http: httpx.AsyncClient) -> Given:
    services = await _listed(http, "verify.twilio.com", "/v2/Services", "services")
    sid = services[0]["sid"]
    started = await http.post(
        f"/v2/Services/{sid}/Verifications",
        data={"To": "+14155550100", "Channel": "sms"},
        headers={"X-Twilio-Host": "verify.twilio.com"},
    )
    assert started.status_code == 201, started.text
    return {"ServiceSid": sid}, {
        "Code": sandbox.state.verify_codes[-1]["code"],
        "VerificationSid": started.json()["sid"],
    }


# Operations whose call needs something the sandbox must hold first; what it gives fills path and parameters.
SETUP: dict[str | tuple[str, str], Setup] = {
    (f"{A}UpdateMessage", "Body"): _finished_message,  # only a finished message can be redacted
    "messaging_v1.CreatePhoneNumber": _unused_number,
    f"{A}UpdateIncomingPhoneNumber": _subaccount,
    f"{A}ListAvailablePhoneNumberMobile": _mobile_country,
    f"{A}CreateMessage": _references,
    "messaging_v1.FetchBrandRegistrations": _brand,
    f"{A}UpdateMessage": _scheduled_message,
    f"{A}DeleteMessage": _finished_message,
    f"{A}UpdateCall": _call_in_progress,
    "verify_v2.CreateVerificationCheck": _pending_code,
}


def hand_written_operations(sandbox: Sandbox) -> list[Operation]:
    """The operation of every hand-written route on Twilio's hosts."""
    found = []
    for host, method, path in sandbox.route_table():
        if not host.endswith("twilio.com"):
            continue
        entry = next(e for e in generic.host_table()[host] if e.template == path)
        found.append(entry.methods[method])
    return found


def _on(op: Operation, path: str, method: str) -> Operation | None:
    return next(
        (o for o in load_index().operations.values() if o.host == op.host and o.path == path and o.method == method),
        None,
    )


def _fill(template: str, values: dict[str, Any]) -> str:
    for name, value in values.items():
        template = template.replace("{" + name + "}", str(value))
    return template


def value_for(op: Operation, param: Param, given: dict[str, Any]) -> Any:
    if param.name in given:
        return given[param.name]
    for key in ((op.id, param.name), param.name):
        if key in VALUES:
            return VALUES[key]
    value = meaningful_value(param)
    if param.where == "json" and isinstance(value, str) and param.type == "object":
        return {}
    return value


async def path_values(http: httpx.AsyncClient, op: Operation, given: dict[str, Any]) -> dict[str, Any]:
    """A value for each of the path's placeholders that names a resource the sandbox holds."""
    values: dict[str, Any] = {}
    for name in re.findall(r"\{([^}]+)\}", op.path):
        if name in given or name in FIXED_PATH_VALUES:
            values[name] = given[name] if name in given else FIXED_PATH_VALUES[name]
            continue
        prefix = op.path[: op.path.index("{" + name + "}")].rstrip("/")
        collection = prefix + (".json" if op.path.endswith(".json") else "")
        listing, create = _on(op, collection, "GET"), _on(op, collection, "POST")
        assert listing is not None and listing.list_key, f"{op.id}: no list of {collection}"
        items = await _listed(http, op.host, _fill(collection, values), listing.list_key)
        if not items and create is not None:
            # None to try it on: make one, as a caller would.
            needed = {p.name: value_for(create, p, {}) for p in request_parameters(create) if p.required}
            made = await send(http, create, _fill(collection, values), {**needed, **WORKING.get(create.id, {})})
            assert made.status_code < 400, f"{op.id}: could not make one to try it on: {made.text[:200]}"
            items = [made.json()]
        assert items, f"{op.id}: no {listing.list_key} in the sandbox to try it on ({listing.id})"
        key = generic.snake(name)
        values[name] = str(items[0][key] if not name.endswith("Sid") and key in items[0] else items[0]["sid"])
    return values


async def send(http: httpx.AsyncClient, op: Operation, path: str, values: dict[str, Any]) -> httpx.Response:
    headers = {"X-Twilio-Host": op.host}
    where = {param.name: param.where for param in op.params}
    query = {k: v for k, v in values.items() if where[k] == "query"}
    if any(where[k] == "json" for k in values):
        body = {k: v for k, v in values.items() if where[k] == "json"}
        return await http.request(op.method, path, params=query, json=body, headers=headers)
    data = {k: v for k, v in values.items() if where[k] == "form"}
    return await http.request(op.method, path, params=query, data=data or None, headers=headers)


async def try_parameter(op: Operation, param: Param | None) -> str | None:
    """Send the working call with `param` added, in a fresh sandbox; what went wrong, if anything."""
    sandbox = Sandbox()
    auth = (SANDBOX_ACCOUNT_SID, SANDBOX_AUTH_TOKEN)
    async with httpx.AsyncClient(transport=sandbox.transport(), base_url=BASE, auth=auth) as http:
        setup = SETUP.get((op.id, param.name)) if param is not None else None
        setup = setup or SETUP.get(op.id)
        at, given = await setup(sandbox, http) if setup is not None else ({}, {})
        path = _fill(op.path, await path_values(http, op, at))
        names = {p.name for p in request_parameters(op)}
        values = {p.name: value_for(op, p, given) for p in request_parameters(op) if p.required}
        values |= {k: v for k, v in WORKING.get(op.id, {}).items() if k in names}
        values |= {k: v for k, v in given.items() if k in values}
        if param is not None:
            tried = (param.name, *TOGETHER.get((op.id, param.name), ()))
            for group in ONE_OF.get(op.id, ()):
                if group & set(tried):
                    values = {k: v for k, v in values.items() if k not in group or k in tried}
            values |= {name: value_for(op, op.by_name[name], given) for name in tried}
        values = {k: v for k, v in values.items() if v is not None}
        with contract(sandbox, errors="twilio+") as recorded:
            response = await send(http, op, path, values)
        assert recorded.responses[-1]["status"] == response.status_code
    if response.status_code >= 400:
        return f"{op.id} {param.name if param else '(working call)'}: {response.text[:160]}"
    return None


async def test_every_hand_written_route_takes_every_parameter_of_its_operation() -> None:
    operations = hand_written_operations(Sandbox())
    assert len(operations) >= 90
    refused: list[str] = []
    sent = 0
    for op in operations:
        for param in [None, *(p for p in request_parameters(op) if not p.required)]:
            try:
                problem = await try_parameter(op, param)
            except AssertionError as exc:
                problem = f"{op.id} {param.name if param else '(working call)'}: {str(exc).splitlines()[0][:200]}"
            sent += 1
            if problem:
                refused.append(problem)
    print(f"{len(operations)} routes, {sent} calls, {len(refused)} refused")
    assert refused == [], "\n".join(refused)
