"""The operator web console as an ASGI app.

    GET  /login, POST /login          an operator credential -> a session cookie
    POST /logout
    GET  /?status=&tool=&n=           requests (pending by default), kept current by console.js
    GET  /fragments/approvals?...     the rows of that list, for console.js
    GET  /approvals/{id}              one request: summary, impact, arguments, decision forms
    GET  /approvals/{id}/approve      confirmation showing the arguments; POST approves (form: csrf)
    GET  /approvals/{id}/deny         the reason form; POST denies (form: csrf, reason)
    GET  /audit, /audit/export.jsonl  the audit log (skill.console.audit_pages)
    /api/...                          the JSON API (skill.console.api), operator credential as bearer
    GET  /static/console.css|.js      the only script and style, vendored (no inline script or style)

The decider is always the operator of the session; no form field names anyone. Every request
must name this server in Host, and posts must come from its own origin (skill.console.guard).
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from functools import cache
from importlib.resources import files

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp

from skill.config import Settings
from skill.console import api, audit_pages
from skill.console.auth import SESSION_COOKIE, SESSION_SECONDS, csrf_matches
from skill.console.guard import HostGuard
from skill.console.state import MAX_TOOL_CHARS, STATUSES, Console, parse_limit, parse_status
from skill.console.views import approval_path, render_fragment
from skill.console.web import (
    console_of,
    csrf_refused,
    local_path,
    page,
    problem,
    problem_page,
    read_form,
    session_of,
    to_login,
)
from skill.errors import SkillError
from skill.net import allowed_host_names
from skill.stores.sqlite import Stores

STATIC_TYPES = {"console.css": "text/css; charset=utf-8", "console.js": "text/javascript; charset=utf-8"}
DEFAULT_LIST = 100


async def login_form(request: Request) -> Response:
    if await session_of(request) is not None:
        return RedirectResponse(local_path(request.query_params.get("next")), status_code=303)
    return page("login.html", None, title="Log in", next_path=local_path(request.query_params.get("next")), problem="")


async def login(request: Request) -> Response:
    console = console_of(request)
    form = await read_form(request)
    next_path = local_path(form.get("next"))
    credential = form.get("credential", "")
    started = await console.run(lambda: console.log_in(credential))
    if started is None:
        message = "That is not a valid operator credential (unknown, rotated or revoked)."
        return page("login.html", None, 401, title="Log in", next_path=next_path, problem=message)
    console.sessions.end(request.cookies.get(SESSION_COOKIE))
    cookie, _ = started
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
    session = await session_of(request)
    if session is None:
        return RedirectResponse("/login", status_code=303)
    if not csrf_matches(session, (await read_form(request)).get("csrf")):
        return csrf_refused(session)
    console_of(request).sessions.end(request.cookies.get(SESSION_COOKIE))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


def _list_query(request: Request) -> tuple[str, str | None, int]:
    """(status filter as shown, tool or None, limit) of the list's query string.

    Raises:
        InputError: an unknown status or a bad count.
    """
    shown = request.query_params.get("status") or "pending"
    parse_status(shown)
    tool = (request.query_params.get("tool") or "")[:MAX_TOOL_CHARS] or None
    return shown, tool, parse_limit(request.query_params.get("n"), DEFAULT_LIST)


async def index(request: Request) -> Response:
    session = await session_of(request)
    if session is None:
        return to_login(request)
    console = console_of(request)
    try:
        shown, tool, limit = _list_query(request)
    except SkillError as exc:
        return problem(exc, session)
    items = await console.run(lambda: console.list_requests(parse_status(shown), tool, limit))
    tools = await console.run(console.request_tools)
    title = "Pending requests" if shown == "pending" else ("All requests" if shown == "all" else f"Requests: {shown}")
    return page(
        "approvals.html",
        session,
        title=title,
        nav="pending" if shown == "pending" else ("history" if shown == "all" else ""),
        items=items,
        statuses=(*STATUSES, "all"),
        status_filter=shown,
        tool=tool or "",
        tools=tools,
        limit=limit,
        now=time.time(),
    )


async def approval_rows(request: Request) -> Response:
    """The rows of the list, for the page's script; 401 once the session is gone, so it reloads."""
    session = await session_of(request)
    if session is None:
        return PlainTextResponse("Log in again.", status_code=401)
    console = console_of(request)
    try:
        shown, tool, limit = _list_query(request)
    except SkillError as exc:
        return PlainTextResponse(exc.message, status_code=400)
    items = await console.run(lambda: console.list_requests(parse_status(shown), tool, limit))
    html = render_fragment("_approval_rows.html", items=items, status_filter=shown, tool=tool or "", now=time.time())
    return HTMLResponse(html)


