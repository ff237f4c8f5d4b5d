"""What a notification about an approval request says, per kind of target.

One `Notice` is made per event, from the request as stored: every value an agent, Twilio or an
operator wrote is escaped (skill.core.display) and bounded, phone numbers are masked unless the
policy says otherwise, and nothing secret is in it (arguments are left out; the summary and impact
already describe the call). The webhook body is signed with HMAC-SHA256 over
`<timestamp>.<body>`, sent as

    X-Twilio-Skill-Timestamp: 1767225600
    X-Twilio-Skill-Signature: v1=<hex digest>

so a receiver recomputes the digest with the shared key, compares in constant time, and refuses a
timestamp more than a few minutes old.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from skill.core.display import escape_text, terminal_line
from skill.records.approvals import Approval
from skill.redaction import mask_phone

TIMESTAMP_HEADER = "X-Twilio-Skill-Timestamp"
SIGNATURE_HEADER = "X-Twilio-Skill-Signature"
EVENT_HEADER = "X-Twilio-Skill-Event"
SUMMARY_CHARS = 500
VALUE_CHARS = 200
SMS_CHARS = 320
MAX_ROWS = 10
HEADLINES = {
    "requested": "Approval needed",
    "approved": "Approved",
    "denied": "Denied",
}


def _iso(ts: float | None) -> str | None:
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="seconds") if ts is not None else None


@dataclass(frozen=True)
class Notice:
    """One event about one request, safe to send anywhere."""

    event: str  # requested | decided
    approval_id: str
    tool: str
    status: str
    summary: str
    impact: tuple[tuple[str, str], ...]
    requested_by: str | None
    decided_by: str | None
    reason: str | None
    created_at: str | None
    expires_at: str | None
    console_url: str | None

    @property
    def headline(self) -> str:
        """E.g. "Approval needed: number_release"."""
        key = "requested" if self.event == "requested" else self.status
        return f"{HEADLINES.get(key, self.status.capitalize())}: {self.tool}"

    def as_json(self) -> dict[str, Any]:
        return {
            "event": f"approval.{self.event}",
            "approval": {
                "id": self.approval_id,
                "tool": self.tool,
                "status": self.status,
                "summary": self.summary,
                "impact": [{"label": label, "value": value} for label, value in self.impact],
                "requested_by": self.requested_by,
                "decided_by": self.decided_by,
                "reason": self.reason,
                "created_at": self.created_at,
                "expires_at": self.expires_at,
                "console_url": self.console_url,
            },
        }


def notice_of(approval: Approval, event: str, *, now: float, console_url: str | None, mask: bool) -> Notice:
    """The notice for a request, escaped, bounded and (when `mask`) with phone numbers masked."""

    def safe(value: str | None, limit: int = VALUE_CHARS) -> str | None:
        if value is None:
            return None
        text = terminal_line(value, limit)
        return mask_phone(text) if mask else text

    rows = approval.impact.rows()[:MAX_ROWS] if approval.impact is not None else []
    return Notice(
        event=event,
        approval_id=approval.id,
        tool=escape_text(approval.tool, 64),
        status=approval.effective_status(now),
        summary=safe(approval.summary, SUMMARY_CHARS) or "",
        impact=tuple((safe(label, 80) or "", safe(value) or "") for label, value in rows),
        requested_by=safe(approval.requested_by, 64),
        decided_by=safe(approval.decided_by, 80),
        reason=safe(approval.reason),
        created_at=_iso(approval.created_at),
        expires_at=_iso(approval.expires_at),
        console_url=console_url,
    )


def webhook_body(notice: Notice, sent_at: float) -> bytes:
    payload = {**notice.as_json(), "sent_at": _iso(sent_at)}
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def signature(key: bytes, timestamp: str, body: bytes) -> str:
    """The value of X-Twilio-Skill-Signature for a body sent at `timestamp` (Unix seconds, as sent)."""
    digest = hmac.new(key, timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"v1={digest}"


def verify_signature(key: bytes, timestamp: str, body: bytes, header: str) -> bool:
    """What a receiver does: recompute and compare in constant time."""
    return hmac.compare_digest(signature(key, timestamp, body), header)


def _slack_text(value: str) -> str:
    # Slack reads &, < and > as markup (links, @channel mentions) in every text object; these three
    # escapes are what it decodes back for display.
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slack_payload(notice: Notice) -> dict[str, Any]:
    """A Block Kit message: headline, summary, impact, who asked or decided, and a console link."""
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": _slack_text(notice.headline)[:150]}},
        {"type": "section", "text": {"type": "plain_text", "text": _slack_text(notice.summary) or "-"}},
    ]
    if notice.impact:
        fields = [
            {"type": "plain_text", "text": _slack_text(f"{label}: {value}")[:2000]} for label, value in notice.impact
        ]
        blocks.append({"type": "section", "fields": fields[:MAX_ROWS]})
    facts = [f"request {notice.approval_id}", f"status {notice.status}"]
    if notice.requested_by:
        facts.append(f"asked by agent {notice.requested_by}")
    if notice.decided_by:
        facts.append(f"decided by {notice.decided_by}")
    if notice.reason:
        facts.append(f"reason: {notice.reason}")
    if notice.event == "requested" and notice.expires_at:
        facts.append(f"expires {notice.expires_at}")
    blocks.append({"type": "context", "elements": [{"type": "plain_text", "text": _slack_text(" · ".join(facts))}]})
    if notice.console_url:
        button = {"type": "button", "text": {"type": "plain_text", "text": "Open in the console"}}
        blocks.append({"type": "actions", "elements": [{**button, "url": notice.console_url}]})
    return {"text": _slack_text(f"{notice.headline}: {notice.summary}")[:3000], "blocks": blocks}


def email_message(notice: Notice) -> tuple[str, str]:
    """(subject, plain-text body)."""
    subject = f"twilio-skill: {notice.headline} ({notice.approval_id})"
    lines = [notice.headline, "", notice.summary, ""]
    lines += [f"{label}: {value}" for label, value in notice.impact]
    lines += ["", f"Request: {notice.approval_id} ({notice.status})"]
    if notice.requested_by:
        lines.append(f"Asked by agent: {notice.requested_by}")
    if notice.decided_by:
        lines.append(f"Decided by: {notice.decided_by}")
    if notice.reason:
        lines.append(f"Reason: {notice.reason}")
    if notice.event == "requested":
        lines.append(f"Approve: twilio-skill approvals approve {notice.approval_id}")
    if notice.console_url:
        lines.append(f"Console: {notice.console_url}")
    return subject, "\n".join(lines)


def sms_text(notice: Notice) -> str:
    """At most two segments: the headline, the summary cut short, the request id and the console link."""
    tail = f" ({notice.approval_id})" + (f" {notice.console_url}" if notice.console_url else "")
    room = SMS_CHARS - len(notice.headline) - len(tail) - 2
    summary = notice.summary if len(notice.summary) <= room else notice.summary[: max(room - 1, 0)] + "…"
    return f"{notice.headline}: {summary}{tail}"
