"""Sandbox routes for Messages (API v2010): create, list, fetch, update (cancel, redact), delete.

Twilio's test-credential magic numbers are honoured (skill.sandbox.magic):
  From +15005550001 -> 21212, +15005550007 -> 21606, +15005550008 -> 21611;
  To   +15005550001 -> 21211, +15005550002 -> 21612, +15005550003 -> 21408,
       +15005550004 -> 21610, +15005550009 -> 21614.
The sandbox adds two of its own, accepted and then failing on the way to the handset:
  To   +15005550010 -> undelivered with 30003, +15005550011 -> failed with 30006.
A send through a Messaging Service goes out from one of the service's senders: one that can carry
it (SMS, or MMS for media; a US/Canada number for a US/Canada recipient); with sticky sender, the
one that last wrote to the recipient; else one sharing the recipient's area code when it can; and
among equals the one whose queue frees first, so the service sends as fast as its senders together
(each sender's own queue and 21611 still apply). A service without senders answers 21704, one
without a fitting sender 21703.
Messages move queued -> sent -> delivered, one step per `sandbox.step_seconds` on the sandbox
clock; scheduled ones start moving at their send time. A StatusCallback URL hears of each change
after the first (skill.sandbox.callbacks).
A ContentSid sends a Content template (skill.sandbox.content): the body is rendered from it with
ContentVariables (21655 for an unknown template, 21656 for variables that are not a JSON object of
strings). Inbound messages (`record_inbound`) are listed with direction 'inbound'. A WhatsApp
message to someone who has not written to the sender in the last 24 hours is accepted and then
fails with 63016, as on Twilio, unless it is a template WhatsApp approved.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from skill.core.phones import bare_number
from skill.core.segments import segment_count
from skill.sandbox.clock import rfc2822
from skill.sandbox.content import approval_status, rendered_text
from skill.sandbox.dates import DateWindow, parse_when
from skill.sandbox.http import TwilioHTTPError, authorize_account, bad_request, deleted, first, form, owned, page
from skill.sandbox.magic import MESSAGE_DELIVERY_FAILURES, MESSAGE_FROM, MESSAGE_TO
from skill.sandbox.messaging_compliance import campaign_lane

if TYPE_CHECKING:
    from skill.sandbox.app import Sandbox
    from skill.sandbox.state import SandboxState

FINAL_STATUSES = ("delivered", "undelivered", "failed", "canceled")
SMS_PRICE = 0.0079  # per segment, USD
MMS_PRICE = 0.0200
MAX_BODY = 1600
MAX_MEDIA = 10
# Twilio takes send times from 15 minutes to 35 days ahead.
SCHEDULE_MIN_SECONDS = 15 * 60
SCHEDULE_MAX_SECONDS = 35 * 86400
WHATSAPP_WINDOW_SECONDS = 24 * 3600
OUTSIDE_WINDOW = (
    "failed",
    63016,
    "Failed to send freeform message because you are outside the allowed window. "
    "If you are using WhatsApp, please use a Message Template.",
)


def progress(message: dict[str, Any], now: float, step: float) -> tuple[str, float | None, float]:
    """(status, sent time, last change time) of a message at `now`."""
    if message.get("direction") == "inbound":
        return "received", message["created"], message["created"]
    if message.get("canceled_at") is not None:
        return "canceled", None, message["canceled_at"]
    # A message waits in its sender's queue (skill.sandbox.sender_rates) before it starts moving.
    start = message["send_at"] if message.get("send_at") is not None else message.get("dequeued", message["created"])
    if now < start:
        return "scheduled", None, message["created"]
    steps = int((now - start) // step)
    if steps < 1:
        return "queued", None, start
    sent_at = start + step
    failure = message.get("failure")
    if failure and failure[0] == "failed":
        return "failed", None, sent_at
    if steps < 2:
        return "sent", sent_at, sent_at
    return (failure[0] if failure else "delivered"), sent_at, start + 2 * step


def render_message(sandbox: Sandbox, message: dict[str, Any]) -> dict[str, Any]:
    status, sent_at, changed = progress(message, sandbox.clock.now(), sandbox.step_seconds)
    failure = message.get("failure") if status in ("undelivered", "failed") else None
    base = f"/2010-04-01/Accounts/{message['account_sid']}/Messages/{message['sid']}"
    sender = message["from"]
    if sender is None and sent_at is not None:
        sender = message["service_sender"]  # a Messaging Service picks the sender when it sends
    price = None
    if sent_at is not None:
        each = MMS_PRICE if message["num_media"] else SMS_PRICE * message["num_segments"]
        price = f"{-each:.5f}"
    return {
        "account_sid": message["account_sid"],
        "api_version": "2010-04-01",
        "body": message["body"],
        "date_created": rfc2822(message["created"]),
        "date_sent": rfc2822(sent_at) if sent_at is not None else None,
        "date_updated": rfc2822(max(changed, message["updated"])),
        "direction": message.get("direction", "outbound-api"),
        "error_code": failure[1] if failure else None,
        "error_message": failure[2] if failure else None,
        "from": sender,
        "messaging_service_sid": message["messaging_service_sid"],
        "num_media": str(message["num_media"]),
        "num_segments": str(message["num_segments"]),
        "price": price,
        "price_unit": "USD",
        "sid": message["sid"],
        "status": status,
        "subresource_uris": {"media": f"{base}/Media.json", "feedback": f"{base}/Feedback.json"},
        "to": message["to"],
        "uri": f"{base}.json",
    }


def record_inbound(state: SandboxState, account_sid: str, sender: str, to: str, body: str) -> str:
    """Keep a message someone sent to one of the account's numbers (as Twilio lists it); its SID."""
    now = state.clock.now()
    sid = state.new_sid("SM")
    state.messages[sid] = {
        "sid": sid,
        "account_sid": account_sid,
        "direction": "inbound",
        "to": to,
        "from": sender,
        "service_sender": None,
        "messaging_service_sid": None,
        "body": body,
        "media": [],
        "num_media": 0,
        "num_segments": segment_count(body),
        "status_callback": None,
        "validity_period": None,
        "send_at": None,
        "canceled_at": None,
        "failure": None,
        "created": now,
        "updated": now,
    }
    return sid


