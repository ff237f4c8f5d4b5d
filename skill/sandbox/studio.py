"""Sandbox routes for Studio v2: flows and their revisions, validation, executions.

Every create or update of a flow adds a revision. Definitions are checked like Twilio's validator
does (400 with code 81022 and the failures under `details.errors`): exactly one trigger, unique
widget names, known widget types, transitions to existing widgets, initial_state naming a widget.
A REST execution runs the latest published revision: it follows the trigger's incomingRequest
transition and then each widget's first outgoing transition, records one step per transition, keeps
the request's Parameters as flow.data in its context, and ends, unless it reaches a widget that waits
for the contact (a reply, a call), where it stays active until stopped.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from skill.sandbox.clock import iso8601
from skill.sandbox.http import TwilioHTTPError, authenticate, error_response, first, form, meta_page, not_found, owned
from skill.sandbox.state import make_sid

if TYPE_CHECKING:
    from skill.sandbox.app import Sandbox

BASE = "https://studio.twilio.com/v2"
WIDGET_TYPES = frozenset(
    {
        "trigger", "send-message", "send-and-wait-for-reply", "split-based-on", "set-variables",
        "make-http-request", "run-function", "say-play", "gather-input-on-call", "connect-call-to",
        "record-voicemail", "enqueue-call", "send-to-flex", "make-outgoing-call-v2", "run-subflow",
        "add-twiml-redirect", "capture-payments", "connect-virtual-agent", "fork-stream", "record-call",
    }
)  # fmt: skip
# Widgets that wait for the contact: an execution reaching one stays active.
WAITING_TYPES = frozenset({"send-and-wait-for-reply", "gather-input-on-call", "connect-call-to", "record-voicemail"})
MAX_STEPS = 50


def definition_failures(body: Any) -> list[dict[str, str]]:
    """Twilio-style validation failures of a flow definition; empty when it is valid."""
    if not isinstance(body, dict) or not isinstance(body.get("states"), list) or not body["states"]:
        return [{"message": "Flow definition must have a non-empty states array", "property_path": "#/states"}]
    failures: list[dict[str, str]] = []
    states = body["states"]
    names = [s.get("name") if isinstance(s, dict) else None for s in states]
    for index, item in enumerate(states):
        where = f"#/states/{index}"
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            failures.append({"message": "Widget must have a name", "property_path": where})
            continue
        if item.get("type") not in WIDGET_TYPES:
            failures.append({"message": f"Unknown widget type {item.get('type')!r}", "property_path": f"{where}/type"})
        if names.count(item["name"]) > 1:
            failures.append({"message": f"Widget name {item['name']!r} is not unique", "property_path": where})
        failures.extend(_transition_failures(item.get("transitions"), names, f"{where}/transitions"))
    if sum(1 for s in states if isinstance(s, dict) and s.get("type") == "trigger") != 1:
        failures.append({"message": "Flow must have exactly one Trigger widget", "property_path": "#/states"})
    if body.get("initial_state") not in names:
        failures.append({"message": "initial_state must name a widget", "property_path": "#/initial_state"})
    return failures


def _transition_failures(transitions: Any, names: list[Any], where: str) -> list[dict[str, str]]:
    """A widget's transitions must be a list of objects whose `next`, when set, names a widget."""
    if transitions is None:
        return []
    if not isinstance(transitions, list):
        return [{"message": "Widget transitions must be an array", "property_path": where}]
    failures: list[dict[str, str]] = []
    for index, transition in enumerate(transitions):
        if not isinstance(transition, dict):
            failures.append({"message": "Transition must be an object", "property_path": f"{where}/{index}"})
            continue
        target = transition.get("next")
        if target is not None and (not isinstance(target, str) or (target and target not in names)):
            failures.append(
                {"message": f"Transition to unknown widget {target!r}", "property_path": f"{where}/{index}/next"}
            )
    return failures


def reject(failures: list[dict[str, str]]) -> Response:
    """Twilio's answer to an invalid flow definition: 81022 with the failures under details.errors."""
    details = {"errors": failures, "warnings": []}
    return error_response(400, 81022, "Flow definition validation failed", extra={"details": details})


