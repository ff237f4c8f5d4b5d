"""Sandbox routes for Calls (API v2010): create, list, fetch, update (cancel, hang up, redirect), and a
failed call's notifications. Recordings and conferences live in skill.sandbox.recordings.

Twilio's test-credential magic numbers are honoured (skill.sandbox.magic):
  From +15005550001 -> 21212, +15005550007 -> 21210;
  To   +15005550001 -> 21217, +15005550002 -> 21214, +15005550003 -> 21215, +15005550004 -> 21216.
The sandbox adds three of its own, accepted and then not connecting:
  To   +15005550010 -> busy, +15005550011 -> no-answer, +15005550012 -> failed (notification 11200).
Calls move queued -> ringing -> in-progress -> completed, one step per `sandbox.step_seconds` on
the sandbox clock; a call made with Record=true has a recording once it completed. A StatusCallback
URL hears of the StatusCallbackEvents asked for (skill.sandbox.callbacks).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from skill.sandbox import recordings
from skill.sandbox.clock import rfc2822
from skill.sandbox.dates import DateWindow
from skill.sandbox.http import ERROR_DOCS, authorize_account, bad_request, first, form, owned, page
from skill.sandbox.magic import CALL_FROM, CALL_OUTCOMES, CALL_TO, INVALID, national_format
from skill.sandbox.messages import account_numbers

if TYPE_CHECKING:
    from skill.sandbox.app import Sandbox
    from skill.sandbox.state import SandboxState

FAILURE = (11200, "HTTP retrieval failure: the TwiML URL answered 500")
FINAL_STATUSES = ("completed", "busy", "failed", "no-answer", "canceled")
CALLBACK_EVENTS = ("initiated", "ringing", "answered", "completed")
MACHINE_DETECTION = ("Enable", "DetectMessageEnd")
MAX_TWIML = 4000
PRICE_PER_MINUTE = 0.014  # USD, outbound to US numbers


class Timeline:
    """Where a call stands at one moment, computed from its creation time and outcome."""

    def __init__(self, call: dict[str, Any], now: float, step: float) -> None:
        created = call["created"]
        ring_at, answer_at = created + step, created + 2 * step
        talk = call["talk_seconds"] if call["talk_seconds"] is not None else step
        outcome = call["outcome"]
        self.answered_at: float | None = None
        self.ended_at: float | None = None
        if call["ended_at"] is not None:
            # Ended by an update: hung up while in progress, or canceled before anyone answered.
            self.status = call["end_status"]
            self.ended_at = call["ended_at"]
            self.started_at = ring_at if self.ended_at >= ring_at else None
            self.answered_at = answer_at if self.status == "completed" else None
            return
        self.started_at = ring_at if now >= ring_at else None
        if now < ring_at:
            self.status = "queued"
        elif outcome == "failed":
            self.status, self.ended_at = "failed", ring_at
        elif now < answer_at:
            self.status = "ringing"
        elif outcome != "completed":
            self.status, self.ended_at = outcome, answer_at
        elif now < answer_at + talk:
            self.status, self.answered_at = "in-progress", answer_at
        else:
            self.status, self.answered_at, self.ended_at = "completed", answer_at, answer_at + talk

    @property
    def talk_seconds(self) -> int | None:
        if self.answered_at is None or self.ended_at is None:
            return None
        return max(0, round(self.ended_at - self.answered_at))

    @property
    def last_change(self) -> float | None:
        return self.ended_at or self.answered_at or self.started_at


def timeline(sandbox: Sandbox, call: dict[str, Any]) -> Timeline:
    return Timeline(call, sandbox.clock.now(), sandbox.step_seconds)


def formatted(address: str) -> str:
    """A number as Twilio shows it in *_formatted: national form for NANP, else as given."""
    return national_format(address) if address.startswith("+1") else address


def render_call(sandbox: Sandbox, call: dict[str, Any]) -> dict[str, Any]:
    line = timeline(sandbox, call)
    base = f"/2010-04-01/Accounts/{call['account_sid']}/Calls/{call['sid']}"
    talk = line.talk_seconds
    final = line.status in FINAL_STATUSES
    price = f"{-math.ceil(talk / 60) * PRICE_PER_MINUTE:.5f}" if line.status == "completed" and talk else None
    number_sid = next((n["sid"] for n in sandbox.state.numbers.values() if n["phone_number"] == call["from"]), None)
    subresources = ("notifications", "recordings", "events", "streams", "payments", "siprec", "transcriptions")
    return {
        "account_sid": call["account_sid"],
        "answered_by": ("human" if line.answered_at else None) if call["machine_detection"] else None,
        "api_version": "2010-04-01",
        "caller_name": None,
        "date_created": rfc2822(call["created"]),
        "date_updated": rfc2822(max(line.last_change or call["created"], call["updated"])),
        "direction": "outbound-api",
        "duration": (str(talk) if talk is not None else "0") if final else None,
        "end_time": rfc2822(line.ended_at) if line.ended_at is not None else None,
        "forwarded_from": None,
        "from": call["from"],
        "from_formatted": formatted(call["from"]),
        "group_sid": None,
        "parent_call_sid": None,
        "phone_number_sid": number_sid,
        "price": price,
        "price_unit": "USD",
        "queue_time": "0",
        "sid": call["sid"],
        "start_time": rfc2822(line.started_at) if line.started_at is not None else None,
        "status": line.status,
        "subresource_uris": {name: f"{base}/{name.title()}.json" for name in subresources},
        "to": call["to"],
        "to_formatted": formatted(call["to"]),
        "trunk_sid": None,
        "uri": f"{base}.json",
    }


def render_notification(sandbox: Sandbox, call: dict[str, Any], when: float) -> dict[str, Any]:
    code, text = call["failure"]
    sid = f"NO{call['sid'][2:]}"
    return {
        "account_sid": call["account_sid"],
        "api_version": "2010-04-01",
        "call_sid": call["sid"],
        "date_created": rfc2822(when),
        "date_updated": rfc2822(when),
        "error_code": str(code),
        "log": "0",
        "message_date": rfc2822(when),
        "message_text": f"Msg={text.replace(' ', '+')}",
        "more_info": ERROR_DOCS.format(code=code),
        "request_method": "POST",
        "request_url": call["url"] or "",
        "sid": sid,
        "uri": f"/2010-04-01/Accounts/{call['account_sid']}/Calls/{call['sid']}/Notifications/{sid}.json",
    }


def check_document(url: str | None, twiml: str | None) -> None:
    """Raises:
    TwilioHTTPError: the URL is not http(s) (21205) or the TwiML is too long (32018).
    """
    if url is not None and not url.startswith(("http://", "https://")):
        raise bad_request(21205, f"Url is not a valid URL: {url}")
    if twiml is not None and len(twiml) > MAX_TWIML:
        raise bad_request(32018, f"Twiml size exceeded maximum allowed value of {MAX_TWIML} characters")


def check_parties(state: SandboxState, account_sid: str, to: str, sender: str) -> None:
    """Raises:
    TwilioHTTPError: a magic failing number, a malformed To, or a caller ID the account does not own.
    """
    if sender in CALL_FROM:
        raise bad_request(*CALL_FROM[sender])
    if sender.startswith("+"):
        if sender not in account_numbers(state, account_sid):
            raise bad_request(*CALL_FROM["+15005550007"])
    elif not sender.startswith("client:"):
        raise bad_request(*CALL_FROM[INVALID])
    if to in CALL_TO:
        raise bad_request(*CALL_TO[to])
    if not to.startswith(("+", "client:", "sip:")) or to == sender:
        raise bad_request(21211, f"The 'To' number {to} is not a valid phone number.")


def check_options(fields: dict[str, list[str]]) -> None:
    """Raises:
    TwilioHTTPError: an unknown status callback event (21626) or machine detection mode (20001).
    """
    if any(event not in CALLBACK_EVENTS for event in fields.get("StatusCallbackEvent", [])):
        raise bad_request(21626, "One or more of the StatusCallbackEvents provided were invalid")
    detection = first(fields, "MachineDetection")
    if detection is not None and detection not in MACHINE_DETECTION:
        raise bad_request(20001, f"Invalid MachineDetection: {detection}")


class CallsResource:
    """/Calls and /Calls/{Sid}: create, list, fetch, update (cancel, hang up, redirect)."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox
        self.state = sandbox.state

    def owned(self, request: Request, param: str = "Sid") -> dict[str, Any]:
        return owned(self.state, request, self.state.calls, param)

    async def create(self, request: Request) -> Response:
        state = self.state
        account_sid = request.path_params["AccountSid"]
        authorize_account(state, request, account_sid)
        fields = await form(request)
        to, sender = first(fields, "To"), first(fields, "From")
        url, twiml = first(fields, "Url"), first(fields, "Twiml")
        if not to:
            raise bad_request(21201, "No 'To' number is specified")
        if not sender:
            raise bad_request(21213, "No 'From' number is specified")
        if url is None and twiml is None and first(fields, "ApplicationSid") is None:
            raise bad_request(21205, "Url, Twiml or ApplicationSid is required")
        check_document(url, twiml)
        check_options(fields)
        check_parties(state, account_sid, to, sender)
        now = state.clock.now()
        sid = state.new_sid("CA")
        outcome = CALL_OUTCOMES.get(to, "completed")
        state.calls[sid] = {
            "sid": sid,
            "account_sid": account_sid,
            "to": to,
            "from": sender,
            "url": url,
            "twiml": twiml,
            "status_callback": first(fields, "StatusCallback"),
            "status_callback_events": fields.get("StatusCallbackEvent", []),
            "record": first(fields, "Record") == "true",
            "recording_made": False,
            "timeout": first(fields, "Timeout"),
            "machine_detection": first(fields, "MachineDetection"),
            "outcome": outcome,
            "failure": FAILURE if outcome == "failed" else None,
            "talk_seconds": None,
            "ended_at": None,
            "end_status": None,
            "created": now,
            "updated": now,
        }
        if state.calls[sid]["status_callback"]:
            self.sandbox.callbacks.track("call", sid)
        return JSONResponse(render_call(self.sandbox, state.calls[sid]), status_code=201)

    async def listing(self, request: Request) -> Response:
        account_sid = request.path_params["AccountSid"]
        authorize_account(self.state, request, account_sid)
        query = request.query_params
        window = DateWindow.from_query(query, "StartTime")
        wanted = {key: query[key] for key in ("To", "From", "Status") if key in query}
        rendered = []
        for call in sorted(self.state.calls.values(), key=lambda c: (c["created"], c["sid"]), reverse=True):
            if call["account_sid"] != account_sid:
                continue
            item = render_call(self.sandbox, call)
            if all(item[key.lower()] == value for key, value in wanted.items()) and window.admits(
                timeline(self.sandbox, call).started_at
            ):
                rendered.append(item)
        return page(request, "calls", rendered, lambda item: item)

    async def fetch(self, request: Request) -> Response:
        return JSONResponse(render_call(self.sandbox, self.owned(request)))

    async def update(self, request: Request) -> Response:
        call = self.owned(request)
        fields = await form(request)
        status, url, twiml = first(fields, "Status"), first(fields, "Url"), first(fields, "Twiml")
        current = timeline(self.sandbox, call).status
        now = self.state.clock.now()
        if status is not None:
            if status not in ("canceled", "completed"):
                raise bad_request(20001, f"Invalid Status: {status}; use canceled or completed")
            allowed = ("queued", "ringing") if status == "canceled" else ("in-progress",)
            if current not in allowed:
                raise bad_request(
                    21220, f"Call is {current}: Status={status} applies only to {' or '.join(allowed)} calls"
                )
            call["ended_at"], call["end_status"] = now, status
        elif url is not None or twiml is not None:
            check_document(url, twiml)
            if current in FINAL_STATUSES:
                raise bad_request(21220, "Call is not in-progress. Cannot redirect.")
            call["url"], call["twiml"] = url, twiml
        call["updated"] = now
        return JSONResponse(render_call(self.sandbox, call))

    async def notifications(self, request: Request) -> Response:
        """/Calls/{CallSid}/Notifications: the error a failed call logged."""
        call = self.owned(request, "CallSid")
        line = timeline(self.sandbox, call)
        items = []
        if call["failure"] and line.status == "failed" and line.ended_at is not None:
            items.append(render_notification(self.sandbox, call, line.ended_at))
        return page(request, "notifications", items, lambda item: item)

    def routes(self) -> list[Route]:
        prefix = "/2010-04-01/Accounts/{AccountSid}"
        collection = f"{prefix}/Calls.json"
        instance = f"{prefix}/Calls/{{Sid}}.json"
        return [
            Route(collection, self.create, methods=["POST"]),
            Route(collection, self.listing, methods=["GET"]),
            Route(instance, self.fetch, methods=["GET"]),
            Route(instance, self.update, methods=["POST"]),
            Route(f"{prefix}/Calls/{{CallSid}}/Notifications.json", self.notifications, methods=["GET"]),
        ]


def routes(sandbox: Sandbox) -> dict[str, list[Route]]:
    return {"api.twilio.com": CallsResource(sandbox).routes() + recordings.routes(sandbox, timeline)}
