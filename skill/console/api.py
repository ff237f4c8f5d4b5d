"""The console's JSON API for scripts: an operator credential as bearer, cookies ignored (no CSRF exposure).

GET  /api/approvals?status=&tool=&limit=   requests, newest first
GET  /api/approvals/{id}                   one request
POST /api/approvals/{id}/approve           (no body needed)
POST /api/approvals/{id}/deny              body {"reason": "..."}
GET  /api/audit?n=&tool=                   the audit tail, oldest of it first

Decisions are recorded under the operator whose credential was presented.
"""

from __future__ import annotations

import json
import time
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from skill.console.auth import bearer_of
from skill.console.state import MAX_TOOL_CHARS, Console, http_status_of, parse_limit, parse_status
from skill.console.views import iso
from skill.errors import InputError, SkillError
from skill.records.approvals import Approval
from skill.records.audit import AuditEntry
from skill.records.operators import OperatorRecord

MAX_BODY_BYTES = 16 * 1024


def approval_json(approval: Approval) -> dict[str, object]:
    """A request as JSON, status as the operator sees it (expiry applied): the approvals service's form."""
    return approval.public(time.time())


def audit_json(entry: AuditEntry) -> dict[str, object]:
    return {
        "id": entry.id,
        "ts": iso(entry.ts),
        "event": entry.event,
        "tool": entry.tool,
        "profile": entry.profile,
        "outcome": entry.outcome,
        "approval_id": entry.approval_id,
        "detail": entry.detail,
    }


def error_response(error: SkillError) -> JSONResponse:
    body = {"error": {"code": error.code, "message": error.message, "remediation": error.remediation}}
    return JSONResponse(body, status_code=http_status_of(error))


def error_response_for(status: int, message: str) -> JSONResponse:
    """A JSON error for a failure that is not a SkillError (unknown path, wrong method, a crash)."""
    code = "console.not_found" if status == 404 else "console.error"
    return JSONResponse({"error": {"code": code, "message": message, "remediation": []}}, status_code=status)


def unauthorized() -> JSONResponse:
    return JSONResponse(
        {
            "error": {
                "code": "console.unauthorized",
                "message": "The console API needs 'Authorization: Bearer <operator credential>'.",
                "remediation": [
                    "Create a credential with `twilio-skill operators create NAME` (it is shown once).",
                    "A rotated or revoked credential is refused; ask for a new one.",
                ],
            }
        },
        status_code=401,
        headers={"WWW-Authenticate": 'Bearer realm="twilio-skill console"'},
    )


def _console(request: Request) -> Console:
    console = request.app.state.console
    assert isinstance(console, Console)
    return console


async def _operator(request: Request, console: Console) -> OperatorRecord | None:
    """The operator whose credential the request presents, or None."""
    given = bearer_of(request.headers.get("authorization", ""))
    if given is None:
        return None
    return await console.run(lambda: console.operator_for(given))


async def _json_body(request: Request) -> dict[str, Any]:
    """Raises:
    InputError: the body is too large, not JSON, or not an object.
    """
    raw = await request.body()
    if not raw.strip():
        return {}
    if len(raw) > MAX_BODY_BYTES:
        raise InputError("The request body is too large.", code="input.body_too_large")
    try:
        data = json.loads(raw)
    except ValueError:
        data = None
    if not isinstance(data, dict):
        raise InputError(
            "The body must be a JSON object.",
            code="input.invalid_json",
            remediation=['Send e.g. {"reason": "not during the sale"}.'],
        )
    return data


async def list_approvals(request: Request) -> Response:
    console = _console(request)
    if await _operator(request, console) is None:
        return unauthorized()
    tool = (request.query_params.get("tool") or "")[:MAX_TOOL_CHARS] or None
    try:
        status = parse_status(request.query_params.get("status"))
        limit = parse_limit(request.query_params.get("limit"))
    except SkillError as exc:
        return error_response(exc)
    items = await console.run(lambda: console.list_requests(status, tool, limit))
    return JSONResponse({"approvals": [approval_json(item) for item in items]})


async def show_approval(request: Request) -> Response:
    console = _console(request)
    if await _operator(request, console) is None:
        return unauthorized()
    approval_id = request.path_params["approval_id"]
    try:
        approval = await console.run(lambda: console.get(approval_id))
    except SkillError as exc:
        return error_response(exc)
    return JSONResponse(approval_json(approval))


async def _decide(request: Request, *, approve: bool) -> Response:
    console = _console(request)
    operator = await _operator(request, console)
    if operator is None:
        return unauthorized()
    approval_id = request.path_params["approval_id"]
    name = operator.name
    try:
        body = await _json_body(request)
        reason = body.get("reason")
        reason_text = str(reason) if reason is not None else None
        approval = await console.run(
            lambda: console.decide(approval_id, approve=approve, operator=name, reason=reason_text, via="api")
        )
    except SkillError as exc:
        return error_response(exc)
    return JSONResponse(approval_json(approval))


async def approve_approval(request: Request) -> Response:
    return await _decide(request, approve=True)


async def deny_approval(request: Request) -> Response:
    return await _decide(request, approve=False)


async def audit_tail(request: Request) -> Response:
    console = _console(request)
    if await _operator(request, console) is None:
        return unauthorized()
    try:
        limit = parse_limit(request.query_params.get("n"))
    except SkillError as exc:
        return error_response(exc)
    tool = (request.query_params.get("tool") or "")[:MAX_TOOL_CHARS] or None
    entries = await console.run(lambda: console.audit_tail(limit, tool))
    return JSONResponse({"entries": [audit_json(entry) for entry in entries]})


ROUTES = [
    Route("/api/approvals", list_approvals, methods=["GET"]),
    Route("/api/approvals/{approval_id}", show_approval, methods=["GET"]),
    Route("/api/approvals/{approval_id}/approve", approve_approval, methods=["POST"]),
    Route("/api/approvals/{approval_id}/deny", deny_approval, methods=["POST"]),
    Route("/api/audit", audit_tail, methods=["GET"]),
]
