"""Telling operators about approval requests: new ones, and decisions, to the policy's [notify] targets.

A gated call never waits for this. Opening a request puts one notice on each target's bounded
queue and returns (a full queue drops the notice and logs it); each target has its own worker, so a
slow or dead target holds up only its own queue. A delivery is tried `attempts` times with
exponential backoff, and its outcome is written to the audit log (`notify.delivered` or
`notify.failed`, naming the target, never its URL or key), where `twilio-skill doctor` reads it.

Decisions are made in other processes (the CLI, the console) or replicas, so they are learnt from
the store: the request is watched (skill.core.approval_watch) until it is decided, then the
decision is sent the same way. The process that opened a request tells of its decision.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import anyio
from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream

import skill
from skill.core.notify_messages import (
    EVENT_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    Notice,
    email_message,
    notice_of,
    signature,
    slack_payload,
    sms_text,
    webhook_body,
)
from skill.errors import SkillError

if TYPE_CHECKING:
    import httpx

    from skill.core.approval_watch import ApprovalWatch
    from skill.policy.notify_config import NotifySettings, NotifyTarget
    from skill.ports.clock import Clock
    from skill.ports.stores import AuditLog
    from skill.records.approvals import Approval

log = logging.getLogger("twilio_skill.notify")

SendEmail = Callable[[dict[str, Any]], Awaitable[Any]]
SendSms = Callable[[str, str, str | None, str | None], Awaitable[Any]]  # to, body, from, messaging service
BACKOFF_SECONDS = 1.0
MAX_BACKOFF_SECONDS = 30.0


class DeliveryFailed(Exception):
    """One try did not get through; `retry` says whether another try may."""

    def __init__(self, reason: str, *, retry: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry = retry


@dataclass(eq=False)  # compared by identity: it is a key of the approval watch
class Notifier:
    settings: NotifySettings
    audit: AuditLog
    clock: Clock
    watch: ApprovalWatch
    send_email: SendEmail
    send_sms: SendSms
    console_link: Callable[[str], str | None] = lambda _: None
    environ: Mapping[str, str] = field(default_factory=dict)
    sleep: Callable[[float], Awaitable[None]] = anyio.sleep
    transport: httpx.AsyncBaseTransport | None = None  # tests: reach receivers without a socket
    _queues: dict[str, tuple[MemoryObjectSendStream[Notice], MemoryObjectReceiveStream[Notice]]] = field(
        default_factory=dict
    )
    _http: httpx.AsyncClient | None = None
    _http_lock: anyio.Lock = field(default_factory=anyio.Lock)

    def __post_init__(self) -> None:
        for target in self.settings.targets:
            self._queues[target.name] = anyio.create_memory_object_stream[Notice](self.settings.queue_size)
        self.watch.on_change(self._changed)

    @property
    def active(self) -> bool:
        return bool(self.settings.targets)

    def tell(self, event: str, approval: Approval) -> None:
        """Queue the notices of one event and return at once (the ApprovalService hook)."""
        notice = notice_of(
            approval,
            event,
            now=self.clock.now(),
            console_url=self.console_link(approval.id),
            mask=self.settings.mask_numbers,
        )
        for target in self.settings.targets:
            if event not in target.events:
                continue
            send, _ = self._queues[target.name]
            try:
                send.send_nowait(notice)
            except (anyio.WouldBlock, anyio.ClosedResourceError):
                log.warning(
                    "notification queue of %s is full or closed; dropped the %s notice of %s",
                    target.name,
                    event,
                    approval.id,
                )
        if event == "requested" and any("decided" in target.events for target in self.settings.targets):
            self.watch.watch(approval.id, self, seen=approval)

    async def _changed(self, approval: Approval, status: str) -> None:
        if self not in self.watch.keys_of(approval.id):
            return
        if status in ("approved", "denied"):
            self.tell("decided", approval)
        if status != "pending":
            self.watch.unwatch(approval.id, self)

    async def run(self) -> None:
        """Deliver queued notices until cancelled: one worker per target. The queues close with it."""
        try:
            async with anyio.create_task_group() as group:
                for target in self.settings.targets:
                    group.start_soon(self._worker, target)
        finally:
            self.close()
            if self._http is not None:
                with anyio.CancelScope(shield=True):
                    await self._http.aclose()
                self._http = None

    def close(self) -> None:
        """Close the queues; notices told afterwards are dropped (and logged)."""
        for send, receive in self._queues.values():
            send.close()
            receive.close()

    async def _worker(self, target: NotifyTarget) -> None:
        _, receive = self._queues[target.name]
        while True:
            notice = await receive.receive()
            await self.deliver(target, notice)

    async def deliver(self, target: NotifyTarget, notice: Notice) -> bool:
        """Send one notice to one target, retrying with backoff; record the outcome. True if it got through."""
        reason = "not tried"
        attempt = 0
        for attempt in range(1, self.settings.attempts + 1):
            try:
                with anyio.fail_after(self.settings.timeout_seconds):
                    await self._send(target, notice)
            except DeliveryFailed as exc:
                reason = exc.reason
                if not exc.retry:
                    break
            except TimeoutError:
                reason = f"no answer within {self.settings.timeout_seconds:g} s"
            else:
                await self._record(target, notice, "ok", attempt, None)
                return True
            if attempt < self.settings.attempts:
                await self.sleep(min(BACKOFF_SECONDS * 2 ** (attempt - 1), MAX_BACKOFF_SECONDS))
        log.warning("could not notify %s of %s %s: %s", target.name, notice.event, notice.approval_id, reason)
        await self._record(target, notice, "error", attempt, reason)
        return False

    async def _record(
        self, target: NotifyTarget, notice: Notice, outcome: str, attempts: int, error: str | None
    ) -> None:
        detail: dict[str, Any] = {
            "target": target.name,
            "kind": target.kind,
            "event": notice.event,
            "attempts": attempts,
        }
        if error is not None:
            detail["error"] = error
        event = "notify.delivered" if outcome == "ok" else "notify.failed"

        def write() -> None:
            self.audit.record(event, outcome=outcome, tool=notice.tool, approval_id=notice.approval_id, detail=detail)

        try:
            await anyio.to_thread.run_sync(write)
        except Exception:
            log.exception("could not record the delivery to %s", target.name)

    async def _send(self, target: NotifyTarget, notice: Notice) -> None:
        if target.kind == "webhook":
            await self._post_webhook(target, notice)
        elif target.kind == "slack":
            await self._post(target, slack_payload(notice), {})
        elif target.kind == "email":
            await self._email(target, notice)
        else:
            await self._sms(target, notice)

    async def _post_webhook(self, target: NotifyTarget, notice: Notice) -> None:
        key = self.environ.get(target.secret_env or "", "")
        if not key:
            raise DeliveryFailed(f"environment variable {target.secret_env} (the signing key) is not set", retry=False)
        timestamp = str(int(self.clock.now()))
        body = webhook_body(notice, float(timestamp))
        headers = {
            TIMESTAMP_HEADER: timestamp,
            SIGNATURE_HEADER: signature(key.encode(), timestamp, body),
            EVENT_HEADER: f"approval.{notice.event}",
        }
        await self._post(target, body, headers)

    async def _client(self) -> httpx.AsyncClient:
        """One HTTP client for every target, made on first use in a worker thread: building its TLS
        context takes tens of milliseconds of CPU, which must not stall the event loop tool calls run on."""
        import httpx  # here: the CLI imports this module, and httpx is slow to import

        def build() -> httpx.AsyncClient:
            return httpx.AsyncClient(
                transport=self.transport, timeout=self.settings.timeout_seconds, follow_redirects=False, trust_env=False
            )

        async with self._http_lock:
            client = self._http
            if client is None:
                client = self._http = await anyio.to_thread.run_sync(build)
            return client

    async def _post(self, target: NotifyTarget, payload: bytes | dict[str, Any], headers: dict[str, str]) -> None:
        import httpx

        assert target.url is not None
        sent = {"Content-Type": "application/json", "User-Agent": f"twilio-skill/{skill.__version__}", **headers}
        client = await self._client()
        try:
            if isinstance(payload, bytes):
                response = await client.post(target.url, content=payload, headers=sent)
            else:
                response = await client.post(target.url, json=payload, headers=sent)
        except httpx.HTTPError as exc:
            # The exception's text may hold the URL, and a Slack URL is itself a credential: name the kind only.
            raise DeliveryFailed(f"could not reach the target ({type(exc).__name__})", retry=True) from None
        if response.status_code >= 300:
            retry = response.status_code == 429 or response.status_code >= 500
            raise DeliveryFailed(f"the target answered HTTP {response.status_code}", retry=retry)

    async def _email(self, target: NotifyTarget, notice: Notice) -> None:
        subject, text = email_message(notice)
        payload = {
            "personalizations": [{"to": [{"email": address} for address in target.to]}],
            "from": {"email": target.sender},
            "subject": subject,
            "content": [{"type": "text/plain", "value": text}],
        }
        try:
            await self.send_email(payload)
        except SkillError as exc:
            raise DeliveryFailed(f"SendGrid refused it ({exc.code})", retry=exc.retryable) from None

    async def _sms(self, target: NotifyTarget, notice: Notice) -> None:
        try:
            await self.send_sms(target.to[0], sms_text(notice), target.sender, target.messaging_service_sid)
        except SkillError as exc:
            raise DeliveryFailed(f"Twilio refused it ({exc.code})", retry=exc.retryable) from None