def parse_json(raw: str | None, name: str, code: int = 20001) -> Any:
    try:
        return json.loads(raw) if raw else None
    except ValueError:
        raise TwilioHTTPError(400, code, f"Invalid {name}: not valid JSON") from None


def render_revision(flow: dict[str, Any], revision: dict[str, Any], *, with_definition: bool = True) -> dict[str, Any]:
    return {
        "sid": flow["sid"],
        "account_sid": flow["account_sid"],
        "author_sid": make_sid("US", "sandbox", "author"),
        "friendly_name": revision["friendly_name"],
        "definition": revision["definition"] if with_definition else None,
        "status": revision["status"],
        "revision": revision["revision"],
        "commit_message": revision["commit_message"],
        "valid": True,
        "errors": [],
        "date_created": iso8601(flow["created"]),
        "date_updated": iso8601(revision["created"]),
        "url": f"{BASE}/Flows/{flow['sid']}/Revisions/{revision['revision']}",
    }


def render_flow(flow: dict[str, Any], *, with_definition: bool = True) -> dict[str, Any]:
    url = f"{BASE}/Flows/{flow['sid']}"
    return {
        **render_revision(flow, flow["revisions"][-1], with_definition=with_definition),
        "warnings": [],
        "webhook_url": f"https://webhooks.twilio.com/v1/Accounts/{flow['account_sid']}/Flows/{flow['sid']}",
        "url": url,
        "links": {"test_users": f"{url}/TestUsers", "revisions": f"{url}/Revisions", "executions": f"{url}/Executions"},
    }


def render_execution(execution: dict[str, Any], *, with_context: bool = True) -> dict[str, Any]:
    url = f"{BASE}/Flows/{execution['flow_sid']}/Executions/{execution['sid']}"
    return {
        "sid": execution["sid"],
        "account_sid": execution["account_sid"],
        "flow_sid": execution["flow_sid"],
        "contact_channel_address": execution["to"],
        "contact_sid": execution["contact_sid"],
        "flow_version": execution["flow_version"],
        "context": execution["context"] if with_context else None,
        "status": execution["status"],
        "date_created": iso8601(execution["created"]),
        "date_updated": iso8601(execution["updated"]),
        "initiated_by": execution["account_sid"],
        "url": url,
        "links": {"steps": f"{url}/Steps", "execution_context": f"{url}/Context"},
    }


def render_step(execution: dict[str, Any], step: dict[str, Any]) -> dict[str, Any]:
    url = f"{BASE}/Flows/{execution['flow_sid']}/Executions/{execution['sid']}/Steps/{step['sid']}"
    return {
        "sid": step["sid"],
        "account_sid": execution["account_sid"],
        "flow_sid": execution["flow_sid"],
        "execution_sid": execution["sid"],
        "parent_step_sid": None,
        "name": step["name"],
        "context": {},
        "transitioned_from": step["from"],
        "transitioned_to": step["to"],
        "type": step["type"],
        "date_created": iso8601(step["time"]),
        "date_updated": iso8601(step["time"]),
        "url": url,
        "links": {"step_context": f"{url}/Context"},
    }


def run(body: dict[str, Any]) -> tuple[list[tuple[str, str, str, str]], str]:
    """(event, from, to, widget type) per transition taken, and the final status."""
    by_name = {s["name"]: s for s in body["states"]}
    current = next(s for s in body["states"] if s["type"] == "trigger")
    event = "incomingRequest"
    steps: list[tuple[str, str, str, str]] = []
    while len(steps) < MAX_STEPS:
        transitions = current.get("transitions") or []
        chosen = next((t for t in transitions if t.get("event") == event), None) if event else None
        chosen = chosen or next((t for t in transitions if t.get("next")), None)
        chosen = chosen or (transitions[0] if transitions else {"event": "complete"})
        # The validator does not insist on an event name; such a transition is recorded as "complete".
        name = str(chosen.get("event") or "complete")
        target = by_name.get(chosen.get("next") or "")
        if target is None:
            steps.append((name, current["name"], "Ended", current["type"]))
            return steps, "ended"
        steps.append((name, current["name"], target["name"], current["type"]))
        if target["type"] in WAITING_TYPES:
            return steps, "active"
        current, event = target, ""
    return steps, "ended"


