"""The sandbox talking back: signed status callbacks for messages and calls, and inbound messages.

Callbacks are derived from the same timelines the API renders (messages.progress, calls.Timeline):
a message's status after its initial one (sent, then delivered, undelivered or failed; Twilio sends
nothing for the initial status), and a call's subscribed StatusCallbackEvents (initiated, ringing,
answered, completed; `completed` alone when none were named). A callback is due once the sandbox
clock passes the moment of its change; `deliver_due` posts every due one, signed with the owning
account's auth token, with an I-Twilio-Idempotency-Token that is the same on every retry. A non-2xx
answer or a connection failure is retried with backoff on the sandbox clock, and a configured share
of deliveries is sent twice, so that receivers can prove their deduplication. Every post goes only
where skill.sandbox.targets allows; a refused callback is dropped, not retried, and never follows a
redirect.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import random
import time
from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import anyio
import httpx

from skill.core.phones import bare_number
from skill.core.segments import segment_count
from skill.core.urls import pinned_target
from skill.sandbox.calls import FINAL_STATUSES as CALL_FINAL_STATUSES
from skill.sandbox.calls import Timeline
from skill.sandbox.clock import rfc2822
from skill.sandbox.messages import FINAL_STATUSES as MESSAGE_FINAL_STATUSES
from skill.sandbox.messages import progress, record_inbound
from skill.sandbox.targets import CallbackRefused, CallbackTargets

if TYPE_CHECKING:
    from skill.sandbox.app import Sandbox

log = logging.getLogger("twilio_skill.sandbox")

API_VERSION = "2010-04-01"
USER_AGENT = "TwilioProxy/1.1"
MAX_ATTEMPTS = 4
BACKOFF_SECONDS = 1.0  # first retry after 1 s of sandbox time, then 2 s, 4 s
SEND_TIMEOUT_SECONDS = 5.0
POLL_SECONDS = 0.25
LOG_SIZE = 1000
# Timelines change exactly at step boundaries; look just past one so float rounding cannot hide it.
EPSILON = 1e-6
CALL_EVENT_OF = {"ringing": "ringing", "in-progress": "answered"}


def twilio_signature(auth_token: str, url: str, params: dict[str, str]) -> str:
    """X-Twilio-Signature as Twilio computes it: base64 HMAC-SHA1, keyed with the auth token, of the
    URL followed by each parameter's name and value in name order. (The receiver checks it with its
    own implementation in skill.core.signing; two independent ones agreeing is the test.)"""
    signed = url + "".join(name + params[name] for name in sorted(params))
    return base64.b64encode(hmac.new(auth_token.encode(), signed.encode(), hashlib.sha1).digest()).decode()


@dataclass
class PendingCallback:
    """One status callback on its way: what to post, where, and when to try next."""

    key: str
    url: str
    account_sid: str
    params: dict[str, str]
    due_at: float
    attempts: int = 0
    next_at: float = 0.0

    @property
    def token(self) -> str:
        """The idempotency token: the same on every retry and duplicate of this callback."""
        return f"{self.account_sid}-{hashlib.sha256(self.key.encode()).hexdigest()[:32]}"


@dataclass(frozen=True)
class Delivery:
    """One POST the sandbox made."""

    key: str
    url: str
    status_code: int | None  # None: no HTTP answer
    attempt: int
    duplicate: bool = False
    error: str | None = None
    refused: bool = False  # the target is not allowed: not tried, not retried

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


@dataclass(frozen=True)
class InboundResult:
    """What the application answered to an inbound message."""

    message_sid: str
    url: str
    status_code: int | None
    body: str
    error: str | None = None
    elapsed_ms: int | None = None

    def as_dict(self) -> dict[str, object]:
        """The result as the inspection API and the CLI show it: status and timing, never the body
        (the sandbox must not become a way to read what some other server answers)."""
        return {
            "message_sid": self.message_sid,
            "url": self.url,
            "status": self.status_code,
            "elapsed_ms": self.elapsed_ms,
            "error": self.error,
        }


def message_transitions(message: dict[str, Any], step: float) -> list[tuple[str, float]]:
    """(status, moment) of each change after the initial status, as the API will report them."""
    if message.get("canceled_at") is not None:
        return [("canceled", message["canceled_at"])]
    start = message["send_at"] if message.get("send_at") is not None else message["created"]
    changes: list[tuple[str, float]] = []
    last = progress(message, start + EPSILON, step)[0]
    for moment in (start + step, start + 2 * step):
        status = progress(message, moment + EPSILON, step)[0]
        if status != last:
            changes.append((status, moment))
            last = status
    return changes


def call_transitions(call: dict[str, Any], step: float) -> list[tuple[str, float]]:
    """(CallStatus, moment) of a call's progress: initiated, then every status change the API shows."""
    natural = dict(call, ended_at=None, end_status=None)
    created = call["created"]
    talk = call["talk_seconds"] if call["talk_seconds"] is not None else step
    changes: list[tuple[str, float]] = [("initiated", created)]
    last = Timeline(natural, created + EPSILON, step).status
    for moment in (created + step, created + 2 * step, created + 2 * step + talk):
        status = Timeline(natural, moment + EPSILON, step).status
        if status != last:
            changes.append((status, moment))
            last = status
    if call["ended_at"] is not None:
        # Ended by an update: what happened before it, then how it ended.
        changes = [(status, at) for status, at in changes if at < call["ended_at"]]
        changes.append((call["end_status"], call["ended_at"]))
    return changes


