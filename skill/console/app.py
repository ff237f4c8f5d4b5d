"""The operator web console as an ASGI app.

    GET  /login, POST /login          the operator token -> a session cookie
    POST /logout
    GET  /?status=                    pending approval requests (or another status), with Approve / Deny
    GET  /approvals/{id}              one request: arguments, summary, status, decision
    POST /approvals/{id}/approve      form: csrf, operator
    POST /approvals/{id}/deny         form: csrf, operator, reason
    GET  /audit?n=50&tool=            the audit tail
    /api/...                          the JSON API (skill.console.api), bearer token only

Every request must name this server in Host (and in Origin, when a browser sends one with a
POST): a page on another site cannot reach the console through DNS rebinding. Pages need a
session; forms carry the session's CSRF token.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from urllib.parse import parse_qsl, quote

from starlette.applications import Starlette
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from skill.config import Settings
from skill.console import api
from skill.console import templates as t
from skill.console.auth import (
    DEFAULT_OPERATOR,
    SESSION_COOKIE,
    SESSION_SECONDS,
    Session,
    allowed_host_names,
    csrf_matches,
    host_name,
    load_or_create_console_token,
    token_matches,
)
from skill.console.state import MAX_TOOL_CHARS, Console, clean_operator, http_status_of, parse_limit
from skill.errors import SkillError
from skill.stores.sqlite import Stores

MAX_FORM_BYTES = 16 * 1024
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Only a local path may follow a login, so the form cannot be used to send someone elsewhere.
LOCAL_PATH = re.compile(r"/(?![/\\])[A-Za-z0-9_.~/?=&%+-]*")
SECURITY_HEADERS = [
    (
        b"content-security-policy",
        b"default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    ),
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"cache-control", b"no-store"),
]


class HostGuard:
    """ASGI wrapper: Host must name this server, and so must Origin on unsafe methods; adds security headers."""

    def __init__(self, app: ASGIApp, allowed: frozenset[str]) -> None:
        self.app = app
        self.allowed = allowed

    def refusal(self, scope: Scope) -> Response | None:
        headers = Headers(scope=scope)
        if host_name(headers.get("host", "")) not in self.allowed:
            return PlainTextResponse("This console does not answer for that Host name.", status_code=421)
        origin = headers.get("origin")
        if (
            scope.get("method", "GET") not in SAFE_METHODS
            and origin is not None
            and host_name(origin) not in self.allowed
        ):
            return PlainTextResponse("Cross-origin requests are refused.", status_code=403)
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *SECURITY_HEADERS]
            await send(message)

        refusal = self.refusal(scope)
        if refusal is not None:
            await refusal(scope, receive, send_with_headers)
            return
        await self.app(scope, receive, send_with_headers)


def _console(request: Request) -> Console:
    console = request.app.state.console
    assert isinstance(console, Console)
    return console


def _session(request: Request) -> Session | None:
    return _console(request).sessions.get(request.cookies.get(SESSION_COOKIE))


def _to_login(request: Request) -> RedirectResponse:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse("/login?next=" + quote(target, safe=""), status_code=303)


def _local_path(candidate: str | None) -> str:
    return candidate if candidate and LOCAL_PATH.fullmatch(candidate) else "/"


async def _form(request: Request) -> dict[str, str]:
    """An urlencoded form, first value of each field; anything else reads as empty."""
    if request.headers.get("content-type", "").split(";")[0].strip() != "application/x-www-form-urlencoded":
        return {}
    raw = await request.body()
    if len(raw) > MAX_FORM_BYTES:
        return {}
    fields: dict[str, str] = {}
    for key, value in parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True):
        fields.setdefault(key, value)
    return fields


def _problem(error: SkillError, session: Session | None) -> HTMLResponse:
    title = "Not found" if http_status_of(error) == 404 else "Not done"
    return HTMLResponse(t.problem_page(title, error.message, error.remediation, session), http_status_of(error))


def _csrf_refused(session: Session | None) -> HTMLResponse:
    page = t.problem_page(
        "Refused",
        "This form is missing its security token, or the token is stale; nothing was changed.",
        ["Reload the page and submit the form again."],
        session,
    )
    return HTMLResponse(page, status_code=403)


async def login_form(request: Request) -> Response:
    if _session(request) is not None:
        return RedirectResponse(_local_path(request.query_params.get("next")), status_code=303)
    return HTMLResponse(t.login_page(_local_path(request.query_params.get("next"))))


async def login(request: Request) -> Response:
    console = _console(request)
    form = await _form(request)
    next_path = _local_path(form.get("next"))
    if not token_matches(form.get("token", ""), console.token):
        return HTMLResponse(t.login_page(next_path, "That is not the operator token."), status_code=401)
    console.sessions.end(request.cookies.get(SESSION_COOKIE))
    cookie, _ = console.sessions.create(clean_operator(form.get("operator"), DEFAULT_OPERATOR))
    response = RedirectResponse(next_path, status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        cookie,
        max_age=int(SESSION_SECONDS),
        path="/",
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )
    return response


async def logout(request: Request) -> Response:
    session = _session(request)
    if session is None:
        return RedirectResponse("/login", status_code=303)
    if not csrf_matches(session, (await _form(request)).get("csrf")):
        return _csrf_refused(session)
    _console(request).sessions.end(request.cookies.get(SESSION_COOKIE))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


async def index(request: Request) -> Response:
    session = _session(request)
    if session is None:
        return _to_login(request)
    console = _console(request)
    status = request.query_params.get("status") or "pending"
    if status not in t.STATUS_FILTERS:
        status = "pending"
    chosen = None if status == "all" else status
    items = await console.run(lambda: console.stores.approvals.list(status=chosen, limit=100))
    return HTMLResponse(t.approvals_page(items, session, status))


async def approval_detail(request: Request) -> Response:
    session = _session(request)
    if session is None:
        return _to_login(request)
    console = _console(request)
    approval_id = request.path_params["approval_id"]
    try:
        approval = await console.run(lambda: console.get(approval_id))
    except SkillError as exc:
        return _problem(exc, session)
    return HTMLResponse(t.approval_page(approval, session))


async def _decide(request: Request, *, approve: bool) -> Response:
    session = _session(request)
    if session is None:
        return _to_login(request)
    form = await _form(request)
    if not csrf_matches(session, form.get("csrf")):
        return _csrf_refused(session)
    console = _console(request)
    approval_id = request.path_params["approval_id"]
    # The name typed last is remembered for the next decision in this session.
    session.operator = clean_operator(form.get("operator"), session.operator)
    operator = session.operator
    try:
        approval = await console.run(
            lambda: console.decide(approval_id, approve=approve, operator=operator, reason=form.get("reason"))
        )
    except SkillError as exc:
        return _problem(exc, session)
    verb = "Approved" if approve else "Denied"
    session.flash = f"{verb} {approval.id} ({approval.tool}): {approval.summary}"
    return RedirectResponse(t.approval_path(approval.id), status_code=303)


async def approve(request: Request) -> Response:
    return await _decide(request, approve=True)


async def deny(request: Request) -> Response:
    return await _decide(request, approve=False)


async def audit(request: Request) -> Response:
    session = _session(request)
    if session is None:
        return _to_login(request)
    console = _console(request)
    try:
        limit = parse_limit(request.query_params.get("n"))
    except SkillError as exc:
        return _problem(exc, session)
    tool = (request.query_params.get("tool") or "")[:MAX_TOOL_CHARS]
    entries = await console.run(lambda: console.stores.audit.tail(limit, tool=tool or None))
    return HTMLResponse(t.audit_page(entries, session, limit, tool))


async def http_error(request: Request, exc: Exception) -> Response:
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    message = "There is no such page." if status == 404 else "The console could not answer that request."
    if request.url.path.startswith("/api/"):
        return api.error_response_for(status, message)
    return HTMLResponse(t.problem_page("Not found" if status == 404 else "Error", message, [], None), status)


def build_console_app(
    settings: Settings,
    stores: Stores | None = None,
    *,
    host: str = "127.0.0.1",
    token: str | None = None,
    allowed_hosts: Iterable[str] = (),
) -> ASGIApp:
    """The console over the settings' stores (or the given ones), guarded by the operator token.

    Without a token, the one in `<home>/console-token` is used, created on first use. Host names
    accepted are the loopback names, the bound host, the host of TWILIO_SKILL_CONSOLE_URL and
    `allowed_hosts`.
    """
    owns_stores = stores is None
    opened = stores or Stores.open(settings.db_path, settings.secret_values())
    console = Console(
        settings=settings,
        stores=opened,
        token=token or load_or_create_console_token(settings.home)[0],
        allowed_hosts=allowed_host_names(host, settings.console_url, allowed_hosts),
        owns_stores=owns_stores,
    )

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        try:
            yield
        finally:
            if console.owns_stores:
                console.stores.close()

    routes = [
        Route("/login", login_form, methods=["GET"]),
        Route("/login", login, methods=["POST"]),
        Route("/logout", logout, methods=["POST"]),
        Route("/", index, methods=["GET"]),
        Route("/approvals/{approval_id}", approval_detail, methods=["GET"]),
        Route("/approvals/{approval_id}/approve", approve, methods=["POST"]),
        Route("/approvals/{approval_id}/deny", deny, methods=["POST"]),
        Route("/audit", audit, methods=["GET"]),
        *api.ROUTES,
    ]
    app = Starlette(
        routes=routes,
        lifespan=lifespan,
        exception_handlers={HTTPException: http_error, Exception: http_error},
    )
    app.state.console = console
    return HostGuard(app, console.allowed_hosts)
