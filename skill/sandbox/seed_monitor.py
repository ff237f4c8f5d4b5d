"""The sandbox's seeded Monitor alerts: delivery failures, a failing webhook, an opt-out refusal, a
TwiML warning. They are placed relative to the sandbox clock, so some always fall in the last 24 hours."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlencode

from skill.config import SANDBOX_ACCOUNT_SID
from skill.sandbox.state import make_sid

if TYPE_CHECKING:
    from skill.sandbox.state import SandboxState

# (error code, log level, hours ago, request url, method, response status, response body, resource prefix, text)
SEEDED: tuple[tuple[str, str, float, str | None, str | None, int | None, str | None, str, str], ...] = (
    (
        "11200",
        "error",
        1.5,
        "https://hooks.example.invalid/sms",
        "POST",
        502,
        "<html><body>Bad Gateway</body></html>",
        "SM",
        "An attempt to retrieve content from https://hooks.example.invalid/sms returned the HTTP status code 502",
    ),
    (
        "11200",
        "error",
        4.0,
        "https://hooks.example.invalid/sms",
        "POST",
        502,
        "<html><body>Bad Gateway</body></html>",
        "SM",
        "An attempt to retrieve content from https://hooks.example.invalid/sms returned the HTTP status code 502",
    ),
    ("30003", "error", 6.0, None, None, None, None, "SM", "Unreachable destination handset"),
    (
        "21610",
        "error",
        9.0,
        f"https://api.twilio.com/2010-04-01/Accounts/{SANDBOX_ACCOUNT_SID}/Messages.json",
        "POST",
        400,
        '{"code": 21610, "message": "Attempt to send to unsubscribed recipient", "status": 400}',
        "SM",
        "Attempt to send to unsubscribed recipient",
    ),
    ("30007", "error", 30.0, None, None, None, None, "SM", "Message filtered by the carrier"),
    (
        "12200",
        "warning",
        3.0,
        "https://example.com/voice",
        "POST",
        200,
        "<Response><Sya>Hello</Sya></Response>",
        "CA",
        "Schema validation warning: element 'Sya' is not allowed",
    ),
)


def seed_alerts(state: SandboxState) -> None:
    """A handful of alerts of the parent account: delivery failures, a webhook error, an opt-out refusal."""
    now = state.clock.now()
    for index, (code, level, hours, url, method, status, body, prefix, text) in enumerate(SEEDED):
        sid = make_sid("NO", "seed", "alert", index)
        generated = now - hours * 3600
        fields: dict[str, str] = {"Msg": text, "sourceComponent": "14100", "ErrorCode": code, "LogLevel": level.upper()}
        if status is not None:
            fields["httpResponse"] = str(status)
        if url:
            fields["url"] = url
        state.alerts[sid] = {
            "sid": sid,
            "account_sid": SANDBOX_ACCOUNT_SID,
            "error_code": code,
            "log_level": level,
            "alert_text": urlencode(fields),
            "request_url": url,
            "request_method": method,
            "request_variables": "To=%2B14155550199&From=%2B14155550142" if url else None,
            "request_headers": "Content-Type: application/x-www-form-urlencoded" if url else None,
            "response_body": body,
            "response_headers": "Content-Type: text/html" if body else None,
            "resource_sid": make_sid(prefix, "seed", "alert-resource", index),
            "generated": generated,
            "created": generated + 2,
        }
