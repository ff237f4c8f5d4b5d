"""Sandbox routes for SendGrid (host api.sendgrid.com): Mail Send, Templates, suppression lists.

Errors use SendGrid's shape, {"errors": [{"message", "field"}]}; requests carry `Authorization:
Bearer <key>` and each route needs one API key scope. The data is `sandbox.sendgrid`.
"""

from __future__ import annotations

import base64
import binascii
import fnmatch
import json
import re
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from skill.sandbox.sendgrid_state import SendGridState

if TYPE_CHECKING:
    from skill.sandbox.app import Sandbox

HOST = "api.sendgrid.com"
EMAIL = re.compile(r"^[^@\s<>(),;:\"\[\]]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")
MAX_SCHEDULE_SECONDS = 72 * 3600
LIST_PATHS = {
    "bounces": "bounces",
    "blocks": "blocks",
    "spam_reports": "spam_reports",
    "invalid_emails": "invalid_emails",
    "global_unsubscribes": "unsubscribes",
}
Handler = Callable[[Request, SendGridState], Awaitable[Response]]


class SendGridHTTPError(Exception):
    def __init__(self, status: int, errors: list[tuple[str, str | None]], headers: dict[str, str] | None = None):
        super().__init__(errors[0][0] if errors else str(status))
        self.status = status
        self.errors = errors
        self.headers = headers


def error_body(errors: list[tuple[str, str | None]]) -> dict[str, Any]:
    return {"errors": [{"message": message, "field": field} for message, field in errors]}


def sendgrid_state(sandbox: Sandbox) -> SendGridState:
    """The SendGrid data of this sandbox."""
    return sandbox.sendgrid


