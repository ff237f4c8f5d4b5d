"""What the console's page routes share: the session of a request, forms, redirects and refusals."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl, quote

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse

from skill.console.auth import SESSION_COOKIE, Session
from skill.console.state import Console, http_status_of
from skill.console.views import render
from skill.errors import SkillError

MAX_FORM_BYTES = 16 * 1024
# Only a local path may follow a login, so the form cannot be used to send someone elsewhere.
LOCAL_PATH = re.compile(r"/(?![/\\])[A-Za-z0-9_.~/?=&%+-]*")


def console_of(request: Request) -> Console:
    console = request.app.state.console
    assert isinstance(console, Console)
    return console


async def session_of(request: Request) -> Session | None:
    """The request's live session; None when absent, expired, or its credential was rotated or revoked."""
    console = console_of(request)
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        return None
    return await console.run(lambda: console.session_for(cookie))


def to_login(request: Request) -> RedirectResponse:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse("/login?next=" + quote(target, safe=""), status_code=303)


def local_path(candidate: str | None) -> str:
    return candidate if candidate and LOCAL_PATH.fullmatch(candidate) else "/"


async def read_form(request: Request) -> dict[str, str]:
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


def page(template: str, session: Session | None, status_code: int = 200, **context: Any) -> HTMLResponse:
    return HTMLResponse(render(template, session, **context), status_code=status_code)


def problem_page(
    title: str, message: str, remediation: list[str], session: Session | None, status_code: int
) -> HTMLResponse:
    """A refusal explained: what went wrong and what to do next, never a traceback."""
    return page("problem.html", session, status_code, title=title, message=message, remediation=remediation, nav="")


def problem(error: SkillError, session: Session | None) -> HTMLResponse:
    status = http_status_of(error)
    title = "Not found" if status == 404 else "Not done"
    return problem_page(title, error.message, error.remediation, session, status)


def csrf_refused(session: Session | None) -> HTMLResponse:
    return problem_page(
        "Refused",
        "This form is missing its security token, or the token is stale; nothing was changed.",
        ["Reload the page and submit the form again."],
        session,
        403,
    )