def in_whatsapp_session(state: SandboxState, account_sid: str, user: str, sender: str | None) -> bool:
    """Whether `user` wrote to `sender` (any sender, for a service send) in the last 24 hours."""
    since = state.clock.now() - WHATSAPP_WINDOW_SECONDS
    return any(
        message.get("direction") == "inbound"
        and message["account_sid"] == account_sid
        and message["from"] == user
        and (sender is None or message["to"] == sender)
        and message["created"] >= since
        for message in state.messages.values()
    )


def content_values(raw: str | None) -> dict[str, str]:
    """ContentVariables, parsed.

    Raises:
        TwilioHTTPError: 21656 when they are not a JSON object of strings.
    """
    if raw is None:
        return {}
    try:
        values = json.loads(raw)
    except ValueError:
        values = None
    if not isinstance(values, dict) or not all(isinstance(value, str) for value in values.values()):
        raise bad_request(21656, "The ContentVariables Parameter is invalid")
    return {str(key): value for key, value in values.items()}


def account_numbers(state: SandboxState, account_sid: str) -> list[str]:
    return [n["phone_number"] for n in state.numbers.values() if n["account_sid"] == account_sid]


def service_sender(
    state: SandboxState,
    service_sid: str,
    to: str,
    with_media: bool,
    leaves: Callable[[str], float] | None = None,
) -> str:
    """The number a Messaging Service sends this message from (see the module docstring); `leaves`
    tells when a message handed to a sender now would leave its queue.

    Raises:
        TwilioHTTPError: 21704 when the service has no senders, 21703 when none can carry the message.
    """
    service = state.services[service_sid]
    senders = [(added, state.numbers[sid]) for sid, added in service.get("senders", {}).items() if sid in state.numbers]
    if not senders:
        raise bad_request(21704, "The Messaging Service contains no phone numbers")
    recipient = bare_number(to)
    wanted = "mms" if with_media else "sms"

    def fits(number: dict[str, Any]) -> bool:
        capabilities = number.get("capabilities") or {"sms": True, "mms": True}
        # US and Canada numbers are reachable only from US and Canada numbers.
        return bool(capabilities.get(wanted)) and (
            not recipient.startswith("+1") or number["phone_number"].startswith("+1")
        )

    sticky = state.sticky_senders.get((service_sid, recipient)) if service.get("sticky_sender", True) else None

    def rank(item: tuple[float, dict[str, Any]]) -> tuple[bool, bool, float, float, str]:
        added, number = item
        phone = number["phone_number"]
        same_area = service.get("area_code_geomatch", True) and phone[:5] == recipient[:5]
        return (phone != sticky, not same_area, leaves(phone) if leaves else 0.0, added, phone)

    candidates = sorted((item for item in senders if fits(item[1])), key=rank)
    if not candidates:
        raise bad_request(21703, "The Messaging Service does not have a phone number available to send a message")
    chosen = str(candidates[0][1]["phone_number"])
    state.sticky_senders[(service_sid, recipient)] = chosen
    return chosen


