"""The audit log in the console: newest first, filtered, a page at a time, and exported as JSON Lines.

    GET /audit?tool=&outcome=&approval=&since=&until=&n=&before=
    GET /audit/export.jsonl?tool=&outcome=&approval=&since=&until=

Times are UTC, written as the browser's datetime-local field sends them (2025-05-20T14:03) or
as ISO 8601 with an offset; a bare date in `until` includes that whole day.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from skill.console.state import MAX_TOOL_CHARS, parse_limit
from skill.console.views import iso, query
from skill.console.web import console_of, page, problem, session_of, to_login
from skill.errors import InputError, SkillError
from skill.records.audit import AuditEntry, AuditFilter

MAX_FIELD_CHARS = 64
MAX_TIME_CHARS = 40


@dataclass(frozen=True)
class AuditForm:
    """The filter fields as given, to show them again in the form and carry them into links."""

    tool: str = ""
    outcome: str = ""
    approval: str = ""
    since: str = ""
    until: str = ""

    def query(self) -> str:
        return query(tool=self.tool, outcome=self.outcome, approval=self.approval, since=self.since, until=self.until)


def parse_time(raw: str, *, end_of_day: bool = False) -> float | None:
    """Unix seconds of an ISO 8601 date or date-time (UTC unless it says otherwise); None when empty.

    Raises:
        InputError: not a date or date-time.
    """
    text = raw.strip()
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise InputError(
            f"{text[:MAX_TIME_CHARS]!r} is not a date or time.",
            code="input.invalid_time",
            remediation=["Write e.g. 2025-05-20 or 2025-05-20T14:03 (UTC)."],
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    if end_of_day and len(text) == len("2025-05-20"):
        moment += timedelta(days=1)
    return moment.timestamp()


def parse_filter(request: Request) -> tuple[AuditForm, AuditFilter]:
    """Raises:
    InputError: a bad time, or a time range that ends before it starts.
    """
    params = request.query_params
    form = AuditForm(
        tool=(params.get("tool") or "")[:MAX_TOOL_CHARS],
        outcome=(params.get("outcome") or "")[:MAX_FIELD_CHARS],
        approval=(params.get("approval") or "").strip()[:MAX_FIELD_CHARS],
        since=(params.get("since") or "")[:MAX_TIME_CHARS],
        until=(params.get("until") or "")[:MAX_TIME_CHARS],
    )
    since = parse_time(form.since)
    until = parse_time(form.until, end_of_day=True)
    if since is not None and until is not None and until <= since:
        raise InputError(
            "The time range ends before it starts.",
            code="input.invalid_time_range",
            remediation=["Put the earlier time in From and the later one in Until."],
        )
    where = AuditFilter(
        tool=form.tool or None,
        outcome=form.outcome or None,
        approval_id=form.approval or None,
        since=since,
        until=until,
    )
    return form, where


def parse_before(raw: str | None) -> int | None:
    """Raises:
    InputError: not a positive whole number.
    """
    if not raw:
        return None
    if not raw.isdigit() or len(raw) > 18:
        raise InputError("before must be an audit entry id.", code="input.invalid_cursor", remediation=[])
    return int(raw)


def entry_json(entry: AuditEntry) -> dict[str, object]:
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


async def audit(request: Request) -> Response:
    session = await session_of(request)
    if session is None:
        return to_login(request)
    console = console_of(request)
    try:
        form, where = parse_filter(request)
        limit = parse_limit(request.query_params.get("n"))
        before = parse_before(request.query_params.get("before"))
    except SkillError as exc:
        return problem(exc, session)
    # One extra entry tells whether an older page exists.
    entries = await console.run(lambda: console.audit_page(where, before, limit + 1))
    tools, outcomes = await console.run(console.audit_choices)
    older = ""
    if len(entries) > limit:
        entries = entries[:limit]
        older = "&".join(part for part in (form.query(), query(n=limit, before=entries[-1].id)) if part)
    return page(
        "audit.html",
        session,
        title="Audit log",
        nav="audit",
        entries=entries,
        form=form,
        tools=tools,
        outcomes=outcomes,
        limit=limit,
        before=before,
        older=older,
        filter_query=form.query(),
    )


async def export(request: Request) -> Response:
    session = await session_of(request)
    if session is None:
        return to_login(request)
    console = console_of(request)
    try:
        _, where = parse_filter(request)
    except SkillError as exc:
        return problem(exc, session)

    def lines() -> Iterator[str]:
        for batch in console.audit_export(where):
            yield "".join(json.dumps(entry_json(entry), sort_keys=True) + "\n" for entry in batch)

    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    return StreamingResponse(
        lines(),
        media_type="application/jsonl",
        headers={"content-disposition": f'attachment; filename="twilio-skill-audit-{stamp}.jsonl"'},
    )


ROUTES = [
    Route("/audit", audit, methods=["GET"]),
    Route("/audit/export.jsonl", export, methods=["GET"]),
]
