"""Sandbox routes for the Content API v1: templates (create, list, fetch, delete; listed with their
approvals too) and their WhatsApp approval requests (submit, fetch), with JSON request bodies as
Twilio takes them.

A submitted template is 'received' at once and 'approved' APPROVAL_SECONDS later on the sandbox
clock, unless its name starts with 'reject', which WhatsApp then rejects (INVALID_FORMAT). Messages
sent with a ContentSid render their body from the template (skill.sandbox.messages).
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from skill.config import SANDBOX_ACCOUNT_SID
from skill.sandbox.clock import iso8601
from skill.sandbox.http import bad_request, deleted, meta_page, owned, request_account
from skill.sandbox.state import make_sid

if TYPE_CHECKING:
    from skill.sandbox.app import Sandbox
    from skill.sandbox.state import SandboxState

BASE = "https://content.twilio.com/v1"
APPROVAL_SECONDS = 600.0
MAX_BODY_BYTES = 100_000
CATEGORIES = ("UTILITY", "MARKETING", "AUTHENTICATION")
_VARIABLE = re.compile(r"\{\{([A-Za-z0-9_]{1,64})\}\}")


def approval_status(template: dict[str, Any], now: float) -> str:
    submitted = template.get("whatsapp")
    if not submitted:
        return "unsubmitted"
    if now - submitted["submitted"] < APPROVAL_SECONDS:
        return "received"
    return "rejected" if submitted["name"].startswith("reject") else "approved"


def render_approval(template: dict[str, Any], now: float) -> dict[str, Any]:
    """The whatsapp block of an approval request ({} before any submission, as Twilio answers)."""
    submitted = template.get("whatsapp")
    if not submitted:
        return {}
    status = approval_status(template, now)
    return {
        "type": "whatsapp",
        "name": submitted["name"],
        "category": submitted["category"],
        "content_type": submitted["content_type"],
        "status": status,
        "rejection_reason": "INVALID_FORMAT" if status == "rejected" else "",
        "allow_category_change": True,
    }


UNSUBMITTED = {
    "name": "", "category": "", "content_type": "", "status": "unsubmitted", "rejection_reason": "",
    "allow_category_change": True,
}  # fmt: skip


def render_with_approval(template: dict[str, Any], now: float) -> dict[str, Any]:
    """A template as ContentAndApprovals lists it: no url or links, its WhatsApp approval beside it."""
    rendered = {key: value for key, value in render_content(template).items() if key not in ("url", "links")}
    approval = {key: value for key, value in render_approval(template, now).items() if key != "type"}
    return {**rendered, "approval_requests": approval or UNSUBMITTED}


def render_content(template: dict[str, Any]) -> dict[str, Any]:
    url = f"{BASE}/Content/{template['sid']}"
    return {
        "sid": template["sid"],
        "account_sid": template["account_sid"],
        "friendly_name": template["friendly_name"],
        "language": template["language"],
        "variables": template["variables"],
        "types": template["types"],
        "url": url,
        "date_created": iso8601(template["created"]),
        "date_updated": iso8601(template["updated"]),
        "links": {"approval_create": f"{url}/ApprovalRequests/whatsapp", "approval_fetch": f"{url}/ApprovalRequests"},
    }


def rendered_text(template: dict[str, Any], values: dict[str, str]) -> tuple[str, list[str]]:
    """(body, media URLs) of a message sent with this template: its first type with a body, each
    variable filled from `values`, else from the template's sample."""
    types = template["types"]
    body = next((str(fields["body"]) for fields in types.values() if isinstance(fields.get("body"), str)), "")
    media = [str(url) for url in (types.get("twilio/media") or {}).get("media") or []]
    variables = {**template["variables"], **values}
    return _VARIABLE.sub(lambda match: str(variables.get(match.group(1), match.group(0))), body), media


def _template(state: SandboxState, name: str, language: str, body: str, samples: dict[str, str]) -> str:
    sid = make_sid("HX", "seed", name)
    now = state.clock.now()
    state.contents[sid] = {
        "sid": sid,
        "account_sid": SANDBOX_ACCOUNT_SID,
        "friendly_name": name,
        "language": language,
        "variables": samples,
        "types": {"twilio/text": {"body": body}},
        "whatsapp": None,
        "created": now - 86400 * 60,
        "updated": now - 86400 * 60,
    }
    return sid


def seed_contents(state: SandboxState) -> None:
    """Two templates on the parent account: order_update, approved for WhatsApp (UTILITY), and
    spring_sale, never submitted."""
    approved = _template(
        state, "order_update", "en", "Hi {{1}}, your order {{2}} has shipped.",
        {"1": "Alex", "2": "A-1001"},
    )  # fmt: skip
    submitted = state.clock.now() - 86400 * 59
    state.contents[approved]["whatsapp"] = {
        "name": "order_update", "category": "UTILITY", "content_type": "twilio/text", "submitted": submitted,
    }  # fmt: skip
    _template(state, "spring_sale", "en", "Spring sale: {{1}} off today only.", {"1": "20%"})