def number_kind(state: SandboxState, phone_number: str) -> str | None:
    """The kind (local, mobile, toll_free) of one of the sandbox's numbers, None for others."""
    return next((n.get("kind") for n in state.numbers.values() if n["phone_number"] == phone_number), None)


def check_sender(state: SandboxState, account_sid: str, sender: str | None, service: str | None, to: str) -> None:
    """Raises:
    TwilioHTTPError: the sender is a magic failing number, unknown, or cannot reach `to`.
    """
    if service is not None and (service not in state.services or state.services[service]["account_sid"] != account_sid):
        raise bad_request(21701, "The Messaging Service does not exist")
    if sender is None:
        return
    number = bare_number(sender)
    if number in MESSAGE_FROM:
        raise bad_request(*MESSAGE_FROM[number])
    if number.startswith("+"):
        if number not in account_numbers(state, account_sid):
            raise bad_request(*MESSAGE_FROM["+15005550007"])
        return
    # Alphanumeric sender IDs do not reach the US and Canada.
    if bare_number(to).startswith("+1"):
        raise bad_request(*MESSAGE_TO["+15005550002"])


def check_schedule(state: SandboxState, fields: dict[str, list[str]], service: str | None) -> float | None:
    """The send time of a scheduled message, or None.

    Raises:
        TwilioHTTPError: the schedule is incomplete, without a service, or out of range.
    """
    schedule_type, send_at = first(fields, "ScheduleType"), first(fields, "SendAt")
    if schedule_type is None and send_at is None:
        return None
    if schedule_type != "fixed":
        raise bad_request(35126, "The ScheduleType value provided is not supported for this channel")
    if send_at is None:
        raise bad_request(35111, "SendAt timestamp is missing")
    if service is None:
        raise bad_request(35118, "MessagingServiceSid is required to schedule a message")
    when = parse_when(send_at, "SendAt")
    ahead = when - state.clock.now()
    if not SCHEDULE_MIN_SECONDS <= ahead <= SCHEDULE_MAX_SECONDS:
        raise bad_request(35114, "Scheduling does not support this timestamp")
    return when