async def approval_detail(request: Request) -> Response:
    session = await session_of(request)
    if session is None:
        return to_login(request)
    console = console_of(request)
    approval_id = request.path_params["approval_id"]
    try:
        approval = await console.run(lambda: console.get(approval_id))
    except SkillError as exc:
        return problem(exc, session)
    return page("approval.html", session, title=f"Request {approval.id}", nav="", approval=approval, now=time.time())


def _action(request: Request) -> str:
    """Raises:
    HTTPException: 404 for anything but approve or deny.
    """
    action = str(request.path_params["action"])
    if action not in ("approve", "deny"):
        raise HTTPException(404)
    return action


async def confirm(request: Request) -> Response:
    """Before a decision taken from the list: the arguments, and approve (or a reason to deny)."""
    session = await session_of(request)
    if session is None:
        return to_login(request)
    console = console_of(request)
    approval_id = request.path_params["approval_id"]
    action = _action(request)
    try:
        approval = await console.run(lambda: console.get(approval_id))
    except SkillError as exc:
        return problem(exc, session)
    if console.status_of(approval) != "pending":
        return RedirectResponse(approval_path(approval.id), status_code=303)
    title = "Approve this request?" if action == "approve" else "Deny this request"
    return page("confirm.html", session, title=title, nav="", approval=approval, action=action, now=time.time())


async def decide(request: Request) -> Response:
    session = await session_of(request)
    if session is None:
        return to_login(request)
    approve = _action(request) == "approve"
    form = await read_form(request)
    if not csrf_matches(session, form.get("csrf")):
        return csrf_refused(session)
    console = console_of(request)
    approval_id = request.path_params["approval_id"]
    operator = session.operator
    try:
        approval = await console.run(
            lambda: console.decide(
                approval_id, approve=approve, operator=operator, reason=form.get("reason"), via="console"
            )
        )
    except SkillError as exc:
        return problem(exc, session)
    verb = "Approved" if approve else "Denied"
    session.flash = f"{verb} {approval.id} ({approval.tool}) as {operator}: {approval.summary}"
    return RedirectResponse(approval_path(approval.id), status_code=303)


@cache
def _static_text(name: str) -> str:
    return files("skill.console").joinpath("static", name).read_text(encoding="utf-8")


async def static(request: Request) -> Response:
    name = request.path_params["name"]
    if name not in STATIC_TYPES:
        raise HTTPException(404)
    return Response(_static_text(name), media_type=STATIC_TYPES[name])


async def favicon(_: Request) -> Response:
    return Response(status_code=204)


async def http_error(request: Request, exc: Exception) -> Response:
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    message = "There is no such page." if status == 404 else "The console could not answer that request."
    if request.url.path.startswith("/api/"):
        return api.error_response_for(status, message)
    return problem_page("Not found" if status == 404 else "Error", message, [], None, status)


def build_console_app(
    settings: Settings,
    stores: Stores | None = None,
    *,
    host: str = "127.0.0.1",
    allowed_hosts: Iterable[str] = (),
) -> ASGIApp:
    """The console over the settings' stores (or the given ones); operators log in with their credentials.

    Host names accepted are the loopback names, the bound host, the host of
    TWILIO_SKILL_CONSOLE_URL and `allowed_hosts`.
    """
    owns_stores = stores is None
    opened = stores or Stores.open(settings.database, settings.secret_values())
    console = Console(
        settings=settings,
        stores=opened,
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
        Route("/fragments/approvals", approval_rows, methods=["GET"]),
        Route("/approvals/{approval_id}", approval_detail, methods=["GET"]),
        Route("/approvals/{approval_id}/{action:str}", confirm, methods=["GET"]),
        Route("/approvals/{approval_id}/{action:str}", decide, methods=["POST"]),
        *audit_pages.ROUTES,
        *api.ROUTES,
        Route("/static/{name}", static, methods=["GET"]),
        Route("/favicon.ico", favicon, methods=["GET"]),
    ]
    app = Starlette(
        routes=routes,
        lifespan=lifespan,
        exception_handlers={HTTPException: http_error, Exception: http_error},
    )
    app.state.console = console
    return HostGuard(app, console.allowed_hosts, settings.console_url)