async def json_body(request: Request) -> dict[str, Any]:
    """The request's JSON object.

    Raises:
        TwilioHTTPError: 400/20001 when the body is too large, not JSON, or not an object.
    """
    raw = await request.body()
    if len(raw) > MAX_BODY_BYTES:
        raise bad_request(20001, "The request body is too large")
    try:
        parsed = json.loads(raw or b"null")
    except ValueError:
        raise bad_request(20001, "The request body is not valid JSON") from None
    if not isinstance(parsed, dict):
        raise bad_request(20001, "The request body must be a JSON object")
    return parsed


def check_new_content(body: dict[str, Any]) -> tuple[str, str, dict[str, str], dict[str, Any]]:
    """(friendly_name, language, variables, types) of a create request, the SDK's nulls left out.

    Raises:
        TwilioHTTPError: 400/20001 naming the missing or invalid field.
    """
    language, name = body.get("language"), body.get("friendly_name") or ""
    variables = body.get("variables") or {}
    given = body.get("types") or {}
    if not isinstance(given, dict):
        raise bad_request(20001, "Invalid parameter types: must be an object")
    types = {kind: fields for kind, fields in given.items() if fields is not None}
    if not isinstance(language, str) or not language:
        raise bad_request(20001, "Missing required parameter language in the post body")
    if not types or not all(isinstance(fields, dict) for fields in types.values()):
        raise bad_request(20001, "Missing required parameter types in the post body")
    if not isinstance(variables, dict) or not all(isinstance(v, str) for v in variables.values()):
        raise bad_request(20001, "Invalid parameter variables: values must be strings")
    return str(name), language, {str(k): v for k, v in variables.items()}, types


def routes(sandbox: Sandbox) -> dict[str, list[Route]]:
    state = sandbox.state

    def owned_content(request: Request, param: str = "Sid") -> dict[str, Any]:
        return owned(state, request, state.contents, param)

    async def create_content(request: Request) -> Response:
        account_sid = request_account(state, request)
        name, language, variables, types = check_new_content(await json_body(request))
        now = state.clock.now()
        sid = state.new_sid("HX")
        state.contents[sid] = {
            "sid": sid,
            "account_sid": account_sid,
            "friendly_name": name,
            "language": language,
            "variables": variables,
            "types": types,
            "whatsapp": None,
            "created": now,
            "updated": now,
        }
        return JSONResponse(render_content(state.contents[sid]), status_code=201)

    async def list_contents(request: Request) -> Response:
        account_sid = request_account(state, request)
        mine = [c for c in state.contents.values() if c["account_sid"] == account_sid]
        newest_first = sorted(mine, key=lambda c: (c["created"], c["sid"]), reverse=True)
        return meta_page(request, "contents", newest_first, render_content)

    async def list_with_approvals(request: Request) -> Response:
        account_sid = request_account(state, request)
        mine = [c for c in state.contents.values() if c["account_sid"] == account_sid]
        newest_first = sorted(mine, key=lambda c: (c["created"], c["sid"]), reverse=True)
        now = state.clock.now()
        return meta_page(request, "contents", newest_first, lambda item: render_with_approval(item, now))

    async def fetch_content(request: Request) -> Response:
        return JSONResponse(render_content(owned_content(request)))

    async def delete_content(request: Request) -> Response:
        del state.contents[owned_content(request)["sid"]]
        return deleted()

    async def fetch_approval(request: Request) -> Response:
        template = owned_content(request)
        return JSONResponse(
            {
                "sid": template["sid"],
                "account_sid": template["account_sid"],
                "whatsapp": render_approval(template, state.clock.now()),
                "url": f"{BASE}/Content/{template['sid']}/ApprovalRequests",
            }
        )

    async def create_approval(request: Request) -> Response:
        template = owned_content(request, "ContentSid")
        body = await json_body(request)
        name, category = body.get("name"), body.get("category")
        if not isinstance(name, str) or not re.fullmatch(r"[a-z0-9_]{1,512}", name):
            raise bad_request(20001, "Invalid parameter name: use lowercase letters, numbers and underscores")
        if category not in CATEGORIES:
            raise bad_request(20001, f"Invalid parameter category: one of {', '.join(CATEGORIES)}")
        if approval_status(template, state.clock.now()) not in ("unsubmitted", "rejected"):
            raise bad_request(20001, "The content has already been submitted for WhatsApp approval")
        now = state.clock.now()
        kind = next(iter(template["types"]))
        template["whatsapp"] = {"name": name, "category": category, "content_type": kind, "submitted": now}
        template["updated"] = now
        approval = render_approval(template, now)
        return JSONResponse({key: value for key, value in approval.items() if key != "type"}, status_code=201)

    collection, instance = "/v1/Content", "/v1/Content/{Sid}"
    return {
        "content.twilio.com": [
            Route(collection, create_content, methods=["POST"]),
            Route(collection, list_contents, methods=["GET"]),
            Route("/v1/ContentAndApprovals", list_with_approvals, methods=["GET"]),
            Route(instance, fetch_content, methods=["GET"]),
            Route(instance, delete_content, methods=["DELETE"]),
            Route(f"{instance}/ApprovalRequests", fetch_approval, methods=["GET"]),
            Route("/v1/Content/{ContentSid}/ApprovalRequests/whatsapp", create_approval, methods=["POST"]),
        ]
    }
