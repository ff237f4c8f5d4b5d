"""Small helpers scenarios share: alerts and past messages placed relative to the sandbox clock."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlencode

from skill.core.segments import segment_count
from skill.sandbox.state import make_sid

if TYPE_CHECKING:
    from skill.sandbox.state import SandboxState


def add_alert(
    state: SandboxState,
    key: str,
    code: str,
    minutes_ago: float,
    text: str,
    *,
    account_sid: str | None = None,
    url: str | None = None,
    status: int | None = None,
    body: str | None = None,
    resource_sid: str | None = None,
    request_variables: str | None = None,
) -> str:
    """A Monitor alert of the account (the parent by default); its SID."""
    sid = make_sid("NO", "scenario", key)
    generated = state.clock.now() - minutes_ago * 60
    fields = {"Msg": text, "ErrorCode": code, "LogLevel": "ERROR"}
    if status is not None:
        fields["httpResponse"] = str(status)
    if url:
        fields["url"] = url
    state.alerts[sid] = {
        "sid": sid,
        "account_sid": account_sid or state.parent_sid(),
        "error_code": code,
        "log_level": "error",
        "alert_text": urlencode(fields),
        "request_url": url,
        "request_method": "POST" if url else None,
        "request_variables": request_variables or ("To=%2B14155550142&From=%2B14155550199" if url else None),
        "request_headers": "Content-Type: application/x-www-form-urlencoded" if url else None,
        "response_body": body,
        "response_headers": "Content-Type: text/html" if body else None,
        "resource_sid": resource_sid or make_sid("SM", "scenario", key),
        "generated": generated,
        "created": generated + 2,
    }
    return sid


def add_message(
    state: SandboxState,
    key: str,
    sender: str,
    to: str,
    body: str,
    minutes_ago: float,
    failure: tuple[str, int, str] | None = None,
    *,
    service_sid: str | None = None,
) -> str:
    """A past outbound message, long since final (delivered, or the failure given); its SID."""
    sid = make_sid("SM", "scenario", key)
    created = state.clock.now() - minutes_ago * 60
    state.messages[sid] = {
        "sid": sid,
        "account_sid": state.parent_sid(),
        "to": to,
        "from": sender,
        "service_sender": sender,
        "messaging_service_sid": service_sid,
        "body": body,
        "media": [],
        "num_media": 0,
        "num_segments": segment_count(body),
        "status_callback": None,
        "validity_period": None,
        "send_at": None,
        "canceled_at": None,
        "failure": failure,
        "created": created,
        "updated": created,
    }
    return sid


def number_sid(state: SandboxState, phone: str) -> str:
    """The SID of a sandbox number.

    Raises:
        LookupError: no number has that phone number.
    """
    for sid, number in state.numbers.items():
        if number["phone_number"] == phone:
            return sid
    raise LookupError(phone)


def add_number(state: SandboxState, phone: str, name: str, age_days: float, kind: str = "local") -> str:
    """A number of the parent account with no webhooks, bought `age_days` ago; its SID."""
    sid = make_sid("PN", "scenario", phone)
    bought = state.clock.now() - age_days * 86400
    state.numbers[sid] = {
        "sid": sid,
        "account_sid": state.parent_sid(),
        "phone_number": phone,
        "friendly_name": name,
        "kind": kind,
        "sms_url": "",
        "sms_method": "POST",
        "voice_url": "",
        "voice_method": "POST",
        "status_callback": "",
        "created": bought,
        "updated": bought,
    }
    return sid


def registered_senders(state: SandboxState) -> set[str]:
    """Phone numbers in a Messaging Service whose A2P campaign is verified."""
    verified = {
        c["messaging_service_sid"] for c in state.a2p_campaigns.values() if c.get("campaign_status") == "VERIFIED"
    }
    sids = {pn for service in verified for pn in state.services.get(service, {}).get("senders", {})}
    return {state.numbers[sid]["phone_number"] for sid in sids if sid in state.numbers}