def _guard(state: SendGridState, scope: str, handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    """Rate limit, then Bearer auth, then the key's scope, then the handler; errors in SendGrid's shape."""

    async def endpoint(request: Request) -> Response:
        try:
            if state.throttled > 0:
                state.throttled -= 1
                reset = int(state.clock.now()) + state.reset_in
                headers = {"X-RateLimit-Limit": "600", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(reset)}
                raise SendGridHTTPError(429, [("too many requests", None)], headers)
            scheme, _, key = request.headers.get("authorization", "").partition(" ")
            scopes = state.keys.get(key) if scheme.lower() == "bearer" else None
            if scopes is None:
                raise SendGridHTTPError(
                    401, [("The provided authorization grant is invalid, expired, or revoked", None)]
                )
            if scope not in scopes:
                raise SendGridHTTPError(403, [("access forbidden", None)])
            return await handler(request, state)
        except SendGridHTTPError as exc:
            return JSONResponse(error_body(exc.errors), status_code=exc.status, headers=exc.headers)

    return endpoint


def _address_errors(value: Any, where: str) -> list[tuple[str, str | None]]:
    if not isinstance(value, dict) or not isinstance(value.get("email"), str):
        return [(f"The {where} object must be provided with an email parameter.", where)]
    if not EMAIL.match(value["email"]):
        return [("Does not contain a valid address.", f"{where}.email")]
    return []


def _personalization_errors(items: Any) -> list[tuple[str, str | None]]:
    if not isinstance(items, list) or not items:
        return [
            ("The personalizations field is required and must have at least one personalization.", "personalizations")
        ]
    errors: list[tuple[str, str | None]] = []
    total = 0
    for index, item in enumerate(items):
        where = f"personalizations.{index}"
        if not isinstance(item, dict) or not isinstance(item.get("to"), list) or not item["to"]:
            errors.append(("The to array is required for all personalization objects.", f"{where}.to"))
            continue
        seen: set[str] = set()
        for kind in ("to", "cc", "bcc"):
            for position, address in enumerate(item.get(kind) or []):
                errors.extend(_address_errors(address, f"{where}.{kind}.{position}"))
                email = str(address.get("email", "")).lower() if isinstance(address, dict) else ""
                if email and email in seen:
                    errors.append(
                        (
                            "Each email address in the personalization block should be unique between to, cc, "
                            f"and bcc. We found a duplicate of {email} in the {where}.{kind} field.",
                            f"{where}.{kind}",
                        )
                    )
                seen.add(email)
                total += 1
    if total > 1000:
        errors.append(("The total number of recipients must be no more than 1000.", "personalizations"))
    return errors


def _mail_errors(body: dict[str, Any], state: SendGridState) -> list[tuple[str, str | None]]:
    errors = _personalization_errors(body.get("personalizations"))
    errors.extend(_address_errors(body.get("from"), "from"))
    if body.get("reply_to") is not None:
        errors.extend(_address_errors(body["reply_to"], "reply_to"))
    template_id = body.get("template_id")
    if template_id is not None and (not isinstance(template_id, str) or template_id not in state.templates):
        errors.append((f"The template_id {template_id!r} does not belong to this account.", "template_id"))
    given = body.get("personalizations")
    personalizations: list[Any] = given if isinstance(given, list) else []
    every_has_subject = bool(personalizations) and all(
        isinstance(p, dict) and p.get("subject") for p in personalizations
    )
    if not template_id and not body.get("subject") and not every_has_subject:
        errors.append(("The subject is required unless a template or every personalization sets one.", "subject"))
    content = body.get("content")
    if not template_id and (not isinstance(content, list) or not content):
        errors.append(("Unless a valid template_id is provided, at least one content block is required.", "content"))
    for index, block in enumerate(content if isinstance(content, list) else []):
        if not isinstance(block, dict) or not block.get("type") or not block.get("value"):
            errors.append(("Each content block needs a type and a non-empty value.", f"content.{index}"))
    send_at = body.get("send_at")
    if send_at is not None:
        if not isinstance(send_at, int):
            errors.append(("send_at must be a unix timestamp.", "send_at"))
        elif send_at > state.clock.now() + MAX_SCHEDULE_SECONDS:
            errors.append(("An email cannot be scheduled more than 72 hours in advance.", "send_at"))
    categories = body.get("categories") or []
    if not isinstance(categories, list):
        errors.append(("categories must be an array of strings.", "categories"))
    elif len(categories) > 10 or any(not isinstance(c, str) or len(c) > 255 for c in categories):
        errors.append(("Up to 10 categories of at most 255 characters each are allowed.", "categories"))
    return errors


async def mail_send(request: Request, state: SendGridState) -> Response:
    declared = request.headers.get("content-length") or "0"
    if not declared.isdigit():
        raise SendGridHTTPError(400, [("Invalid Content-Length header.", None)])
    if int(declared) > state.max_payload_bytes:
        raise SendGridHTTPError(413, [("content too large", None)])
    raw = await request.body()
    if len(raw) > state.max_payload_bytes:
        raise SendGridHTTPError(413, [("content too large", None)])
    try:
        body = json.loads(raw)
    except ValueError:
        raise SendGridHTTPError(400, [("Bad Request", None)]) from None
    if not isinstance(body, dict):
        raise SendGridHTTPError(400, [("The request body must be a JSON object.", None)])
    errors = _mail_errors(body, state)
    if errors:
        raise SendGridHTTPError(400, errors)
    message_id = state.message_id()
    state.sent.append({"message_id": message_id, "payload": body, "accepted_at": state.clock.now()})
    return Response(status_code=202, headers={"X-Message-Id": message_id})


def _page_token(offset: int) -> str:
    return base64.urlsafe_b64encode(f"offset:{offset}".encode()).decode().rstrip("=")


def _token_offset(token: str) -> int:
    """The offset a page_token of ours names.

    Raises:
        SendGridHTTPError: 400 for a token this sandbox did not give out.
    """
    try:
        text = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError):
        text = ""
    prefix, _, digits = text.partition(":")
    if prefix != "offset" or not digits.isdigit():
        raise SendGridHTTPError(400, [("page_token is not valid", "page_token")])
    return int(digits)


