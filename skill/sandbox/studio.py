"""Sandbox routes for Studio v2: flows and their revisions, validation, executions.

Every create or update of a flow adds a revision. Definitions are checked as Twilio's validator does
(400 with code 81022 and the failures under `details.errors`; see studio_definitions). A REST
execution runs the latest published revision, records one step per transition, keeps the request's
Parameters as flow.data in its context, and ends, unless it reaches a widget that waits for the
contact, where it stays active until stopped. Executions list newest first, filtered by status and
by DateCreatedFrom / DateCreatedTo.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from skill.sandbox.clock import iso8601
from skill.sandbox.dates import parse_when
from skill.sandbox.http import TwilioHTTPError, authenticate, error_response, first, form, meta_page, not_found, owned
from skill.sandbox.scenarios.hooks import hook_fails
from skill.sandbox.state import make_sid
from skill.sandbox.studio_definitions import definition_failures, run

if TYPE_CHECKING:
    from skill.sandbox.app import Sandbox
    from skill.sandbox.state import SandboxState

BASE = "https://studio.twilio.com/v2"
EXECUTION_STATUSES = ("active", "ended")


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


def missing(name: str) -> TwilioHTTPError:
    return TwilioHTTPError(400, 20001, f"Missing required parameter {name} in the post body")


async def definition_fields(request: Request, *, required: bool) -> tuple[dict[str, list[str]], Any]:
    """The form of a flow create, update or validation, and its Definition parsed."""
    fields = await form(request)
    for name in ("FriendlyName", "Status", "Definition") if required else ("Status",):
        if not first(fields, name):
            raise missing(name)
    if first(fields, "Status") not in ("draft", "published"):
        raise TwilioHTTPError(400, 20001, "Invalid Status: must be draft or published")
    return fields, parse_json(first(fields, "Definition"), "Definition")


def new_revision(fields: dict[str, list[str]], number: int, body: Any, now: float, name: str | None) -> dict[str, Any]:
    return {
        "revision": number,
        "friendly_name": first(fields, "FriendlyName") or name,
        "status": first(fields, "Status"),
        "definition": body,
        "commit_message": first(fields, "CommitMessage"),
        "created": now,
    }


class Flows:
    """/v2/Flows and /v2/Flows/{Sid}: list, create, fetch, update (each change a new revision)."""

    def __init__(self, state: SandboxState) -> None:
        self.state = state

    async def list(self, request: Request) -> Response:
        caller = authenticate(self.state, request)
        items = sorted((f for f in self.state.flows.values() if f["account_sid"] == caller), key=lambda f: f["created"])
        return meta_page(request, "flows", items, lambda flow: render_flow(flow, with_definition=False))

    async def create(self, request: Request) -> Response:
        caller = authenticate(self.state, request)
        fields, body = await definition_fields(request, required=True)
        failures = definition_failures(body)
        if failures:
            return reject(failures)
        now = self.state.clock.now()
        sid = self.state.new_sid("FW")
        revision = new_revision(fields, 1, body, now, None)
        self.state.flows[sid] = {
            "sid": sid,
            "account_sid": caller,
            "created": now,
            "updated": now,
            "revisions": [revision],
        }
        return JSONResponse(render_flow(self.state.flows[sid]), status_code=201)

    async def fetch(self, request: Request) -> Response:
        return JSONResponse(render_flow(owned(self.state, request, self.state.flows)))

    async def update(self, request: Request) -> Response:
        flow = owned(self.state, request, self.state.flows)
        fields, body = await definition_fields(request, required=False)
        latest = flow["revisions"][-1]
        body = latest["definition"] if body is None else body
        failures = definition_failures(body)
        if failures:
            return reject(failures)
        now = self.state.clock.now()
        flow["revisions"].append(new_revision(fields, latest["revision"] + 1, body, now, latest["friendly_name"]))
        flow["updated"] = now
        return JSONResponse(render_flow(flow))


class FlowValidation:
    """/v2/Flows/Validate: update (Twilio's validator; nothing is stored)."""

    def __init__(self, state: SandboxState) -> None:
        self.state = state

    async def update(self, request: Request) -> Response:
        authenticate(self.state, request)
        _, body = await definition_fields(request, required=True)
        failures = definition_failures(body)
        return reject(failures) if failures else JSONResponse({"valid": True})


class Revisions:
    """/v2/Flows/{Sid}/Revisions[/{Revision}]: list, fetch (a number, LatestRevision, LatestPublished)."""

    def __init__(self, state: SandboxState) -> None:
        self.state = state

    async def list(self, request: Request) -> Response:
        flow = owned(self.state, request, self.state.flows)
        items = list(reversed(flow["revisions"]))
        return meta_page(request, "revisions", items, lambda r: render_revision(flow, r, with_definition=False))

    async def fetch(self, request: Request) -> Response:
        flow = owned(self.state, request, self.state.flows)
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


def owned_execution(state: SandboxState, request: Request) -> dict[str, Any]:
    """The execution the path names, in the flow the path names, of the caller's account."""
    flow = owned(state, request, state.flows, "FlowSid")
    param = "Sid" if "Sid" in request.path_params else "ExecutionSid"
    return owned(state, request, state.executions, param, owner=flow["sid"], owner_key="flow_sid")


class Executions:
    """/v2/Flows/{FlowSid}/Executions[/{Sid}]: list, create (run the published revision), fetch, update
    (end it)."""

    def __init__(self, state: SandboxState, http_fails: Callable[[str], bool] = lambda url: False) -> None:
        self.state = state
        self.http_fails = http_fails  # which URLs an HTTP Request widget finds failing

    async def list(self, request: Request) -> Response:
        flow = owned(self.state, request, self.state.flows, "FlowSid")
        query = request.query_params
        status = query.get("status") or query.get("Status")  # the SDK and the spec spell it in lower case
        if status is not None and status not in EXECUTION_STATUSES:
            raise TwilioHTTPError(400, 20001, "Invalid Status: must be active or ended")
        since = parse_when(query["DateCreatedFrom"], "DateCreatedFrom") if query.get("DateCreatedFrom") else None
        until = parse_when(query["DateCreatedTo"], "DateCreatedTo") if query.get("DateCreatedTo") else None
        items = sorted(
            (
                e
                for e in self.state.executions.values()
                if e["flow_sid"] == flow["sid"]
                and (status is None or e["status"] == status)
                and (since is None or e["created"] >= since)
                and (until is None or e["created"] < until)
            ),
            key=lambda e: (e["created"], e["sid"]),
            reverse=True,
        )
        return meta_page(request, "executions", items, lambda e: render_execution(e, with_context=False))

    async def create(self, request: Request) -> Response:
        state = self.state
        flow = owned(state, request, state.flows, "FlowSid")
        fields = await form(request)
        to, sender = first(fields, "To"), first(fields, "From")
        for name, value in (("To", to), ("From", sender)):
            if not value:
                raise missing(name)
        parameters = parse_json(first(fields, "Parameters"), "Parameters") or {}
        if not isinstance(parameters, dict):
            raise TwilioHTTPError(400, 20001, "Invalid Parameters: must be a JSON object")
        published = [r for r in flow["revisions"] if r["status"] == "published"]
        if not published:
            raise TwilioHTTPError(400, 20001, "The Flow has no published revision to execute")
        revision = published[-1]
        now = state.clock.now()
        sid = state.new_sid("FN")
        steps, status = run(revision["definition"], self.http_fails)
        channel = {"address": sender}
        context = {
            "flow": {"flow_sid": flow["sid"], "sid": sid, "channel": channel, "data": parameters, "variables": {}},
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

    async def fetch(self, request: Request) -> Response:
        return JSONResponse(render_execution(owned_execution(self.state, request)))

    async def update(self, request: Request) -> Response:
        execution = owned_execution(self.state, request)
        fields = await form(request)
        if first(fields, "Status") != "ended":
            raise TwilioHTTPError(400, 20001, "Invalid Status: the only value accepted is ended")
        if execution["status"] != "ended":
            execution["status"] = "ended"
            execution["updated"] = self.state.clock.now()
        return JSONResponse(render_execution(execution))


class ExecutionSteps:
    """/v2/Flows/{FlowSid}/Executions/{ExecutionSid}/Steps: list."""

    def __init__(self, state: SandboxState) -> None:
        self.state = state

    async def list(self, request: Request) -> Response:
        execution = owned_execution(self.state, request)
        return meta_page(request, "steps", execution["steps"], lambda step: render_step(execution, step))


class ExecutionContexts:
    """/v2/Flows/{FlowSid}/Executions/{ExecutionSid}/Context: fetch."""

    def __init__(self, state: SandboxState) -> None:
        self.state = state

    async def fetch(self, request: Request) -> Response:
        execution = owned_execution(self.state, request)
        return JSONResponse(
            {
                "account_sid": execution["account_sid"],
                "context": execution["context"],
                "flow_sid": execution["flow_sid"],
                "execution_sid": execution["sid"],
                "url": f"{BASE}/Flows/{execution['flow_sid']}/Executions/{execution['sid']}/Context",
            }
        )


def routes(sandbox: Sandbox) -> dict[str, list[Route]]:
    state = sandbox.state
    flows, revisions, validation = Flows(state), Revisions(state), FlowValidation(state)
    executions = Executions(state, lambda url: hook_fails(sandbox, url))
    steps, contexts = ExecutionSteps(state), ExecutionContexts(state)
    one_execution = "/v2/Flows/{FlowSid}/Executions/{Sid}"
    execution_parts = "/v2/Flows/{FlowSid}/Executions/{ExecutionSid}"
    return {
        "studio.twilio.com": [
            Route("/v2/Flows", flows.list, methods=["GET"]),
            Route("/v2/Flows", flows.create, methods=["POST"]),
            Route("/v2/Flows/Validate", validation.update, methods=["POST"]),
            Route("/v2/Flows/{Sid}", flows.fetch, methods=["GET"]),
            Route("/v2/Flows/{Sid}", flows.update, methods=["POST"]),
            Route("/v2/Flows/{Sid}/Revisions", revisions.list, methods=["GET"]),
            Route("/v2/Flows/{Sid}/Revisions/{Revision}", revisions.fetch, methods=["GET"]),
            Route("/v2/Flows/{FlowSid}/Executions", executions.create, methods=["POST"]),
            Route("/v2/Flows/{FlowSid}/Executions", executions.list, methods=["GET"]),
            Route(one_execution, executions.fetch, methods=["GET"]),
            Route(one_execution, executions.update, methods=["POST"]),
            Route(execution_parts + "/Steps", steps.list, methods=["GET"]),
            Route(execution_parts + "/Context", contexts.fetch, methods=["GET"]),
        ]
    }