def _call_event(status: str) -> str:
    if status in CALL_FINAL_STATUSES:
        return "completed"
    return CALL_EVENT_OF.get(status, status)


@dataclass
class CallbackDispatcher:
    """Finds due callbacks on the sandbox clock and delivers them; one per sandbox."""

    sandbox: Sandbox
    duplicate_share: float = 0.0
    transport: httpx.AsyncBaseTransport | None = None
    targets: CallbackTargets = field(default_factory=CallbackTargets)
    seed: int | None = None
    pending: list[PendingCallback] = field(default_factory=list)
    log: deque[Delivery] = field(default_factory=lambda: deque(maxlen=LOG_SIZE))
    _tracked: dict[str, str] = field(default_factory=dict)  # sid -> "message" | "call"
    _scheduled: set[str] = field(default_factory=set)
    _lock: anyio.Lock = field(default_factory=anyio.Lock)
    _rng: random.Random = field(default_factory=random.Random)

    def __post_init__(self) -> None:
        if self.seed is not None:
            self._rng.seed(self.seed)

    def track(self, kind: str, sid: str) -> None:
        """Watch a message or call that has a StatusCallback URL."""
        self._tracked[sid] = kind

    def collect(self) -> None:
        """Queue every callback whose moment the sandbox clock has passed."""
        now = self.sandbox.clock.now()
        step = self.sandbox.step_seconds
        state = self.sandbox.state
        for sid, kind in list(self._tracked.items()):
            resource = (state.messages if kind == "message" else state.calls).get(sid)
            if resource is None or not resource.get("status_callback"):
                del self._tracked[sid]
                continue
            if kind == "message":
                found = self._message_callbacks(resource, step)
                finished = progress(resource, now, step)[0] in MESSAGE_FINAL_STATUSES
            else:
                found = self._call_callbacks(resource, step)
                finished = Timeline(resource, now, step).status in CALL_FINAL_STATUSES
            for callback in found:
                if callback.due_at > now + EPSILON or callback.key in self._scheduled:
                    continue
                self._scheduled.add(callback.key)
                callback.next_at = callback.due_at
                self.pending.append(callback)
            if finished:
                # Every callback up to the final status is queued now; nothing more can change.
                del self._tracked[sid]

    def _message_callbacks(self, message: dict[str, Any], step: float) -> list[PendingCallback]:
        found = []
        for status, at in message_transitions(message, step):
            sender = message["from"] or message["service_sender"]
            params = {
                "AccountSid": message["account_sid"],
                "ApiVersion": API_VERSION,
                "From": sender or "",
                "MessageSid": message["sid"],
                "MessageStatus": status,
                "SmsSid": message["sid"],
                "SmsStatus": status,
                "To": message["to"],
            }
            if message["messaging_service_sid"]:
                params["MessagingServiceSid"] = message["messaging_service_sid"]
            failure = message.get("failure")
            if failure and status in ("undelivered", "failed"):
                params["ErrorCode"] = str(failure[1])
            if status in ("delivered", "undelivered"):
                params["RawDlrDoneDate"] = dlr_done_date(at)
            callback = PendingCallback(
                key=f"{message['sid']}:{status}",
                url=message["status_callback"],
                account_sid=message["account_sid"],
                params=params,
                due_at=at,
            )
            found.append(callback)
        return found

    def _call_callbacks(self, call: dict[str, Any], step: float) -> list[PendingCallback]:
        wanted = set(call["status_callback_events"] or ["completed"])
        found = []
        sequence = 0
        for status, at in call_transitions(call, step):
            event = _call_event(status)
            final = status in CALL_FINAL_STATUSES
            if event not in wanted:
                continue
            params = {
                "AccountSid": call["account_sid"],
                "ApiVersion": API_VERSION,
                "CallSid": call["sid"],
                "CallStatus": status,
                "CallbackSource": "call-progress-events",
                "Called": call["to"],
                "Caller": call["from"],
                "Direction": "outbound-api",
                "From": call["from"],
                "SequenceNumber": str(sequence),
                "Timestamp": rfc2822(at),
                "To": call["to"],
            }
            if final:
                talk = Timeline(call, at + EPSILON, step).talk_seconds
                params["CallDuration"] = str(talk or 0)
            sequence += 1
            callback = PendingCallback(
                key=f"{call['sid']}:{status}",
                url=call["status_callback"],
                account_sid=call["account_sid"],
                params=params,
                due_at=at,
            )
            found.append(callback)
        return found

    async def deliver_due(self) -> list[Delivery]:
        """Post every callback due now, oldest first; the deliveries made (retries rescheduled)."""
        async with self._lock:
            self.collect()
            now = self.sandbox.clock.now()
            due = sorted((c for c in self.pending if c.next_at <= now), key=lambda c: (c.due_at, c.key))
            if not due:
                return []
            made: list[Delivery] = []
            async with self._client() as client:
                for callback in due:
                    delivery = await self._post(client, callback)
                    made.append(delivery)
                    if delivery.ok:
                        self.pending.remove(callback)
                        if self.duplicate_share and self._rng.random() < self.duplicate_share:
                            made.append(await self._post(client, callback, duplicate=True))
                    elif delivery.refused:
                        self.pending.remove(callback)
                        log.warning("refused a status callback: %s; %s", delivery.error, self.targets.describe())
                    elif callback.attempts >= MAX_ATTEMPTS:
                        self.pending.remove(callback)
                        log.warning("gave up on a status callback to %s after %d tries", callback.url, MAX_ATTEMPTS)
                    else:
                        callback.next_at = now + BACKOFF_SECONDS * 2 ** (callback.attempts - 1)
            self.log.extend(made)
            return made

    def _client(self) -> httpx.AsyncClient:
        # trust_env=False: a proxy from the environment would look the checked name up again itself.
        return httpx.AsyncClient(
            transport=self.transport, timeout=SEND_TIMEOUT_SECONDS, follow_redirects=False, trust_env=False
        )

    async def _post(self, client: httpx.AsyncClient, callback: PendingCallback, duplicate: bool = False) -> Delivery:
        if not duplicate:
            callback.attempts += 1
        try:
            address = await self.targets.check(callback.url)
        except CallbackRefused as exc:
            return Delivery(callback.key, callback.url, None, callback.attempts, duplicate, str(exc), refused=True)
        token = self.sandbox.state.auth_token(callback.account_sid) or ""
        headers = {
            "X-Twilio-Signature": twilio_signature(token, callback.url, callback.params),
            "I-Twilio-Idempotency-Token": callback.token,
            "User-Agent": USER_AGENT,
        }
        try:
            response = await client.send(_pinned_post(client, callback.url, address, callback.params, headers))
        except httpx.HTTPError as exc:
            return Delivery(callback.key, callback.url, None, callback.attempts, duplicate, type(exc).__name__)
        return Delivery(callback.key, callback.url, response.status_code, callback.attempts, duplicate)

    async def run(self, poll_seconds: float = POLL_SECONDS) -> None:
        """Deliver due callbacks forever, off every request's path."""
        while True:
            try:
                await self.deliver_due()
            except Exception:  # a bad URL or state must not end the loop; it is logged and retried
                log.warning("status callback delivery failed", exc_info=True)
            await anyio.sleep(poll_seconds)

    async def post_inbound(self, sender: str, to: str, body: str, url: str | None = None) -> InboundResult:
        """Post an incoming SMS from `sender` to one of the sandbox's numbers, as Twilio would.

        Raises:
            LookupError: `to` is not a sandbox number, or it has no sms_url and no `url` was given.
            CallbackRefused: the URL's host is not one the sandbox posts to.
        """
        state = self.sandbox.state
        wanted = bare_number(to)
        number = next((n for n in state.numbers.values() if n["phone_number"] == wanted), None)
        if number is None:
            raise LookupError(f"{to} is not one of the sandbox's numbers")
        target = url or number.get("sms_url") or ""
        if not target:
            raise LookupError(f"{wanted} has no sms_url; configure one or pass a URL")
        address = await self.targets.check(target)
        channel = "whatsapp:" if sender.startswith("whatsapp:") else ""  # WhatsApp posts channel addresses
        sid = record_inbound(state, number["account_sid"], channel + bare_number(sender), channel + wanted, body)
        params = {
            "AccountSid": number["account_sid"],
            "ApiVersion": API_VERSION,
            "Body": body,
            "From": channel + bare_number(sender),
            "MessageSid": sid,
            "NumMedia": "0",
            "NumSegments": str(segment_count(body)),
            "SmsMessageSid": sid,
            "SmsSid": sid,
            "SmsStatus": "received",
            "To": channel + wanted,
        }
        token = state.auth_token(number["account_sid"]) or ""
        headers = {
            "X-Twilio-Signature": twilio_signature(token, target, params),
            "I-Twilio-Idempotency-Token": f"{number['account_sid']}-{sid}",
            "User-Agent": USER_AGENT,
        }
        started = time.monotonic()
        try:
            async with self._client() as client:
                response = await client.send(_pinned_post(client, target, address, params, headers))
        except httpx.HTTPError as exc:
            return InboundResult(sid, target, None, "", type(exc).__name__, _elapsed_ms(started))
        return InboundResult(sid, target, response.status_code, response.text, None, _elapsed_ms(started))


def _pinned_post(
    client: httpx.AsyncClient, url: str, address: str | None, params: dict[str, str], headers: dict[str, str]
) -> httpx.Request:
    """A POST to url that connects to the address the targets check admitted, so a name that answers
    differently on a second lookup cannot lead the sandbox elsewhere (None: a host the operator named)."""
    if address is None:
        return client.build_request("POST", url, data=params, headers=headers)
    target, host_header, server_name = pinned_target(urlsplit(url), address)
    return client.build_request(
        "POST", target, data=params, headers={**headers, "Host": host_header}, extensions={"sni_hostname": server_name}
    )


def _elapsed_ms(started: float) -> int:
    return round((time.monotonic() - started) * 1000)


def dlr_done_date(moment: float) -> str:
    """The carrier's delivery-receipt time, as Twilio passes it in RawDlrDoneDate (YYMMDDhhmm)."""
    from datetime import UTC, datetime

    return datetime.fromtimestamp(moment, UTC).strftime("%y%m%d%H%M")