def routes(sandbox: Sandbox) -> dict[str, list[Route]]:
    state = sandbox.state

    def owned_flow(request: Request, key: str = "Sid") -> dict[str, Any]:
        return owned(state, request, state.flows, key)

    def owned_execution(request: Request) -> dict[str, Any]:
        flow = owned_flow(request, "FlowSid")
        param = "Sid" if "Sid" in request.path_params else "ExecutionSid"
        return owned(state, request, state.executions, param, owner=flow["sid"], owner_key="flow_sid")

    async def definition_fields(request: Request, *, required: bool) -> tuple[dict[str, list[str]], Any]:
        fields = await form(request)
        for name in ("FriendlyName", "Status", "Definition") if required else ("Status",):
            if not first(fields, name):
                raise TwilioHTTPError(400, 20001, f"Missing required parameter {name} in the post body")
        if first(fields, "Status") not in ("draft", "published"):
            raise TwilioHTTPError(400, 20001, "Invalid Status: must be draft or published")
        return fields, parse_json(first(fields, "Definition"), "Definition")

    async def list_flows(request: Request) -> Response:
        caller = authenticate(state, request)
        items = sorted((f for f in state.flows.values() if f["account_sid"] == caller), key=lambda f: f["created"])
        return meta_page(request, "flows", items, lambda flow: render_flow(flow, with_definition=False))

    async def create_flow(request: Request) -> Response:
        caller = authenticate(state, request)
        fields, body = await definition_fields(request, required=True)
        failures = definition_failures(body)
        if failures:
            return reject(failures)
        now = state.clock.now()
        sid = state.new_sid("FW")
        revision = {
            "revision": 1,
            "friendly_name": first(fields, "FriendlyName"),
            "status": first(fields, "Status"),
            "definition": body,
            "commit_message": first(fields, "CommitMessage"),
            "created": now,
        }
        state.flows[sid] = {"sid": sid, "account_sid": caller, "created": now, "updated": now, "revisions": [revision]}
        return JSONResponse(render_flow(state.flows[sid]), status_code=201)

    async def validate_flow(request: Request) -> Response:
        authenticate(state, request)
        _, body = await definition_fields(request, required=True)
        failures = definition_failures(body)
        return reject(failures) if failures else JSONResponse({"valid": True})

    async def fetch_flow(request: Request) -> Response:
        return JSONResponse(render_flow(owned_flow(request)))

    async def update_flow(request: Request) -> Response:
        flow = owned_flow(request)
        fields, body = await definition_fields(request, required=False)
        latest = flow["revisions"][-1]
        body = latest["definition"] if body is None else body
        failures = definition_failures(body)
        if failures:
            return reject(failures)
        now = state.clock.now()
        flow["revisions"].append(
            {
                "revision": latest["revision"] + 1,
                "friendly_name": first(fields, "FriendlyName") or latest["friendly_name"],
                "status": first(fields, "Status"),
                "definition": body,
                "commit_message": first(fields, "CommitMessage"),
                "created": now,
            }
        )
        flow["updated"] = now
        return JSONResponse(render_flow(flow))

    async def list_revisions(request: Request) -> Response:
        flow = owned_flow(request)
        items = list(reversed(flow["revisions"]))
        return meta_page(request, "revisions", items, lambda r: render_revision(flow, r, with_definition=False))

    async def fetch_revision(request: Request) -> Response:
        flow = owned_flow(request)
        wanted = request.path_params["Revision"]
        published = [r for r in flow["revisions"] if r["status"] == "published"]
        if wanted == "LatestRevision":
            found = flow["revisions"][-1]
        elif wanted == "LatestPublished":
            found = published[-1] if published else None
        elif wanted.isdigit():
            found = next((r for r in flow["revisions"] if r["revision"] == int(wanted)), None)
        else:
            raise TwilioHTTPError(
                400, 81021, "Flow revision must be an integer or enum(LatestPublished, LatestRevision)"
            )
        if found is None:
            raise not_found(request.url.path)
        return JSONResponse(render_revision(flow, found))

    async def create_execution(request: Request) -> Response:
        flow = owned_flow(request, "FlowSid")
        fields = await form(request)
        to, sender = first(fields, "To"), first(fields, "From")
        for name, value in (("To", to), ("From", sender)):
            if not value:
                raise TwilioHTTPError(400, 20001, f"Missing required parameter {name} in the post body")
        parameters = parse_json(first(fields, "Parameters"), "Parameters") or {}
        if not isinstance(parameters, dict):
            raise TwilioHTTPError(400, 20001, "Invalid Parameters: must be a JSON object")
        published = [r for r in flow["revisions"] if r["status"] == "published"]
        if not published:
            raise TwilioHTTPError(400, 20001, "The Flow has no published revision to execute")
        revision = published[-1]
        now = state.clock.now()
        sid = state.new_sid("FN")
        steps, status = run(revision["definition"])
        context = {
            "flow": {
                "flow_sid": flow["sid"],
                "sid": sid,
                "channel": {"address": sender},
                "data": parameters,
                "variables": {},
            },
            "contact": {"channel": {"address": to}},
            "widgets": {name: {} for _, _, name, _ in steps if name != "Ended"},
        }
        state.executions[sid] = {
            "sid": sid,
            "account_sid": flow["account_sid"],
            "flow_sid": flow["sid"],
            "to": to,
            "from": sender,
            "contact_sid": make_sid("FC", flow["sid"], to),
            "flow_version": revision["revision"],
            "context": context,
            "status": status,
            "steps": [
                {"sid": state.new_sid("FT"), "name": event, "from": source, "to": target, "type": kind, "time": now}
                for event, source, target, kind in steps
            ],
            "created": now,
            "updated": now,
        }
        return JSONResponse(render_execution(state.executions[sid]), status_code=201)

    async def list_executions(request: Request) -> Response:
        flow = owned_flow(request, "FlowSid")
        items = sorted(
            (e for e in state.executions.values() if e["flow_sid"] == flow["sid"]),
            key=lambda e: (e["created"], e["sid"]),
            reverse=True,
        )
        return meta_page(request, "executions", items, lambda e: render_execution(e, with_context=False))

    async def fetch_execution(request: Request) -> Response:
        return JSONResponse(render_execution(owned_execution(request)))

    async def update_execution(request: Request) -> Response:
        execution = owned_execution(request)
        fields = await form(request)
        if first(fields, "Status") != "ended":
            raise TwilioHTTPError(400, 20001, "Invalid Status: the only value accepted is ended")
        if execution["status"] != "ended":
            execution["status"] = "ended"
            execution["updated"] = state.clock.now()
        return JSONResponse(render_execution(execution))

    async def list_steps(request: Request) -> Response:
        execution = owned_execution(request)
        return meta_page(request, "steps", execution["steps"], lambda step: render_step(execution, step))

    async def fetch_context(request: Request) -> Response:
        execution = owned_execution(request)
        return JSONResponse(
            {
                "account_sid": execution["account_sid"],
                "context": execution["context"],
                "flow_sid": execution["flow_sid"],
                "execution_sid": execution["sid"],
                "url": f"{BASE}/Flows/{execution['flow_sid']}/Executions/{execution['sid']}/Context",
            }
        )

    executions = "/v2/Flows/{FlowSid}/Executions"
    return {
        "studio.twilio.com": [
            Route("/v2/Flows", list_flows, methods=["GET"]),
            Route("/v2/Flows", create_flow, methods=["POST"]),
            Route("/v2/Flows/Validate", validate_flow, methods=["POST"]),
            Route("/v2/Flows/{Sid}", fetch_flow, methods=["GET"]),
            Route("/v2/Flows/{Sid}", update_flow, methods=["POST"]),
            Route("/v2/Flows/{Sid}/Revisions", list_revisions, methods=["GET"]),
            Route("/v2/Flows/{Sid}/Revisions/{Revision}", fetch_revision, methods=["GET"]),
            Route(executions, create_execution, methods=["POST"]),
            Route(executions, list_executions, methods=["GET"]),
            Route(executions + "/{Sid}", fetch_execution, methods=["GET"]),
            Route(executions + "/{Sid}", update_execution, methods=["POST"]),
            Route(executions + "/{ExecutionSid}/Steps", list_steps, methods=["GET"]),
            Route(executions + "/{ExecutionSid}/Context", fetch_context, methods=["GET"]),
        ]
    }
