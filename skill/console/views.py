"""The console's pages: Jinja2 templates (HTML-escaped by default) and the filters they use.

Every value that came from an agent or from Twilio goes through `visible` (or `block` for
multi-line text) before Jinja2 escapes it for HTML: control, format and bidi characters become
visible escapes, so a summary cannot hide or reorder what the operator reads.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from functools import cache
from typing import Any
from urllib.parse import quote, urlencode

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from skill.console.auth import Session
from skill.core.display import escape_text, terminal_line
from skill.records.approvals import Approval

SHORT_TEXT = 300
LONG_TEXT = 4000
BLOCK_LINE = 2000


def visible(value: object, limit: int = SHORT_TEXT) -> str:
    """One line, controls and invisible characters shown as escapes; None as a dash."""
    return "-" if value is None else escape_text(value, limit)


def already_escaped(value: object, limit: int = SHORT_TEXT) -> str:
    """A summary, escaped when it was made: shown as one line with any backslash left as it is."""
    return "-" if value is None else terminal_line(value, limit)


def block(text: object) -> str:
    """Multi-line text (pretty JSON) with each line made visible; the line breaks themselves kept."""
    return "\n".join(escape_text(line, BLOCK_LINE) for line in str(text).split("\n"))


def pretty_json(value: object) -> str:
    """JSON indented for reading; a string that is not JSON is shown as it is."""
    if isinstance(value, str):
        try:
            parsed: object = json.loads(value)
        except ValueError:
            return value
        return json.dumps(parsed, indent=2, sort_keys=True, ensure_ascii=False)
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False)


def iso(ts: float | None) -> str:
    """A UTC timestamp, to the second; '-' when absent."""
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="seconds") if ts else "-"


def when(ts: float | None) -> str:
    """A UTC time for people: 2025-05-20 14:03:09 UTC."""
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M:%S UTC") if ts else "-"


def span(seconds: float) -> str:
    """A duration, coarse (so the live list changes at most once a minute): <1 min, 12 min, 3 h 5 min, 2 d 4 h."""
    whole = max(0, int(seconds))
    if whole < 60:
        return "<1 min"
    minutes = whole // 60
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h" if hours else f"{days} d"


def age(approval: Approval, now: float | None = None) -> str:
    return span((now or time.time()) - approval.created_at)


def status_of(approval: Approval, now: float | None = None) -> str:
    """The status a person sees: an undecided or unused request past its expiry reads 'expired'."""
    return approval.effective_status(now or time.time())


def expiry(approval: Approval, now: float | None = None) -> str:
    """Time left to decide or use the request, or what became of it."""
    status = status_of(approval, now)
    if status in ("pending", "approved"):
        return "in " + span(approval.expires_at - (now or time.time()))
    return "expired" if status == "expired" else "-"


def approval_path(approval_id: str, action: str = "") -> str:
    """The console path of one request (the path the approval block's console_url names)."""
    path = "/approvals/" + quote(approval_id, safe="")
    return f"{path}/{action}" if action else path


def arguments_of(approval: Approval) -> str:
    return pretty_json(approval.args_json)


def query(**params: object) -> str:
    """A query string of the non-empty parameters, for filter and paging links."""
    return urlencode({key: value for key, value in params.items() if value not in (None, "")})


@cache
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("skill.console", "templates"),
        autoescape=select_autoescape(["html"], default_for_string=True, default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        visible=visible, summary=already_escaped, block=block, pretty_json=pretty_json, iso=iso, when=when
    )
    env.globals.update(
        approval_path=approval_path,
        age=age,
        expiry=expiry,
        status_of=status_of,
        arguments_of=arguments_of,
        query=query,
        LONG_TEXT=LONG_TEXT,
    )
    return env


def render(template: str, session: Session | None = None, **context: Any) -> str:
    """A page, with the session's one-time flash message taken for it."""
    flash = None
    if session is not None and session.flash:
        flash, session.flash = session.flash, None
    return environment().get_template(template).render(session=session, flash=flash, **context)


def render_fragment(template: str, **context: Any) -> str:
    """A piece of a page (the rows the list refreshes), without layout or flash."""
    return environment().get_template(template).render(**context)