class TemplatesResource:
    """/v3/templates (paged by page_size and page_token) and /v3/templates/{template_id}."""

    async def list(self, request: Request, state: SendGridState) -> Response:
        params = request.query_params
        raw_size = params.get("page_size")
        if raw_size is None or not raw_size.isdigit() or not 1 <= int(raw_size) <= 200:
            raise SendGridHTTPError(400, [("page_size must be a number from 1 to 200", "page_size")])
        size = int(raw_size)
        offset = _token_offset(params["page_token"]) if params.get("page_token") else 0
        wanted = set((params.get("generations") or "legacy").split(","))
        chosen = [t for t in state.templates.values() if t["generation"] in wanted]
        chosen.sort(key=lambda t: (str(t["updated_at"]), t["id"]), reverse=True)
        kept = {k: v for k, v in params.items() if k != "page_token"}

        def link(start: int) -> str:
            query = {**kept, **({"page_token": _page_token(start)} if start else {})}
            return f"https://{HOST}/v3/templates?{urlencode(query)}"

        metadata: dict[str, Any] = {"self": link(offset), "count": len(chosen)}
        if offset > 0:
            metadata["prev"] = link(max(0, offset - size))
        if offset + size < len(chosen):
            metadata["next"] = link(offset + size)
        return JSONResponse({"result": chosen[offset : offset + size], "_metadata": metadata})

    async def fetch(self, request: Request, state: SendGridState) -> Response:
        template = state.templates.get(request.path_params["template_id"])
        if template is None:
            raise SendGridHTTPError(404, [("resource not found", "template_id")])
        return JSONResponse(template)


def _matches(email: str, pattern: str) -> bool:
    """SendGrid's email filter: a prefix, with % as a wildcard."""
    return fnmatch.fnmatchcase(email.lower(), pattern.lower().replace("%", "*") + "*")


class SuppressionsResource:
    """One suppression list: /v3/suppression/<list> (offset/limit paging, email prefix, start/end time),
    one address on it, and its removal."""

    def __init__(self, kind: str) -> None:
        self.kind = kind

    async def list(self, request: Request, state: SendGridState) -> Response:
        params = request.query_params
        try:
            limit = max(1, min(500, int(params.get("limit", "500"))))
            offset = max(0, int(params.get("offset", "0")))
            start = int(params["start_time"]) if "start_time" in params else None
            end = int(params["end_time"]) if "end_time" in params else None
        except ValueError:
            raise SendGridHTTPError(400, [("limit, offset, start_time and end_time must be integers", None)]) from None
        records = sorted(
            state.suppressions[self.kind].values(), key=lambda r: (int(r["created"]), r["email"]), reverse=True
        )
        pattern = params.get("email")
        chosen = [
            r
            for r in records
            if (not pattern or _matches(r["email"], pattern))
            and (start is None or r["created"] >= start)
            and (end is None or r["created"] <= end)
        ]
        return JSONResponse(chosen[offset : offset + limit])

    async def fetch(self, request: Request, state: SendGridState) -> Response:
        record = state.suppressions[self.kind].get(request.path_params["email"].lower())
        if self.kind == "global_unsubscribes":
            # SendGrid answers an empty object for an address that is not globally suppressed.
            return JSONResponse({"recipient_email": record["email"]} if record else {})
        return JSONResponse([record] if record else [])

    async def delete(self, request: Request, state: SendGridState) -> Response:
        state.suppressions[self.kind].pop(request.path_params["email"].lower(), None)
        return Response(status_code=204)


def routes(sandbox: Sandbox) -> dict[str, list[Route]]:
    state = sandbox.sendgrid
    templates = TemplatesResource()
    table: list[Route] = [
        Route("/v3/mail/send", _guard(state, "mail.send", mail_send), methods=["POST"]),
        Route("/v3/templates", _guard(state, "templates.read", templates.list), methods=["GET"]),
        Route("/v3/templates/{template_id}", _guard(state, "templates.read", templates.fetch), methods=["GET"]),
    ]
    for kind, segment in LIST_PATHS.items():
        listed = SuppressionsResource(kind)
        scope = f"suppression.{segment}"
        table.append(Route(f"/v3/suppression/{segment}", _guard(state, f"{scope}.read", listed.list), methods=["GET"]))
        if kind == "global_unsubscribes":
            # The global list is changed through the Suppression Management (asm) API.
            scope, one = "asm.suppressions.global", "/v3/asm/suppressions/global/{email}"
        else:
            one = f"/v3/suppression/{segment}/{{email}}"
        table.append(Route(one, _guard(state, f"{scope}.read", listed.fetch), methods=["GET"]))
        table.append(Route(one, _guard(state, f"{scope}.delete", listed.delete), methods=["DELETE"]))
    return {HOST: table}