def routes(sandbox: Sandbox) -> dict[str, list[Route]]:
    state = sandbox.state

    def owned_message(request: Request) -> dict[str, Any]:
        return owned(state, request, state.messages)

    async def create_message(request: Request) -> Response:
        account_sid = request.path_params["AccountSid"]
        authorize_account(state, request, account_sid)
        fields = await form(request)
        to, sender = first(fields, "To"), first(fields, "From")
        service = first(fields, "MessagingServiceSid")
        body, media = first(fields, "Body"), fields.get("MediaUrl", [])
        content_sid = first(fields, "ContentSid")
        template = state.contents.get(content_sid) if content_sid else None
        if content_sid and (template is None or template["account_sid"] != account_sid):
            raise bad_request(21655, "The ContentSid is Invalid")
        if template is not None:
            body, media = rendered_text(template, content_values(first(fields, "ContentVariables")))
        if sender and sender.startswith("MG"):
            sender, service = None, service or sender  # Twilio takes a service SID in From too
        if not to:
            raise bad_request(21604, "The destination 'To' phone number is required to send an SMS")
        if not sender and not service:
            raise bad_request(21603, "A 'From' or 'MessagingServiceSid' parameter is required to send a message")
        if not body and not media:
            raise bad_request(21602, "Message body is required")
        if body and len(body) > MAX_BODY:
            raise bad_request(21617, "The concatenated message body exceeds the 1600 character limit")
        if len(media) > MAX_MEDIA:
            raise bad_request(21623, "Number of media files exceeds allowed limit")
        if any(not url.startswith(("http://", "https://")) for url in media):
            raise bad_request(21620, "Invalid media URL(s)")
        check_sender(state, account_sid, sender, service, to)
        if bare_number(to) in MESSAGE_TO:
            raise bad_request(*MESSAGE_TO[bare_number(to)])
        if sender is not None and bare_number(sender) == bare_number(to):
            raise bad_request(*MESSAGE_TO["+15005550001"])
        send_at = check_schedule(state, fields, service)
        queues = sandbox.sender_queues
        chosen = (
            service_sender(state, service, to, bool(media), lambda n: queues.next_start(n, campaign_lane(state, n)))
            if sender is None and service
            else None
        )
        segments = 1 if media else segment_count(body)
        origin = bare_number(sender or chosen or "")
        lane = campaign_lane(state, origin) if origin else None
        dequeued = queues.admit(origin, number_kind(state, origin), segments, lane) if origin else None
        now = state.clock.now()
        failure = MESSAGE_DELIVERY_FAILURES.get(bare_number(to)) or state.delivery_failure(
            sender or chosen, bare_number(to), body or ""
        )
        approved = template is not None and approval_status(template, now) == "approved"
        if to.startswith("whatsapp:") and not approved and not in_whatsapp_session(state, account_sid, to, sender):
            failure = OUTSIDE_WINDOW
        sid = state.new_sid("MM" if media else "SM")
        state.messages[sid] = {
            "sid": sid,
            "account_sid": account_sid,
            "to": to,
            "from": sender,
            "service_sender": chosen,
            "messaging_service_sid": service,
            "body": body or "",
            "media": list(media),
            "num_media": len(media),
            "num_segments": 1 if media else segment_count(body),
            "status_callback": first(fields, "StatusCallback"),
            "validity_period": first(fields, "ValidityPeriod"),
            "send_at": send_at,
            "canceled_at": None,
            "failure": failure,
            "created": now,
            "updated": now,
        }
        if dequeued is not None and dequeued > now:
            state.messages[sid]["dequeued"] = dequeued
        if state.messages[sid]["status_callback"]:
            sandbox.callbacks.track("message", sid)
        return JSONResponse(render_message(sandbox, state.messages[sid]), status_code=201)

    async def list_messages(request: Request) -> Response:
        account_sid = request.path_params["AccountSid"]
        authorize_account(state, request, account_sid)
        query = request.query_params
        to, sender = query.get("To"), query.get("From")
        window = DateWindow.from_query(query, "DateSent")
        now = state.clock.now()
        rendered = []
        newest_first = sorted(state.messages.values(), key=lambda m: (m["created"], m["sid"]), reverse=True)
        for message in newest_first:
            item = render_message(sandbox, message)
            if (
                message["account_sid"] != account_sid
                or (to and item["to"] != to)
                or (sender and item["from"] != sender)
            ):
                continue
            if window.admits(progress(message, now, sandbox.step_seconds)[1]):
                rendered.append(item)
        return page(request, "messages", rendered, lambda item: item)

    async def fetch_message(request: Request) -> Response:
        return JSONResponse(render_message(sandbox, owned_message(request)))

    async def update_message(request: Request) -> Response:
        message = owned_message(request)
        fields = await form(request)
        status, body = first(fields, "Status"), first(fields, "Body")
        now = state.clock.now()
        current = progress(message, now, sandbox.step_seconds)[0]
        if status is not None:
            if status != "canceled":
                raise bad_request(20001, "Invalid Status: the only value accepted is canceled")
            if current != "scheduled":
                raise bad_request(30409, "This message cannot be canceled")
            message["canceled_at"] = now
        if body is not None:
            if body != "":
                raise bad_request(20001, "Body can only be set to an empty string, to redact the message")
            if current not in FINAL_STATUSES:
                raise TwilioHTTPError(409, 20009, "Cannot delete this resource before it is complete")
            message["body"] = ""
        message["updated"] = now
        return JSONResponse(render_message(sandbox, message))

    async def delete_message(request: Request) -> Response:
        message = owned_message(request)
        if progress(message, state.clock.now(), sandbox.step_seconds)[0] not in FINAL_STATUSES:
            raise TwilioHTTPError(409, 20009, "Cannot delete this resource before it is complete")
        del state.messages[message["sid"]]
        return deleted()

    collection = "/2010-04-01/Accounts/{AccountSid}/Messages.json"
    instance = "/2010-04-01/Accounts/{AccountSid}/Messages/{Sid}.json"
    return {
        "api.twilio.com": [
            Route(collection, create_message, methods=["POST"]),
            Route(collection, list_messages, methods=["GET"]),
            Route(instance, fetch_message, methods=["GET"]),
            Route(instance, update_message, methods=["POST"]),
            Route(instance, delete_message, methods=["DELETE"]),
        ]
    }
