"""The console's HTML, as small functions; every value from the store passes through `esc`."""

from __future__ import annotations

import html
import json
import time
from collections.abc import Iterable
from datetime import UTC, datetime
from urllib.parse import quote

from skill.console.auth import Session
from skill.records.approvals import Approval
from skill.records.audit import AuditEntry

STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 72rem; padding: 0 1rem; color: #222; }
nav { display: flex; gap: 1rem; align-items: center; border-bottom: 1px solid #ccc; padding-bottom: .5rem; }
nav form { margin-left: auto; }
table { border-collapse: collapse; width: 100%; margin-top: 1rem; }
th, td { text-align: left; padding: .35rem .5rem; border-bottom: 1px solid #eee; vertical-align: top; }
pre { background: #f6f6f6; padding: .75rem; overflow-x: auto; }
.flash { background: #eef7ee; border: 1px solid #9c9; padding: .5rem .75rem; }
.problem { background: #fbeeee; border: 1px solid #c99; padding: .5rem .75rem; }
.inline { display: inline; }
""".strip()

STATUS_FILTERS = ("pending", "approved", "denied", "used", "expired", "all")


def esc(value: object) -> str:
    """HTML-escape any value, quotes included; None shows as a dash."""
    return html.escape("-" if value is None else str(value), quote=True)


def iso(ts: float | None) -> str:
    """A UTC timestamp, to the second; '-' when absent."""
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="seconds") if ts else "-"


def approval_path(approval_id: str, action: str = "") -> str:
    """The console path of one request (the path the approval block's console_url names)."""
    path = "/approvals/" + quote(approval_id, safe="")
    return f"{path}/{action}" if action else path


def page(title: str, body: str, session: Session | None = None) -> str:
    """A whole document: navigation and logout when logged in, any pending flash message shown once."""
    nav = ""
    flash = ""
    if session is not None:
        nav = (
            "<nav><a href='/'>Pending</a><a href='/?status=all'>All requests</a><a href='/audit'>Audit log</a>"
            f"<span>signed in as {esc(session.operator)}</span>"
            f"<form class='inline' method='post' action='/logout'>{csrf_field(session)}"
            "<button type='submit'>Log out</button></form></nav>"
        )
        if session.flash:
            flash = f"<p class='flash'>{esc(session.flash)}</p>"
            session.flash = None
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{esc(title)} · twilio-skill console</title><style>{STYLE}</style></head>"
        f"<body>{nav}{flash}<h1>{esc(title)}</h1>{body}</body></html>"
    )


def csrf_field(session: Session) -> str:
    return f"<input type='hidden' name='csrf' value='{esc(session.csrf)}'>"


def login_page(next_path: str = "", problem: str | None = None) -> str:
    """The token form."""
    notice = f"<p class='problem'>{esc(problem)}</p>" if problem else ""
    body = (
        f"{notice}<p>Paste the operator token from the file <code>console-token</code> in the "
        "twilio-skill home directory.</p>"
        "<form method='post' action='/login'>"
        f"<input type='hidden' name='next' value='{esc(next_path)}'>"
        "<p><label>Token <input type='password' name='token' autocomplete='current-password' required></label></p>"
        "<p><label>Your name <input type='text' name='operator' maxlength='80' placeholder='console'></label></p>"
        "<p><button type='submit'>Log in</button></p></form>"
    )
    return page("Log in", body)


def decision_forms(approval: Approval, session: Session, *, show_name: bool) -> str:
    """Approve and Deny buttons for a pending request; deny asks for a reason."""
    name = (
        f"<label>Your name <input type='text' name='operator' maxlength='80' value='{esc(session.operator)}'></label> "
        if show_name
        else f"<input type='hidden' name='operator' value='{esc(session.operator)}'>"
    )
    return (
        f"<form class='inline' method='post' action='{esc(approval_path(approval.id, 'approve'))}'>"
        f"{csrf_field(session)}{name}<button type='submit'>Approve</button></form> "
        f"<form class='inline' method='post' action='{esc(approval_path(approval.id, 'deny'))}'>"
        f"{csrf_field(session)}{name}"
        "<input type='text' name='reason' placeholder='reason' maxlength='500' required> "
        "<button type='submit'>Deny</button></form>"
    )


def approvals_page(items: Iterable[Approval], session: Session, status: str) -> str:
    """Requests in one status (pending by default), newest first, with their decision buttons."""
    rows = []
    for item in items:
        actions = (
            decision_forms(item, session, show_name=False) if item.effective_status(time.time()) == "pending" else ""
        )
        rows.append(
            f"<tr><td><a href='{esc(approval_path(item.id))}'>{esc(item.id)}</a></td><td>{esc(item.tool)}</td>"
            f"<td>{esc(item.summary)}</td><td>{esc(iso(item.created_at))}</td><td>{esc(iso(item.expires_at))}</td>"
            f"<td>{esc(item.effective_status(time.time()))}</td><td>{actions}</td></tr>"
        )
    filters = " · ".join(f"<a href='/?status={esc(name)}'>{esc(name)}</a>" for name in STATUS_FILTERS)
    table = (
        "<table><tr><th>id</th><th>tool</th><th>summary</th><th>created (UTC)</th><th>expires (UTC)</th>"
        f"<th>status</th><th></th></tr>{''.join(rows)}</table>"
        if rows
        else f"<p>No {esc('' if status == 'all' else status)} approval requests.</p>"
    )
    title = "Pending approvals" if status == "pending" else f"Approval requests: {status}"
    return page(title, f"<p>Show: {filters}</p>{table}", session)


def approval_page(approval: Approval, session: Session) -> str:
    """Everything about one request, including the exact (redacted) arguments that would run."""
    try:
        arguments = json.dumps(json.loads(approval.args_json), indent=2, sort_keys=True)
    except ValueError:
        arguments = approval.args_json
    fields = [
        ("tool", approval.tool),
        ("status", approval.effective_status(time.time())),
        ("summary", approval.summary),
        ("profile", approval.profile),
        ("created (UTC)", iso(approval.created_at)),
        ("expires (UTC)", iso(approval.expires_at)),
        ("decided (UTC)", iso(approval.decided_at)),
        ("decided by", approval.decided_by),
        ("reason", approval.reason),
        ("used (UTC)", iso(approval.used_at)),
    ]
    rows = "".join(f"<tr><th>{esc(label)}</th><td>{esc(value)}</td></tr>" for label, value in fields)
    actions = ""
    if approval.effective_status(time.time()) == "pending":
        actions = f"<h2>Decide</h2><p>{decision_forms(approval, session, show_name=True)}</p>"
    body = f"<table>{rows}</table><h2>Arguments</h2><pre>{esc(arguments)}</pre>{actions}"
    return page(f"Approval {approval.id}", body, session)


def audit_page(entries: Iterable[AuditEntry], session: Session, limit: int, tool: str) -> str:
    """The newest audit entries, oldest of them first, as `twilio-skill audit tail` shows them."""
    rows = "".join(
        f"<tr><td>{esc(iso(entry.ts))}</td><td>{esc(entry.event)}</td><td>{esc(entry.tool)}</td>"
        f"<td>{esc(entry.outcome)}</td><td>{esc(entry.approval_id)}</td>"
        f"<td><code>{esc(json.dumps(entry.detail, sort_keys=True))}</code></td></tr>"
        for entry in entries
    )
    form = (
        "<form method='get' action='/audit'>"
        f"<label>Entries <input type='number' name='n' min='1' max='1000' value='{esc(limit)}'></label> "
        f"<label>Tool <input type='text' name='tool' value='{esc(tool)}'></label> "
        "<button type='submit'>Show</button></form>"
    )
    table = (
        "<table><tr><th>time (UTC)</th><th>event</th><th>tool</th><th>outcome</th><th>approval</th>"
        f"<th>detail</th></tr>{rows}</table>"
        if rows
        else "<p>No audit entries.</p>"
    )
    return page("Audit log", form + table, session)


def problem_page(title: str, message: str, remediation: Iterable[str], session: Session | None) -> str:
    """A refusal explained: what went wrong and what to do next, never a traceback."""
    steps = "".join(f"<li>{esc(step)}</li>" for step in remediation)
    body = f"<p class='problem'>{esc(message)}</p>" + (f"<ul>{steps}</ul>" if steps else "")
    return page(title, body + "<p><a href='/'>Back to pending approvals</a></p>", session)
