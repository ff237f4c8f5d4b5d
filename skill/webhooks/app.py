"""The webhook receiver: an ASGI app for Twilio and SendGrid callbacks.

    POST /twilio/sms/status       message status callbacks            -> 204
    POST /twilio/sms/inbound      incoming messages (STOP/START/HELP) -> TwiML
    POST /twilio/voice/status     call status callbacks               -> 204
    POST /twilio/voice/ivr/{menu}/{node}[/{role}]   IVR TwiML, served by `ivr` (default: deployed menus)
    POST /sendgrid/events         SendGrid Event Webhook (ECDSA)      -> 204
    POST /sendgrid/inbound        SendGrid Inbound Parse (multipart, ?token=) -> 204
    GET  /healthz

Every request must name a host the receiver answers to (skill.webhooks.hosts), else 421. Every
Twilio route then reads its body within bounds (413 over the size, 400 for a body that breaks a
bound, skill.webhooks.bodies) and checks X-Twilio-Signature before anything else; a bad or missing
signature is answered 403 and nothing is stored. A valid callback is committed to the store before
the 2xx, and a repeat of one already stored (by its signed content, skill.webhooks.events) is
answered 2xx without a second row. Opt-outs and counters are applied afterwards by a worker in the
app's lifespan (skill.webhooks.processing). The status and inbound callback routes, which carry
nearly all the traffic, are answered without Starlette's layers, alike (skill.webhooks.fast_path).
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import anyio
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from skill.config import Settings
from skill.core.group_commit import GroupCommit
from skill.core.signing import HMAC_SHA1, TokenResolver, signature_algorithm, verify_sendgrid, verify_twilio
from skill.records.events import NewEvent
from skill.stores.sqlite import Stores
from skill.webhooks import events as ev
from skill.webhooks.bodies import (
    MAX_BODY_BYTES,
    BadBody,
    BodyTooLarge,
    bounded_json,
    form_fields,
    json_fields,
    read_body,
    scope_query,
)
from skill.webhooks.callbacks import TwilioCallback, TwilioHandler
from skill.webhooks.fast_path import CallbackHeaders, ReceiverApp, receive_body
from skill.webhooks.hosts import TrustedProxies, allowed_host_names, check_public_url
from skill.webhooks.inbound import keyword_of, reply_text, twiml_message
from skill.webhooks.processing import EventProcessor
from skill.webhooks.urls import HostPin, UrlPolicy

log = logging.getLogger("twilio_skill.webhooks")

MOUNT_PATH = "/webhooks"
IVR_PATH = "/twilio/voice/ivr/{menu}/{node}"
TWIML = "text/xml"


def _forbidden(reason: str) -> Response:
    return PlainTextResponse(f"Forbidden: {reason}\n", status_code=403)


def _bad_request(problem: BadBody) -> Response:
    return PlainTextResponse(f"Bad request: {problem}\n", status_code=400)


def _too_large() -> Response:
    return PlainTextResponse("Request body too large\n", status_code=413)


# What Starlette's error middleware answers when a route fails.
_SERVER_ERROR = PlainTextResponse("Internal Server Error", status_code=500)
# A response only reads its fields when sent, so the one most sent is made once.
_NO_CONTENT = Response(status_code=204)


class Signed(NamedTuple):
    """What a Twilio request whose signature verified was signed for."""

    url: str
    params: dict[str, list[str]]
    account_sid: str | None


@dataclass
class Receiver:
    """What the routes share: settings, stores, token lookup and the processing worker."""

    settings: Settings
    stores: Stores
    tokens: TokenResolver
    processor: EventProcessor
    urls: UrlPolicy
    max_body: int = MAX_BODY_BYTES
    clock: Callable[[], float] = time.time
    ivr: TwilioHandler | None = None
    stats: dict[str, int] = field(
        default_factory=lambda: {"stored": 0, "duplicate": 0, "forbidden": 0, "bad_request": 0, "misdirected": 0}
    )

    def __post_init__(self) -> None:
        self.batches: GroupCommit[NewEvent, bool] = GroupCommit(
            lambda batch: ev.store_events(self.stores.webhook_events, batch),
            # On SQLite a batch is a page-cache write, cheaper than the hop to a worker thread.
            lambda batch: ev.store_events_now(self.stores.webhook_events, batch),
        )

    def store(self, new_events: list[Any]) -> list[bool]:
        return self._stored(ev.store_events(self.stores.webhook_events, new_events))

    async def store_durably(self, new_events: list[Any]) -> list[bool]:
        """Like store(), batched with concurrent requests into one transaction (see group_commit)."""
        return self._stored(await self.batches.record(new_events))

    def _stored(self, fresh: list[bool]) -> list[bool]:
        stored = sum(fresh)
        self.stats["stored"] += stored
        self.stats["duplicate"] += len(fresh) - stored
        if stored:
            self.processor.notify()
        return fresh

    def refused_body(self, problem: BadBody) -> Response:
        self.stats["bad_request"] += 1
        log.warning("refused a webhook body: %s", problem)
        return _bad_request(problem)

    async def verified_twilio(self, request: Request) -> TwilioCallback | Response:
        """The callback when its signature verifies, else the 400/403/413 response to send."""
        try:
            raw = await read_body(request, self.max_body)
        except BodyTooLarge:
            return _too_large()
        checked = self.check_twilio(request.scope, raw, CallbackHeaders.of(request.scope))
        if isinstance(checked, Response):
            return checked
        url, params, account_sid = checked
        return TwilioCallback(request=request, url=url, params=params, account_sid=account_sid, raw_body=raw)

    def check_twilio(self, scope: Scope, raw: bytes, headers: CallbackHeaders) -> Signed | Response:
        """A Twilio request's signed URL, parameters and AccountSid when its signature verifies, else the
        400/403 response to send."""
        url = self.urls.signed_url(scope)
        # The token is chosen by the AccountSid inside the body, so the body is parsed (within bounds) first.
        try:
            query = scope_query(scope)
            if headers.media_type == "application/json":
                signed_params: dict[str, list[str]] | None = None
                params = json_fields(raw)
            else:
                params = form_fields(raw)
                signed_params = params
        except BadBody as problem:
            return self.refused_body(problem)
        sids = params.get("AccountSid") or query.get("AccountSid")
        account_sid = sids[0] if sids else None
        settings_header = headers.signature_settings
        if settings_header:
            secret = self.settings.webhook_shared_key
            algorithm = signature_algorithm(settings_header)
        else:
            secret = self.tokens(account_sid) if account_sid else None
            algorithm = HMAC_SHA1
        # Twilio always signs a JSON body through bodySHA256; without it the body would be unsigned.
        body_covered = signed_params is not None or "bodySHA256" in query
        valid = (
            body_covered
            and bool(secret)
            and verify_twilio(secret or "", url, signed_params, headers.signature, raw_body=raw, algorithm=algorithm)
        )
        if not valid:
            self.stats["forbidden"] += 1
            if not settings_header and account_sid and not secret:
                # Named so an operator can fill it; the AccountSid is the caller's, so it is bounded and quoted.
                missing = self.tokens.missing_setting(account_sid[:64])
                log.warning("refused a Twilio request to %r: %s", scope["path"], missing)
            else:
                log.warning("refused a Twilio request to %r: signature missing or invalid", scope["path"])
            return _forbidden("invalid or missing X-Twilio-Signature")
        return Signed(url, params, account_sid)

    async def take_callback(self, kind: str, params: dict[str, list[str]], raw: bytes) -> Response:
        """Store a verified status or inbound callback (durably, before the answer); the answer."""
        # Keyed on signed content only: I-Twilio-Idempotency-Token is not signed (see events).
        await self.store_durably([ev.twilio_event(kind, params, raw_body=raw)])
        if kind == ev.SMS_INBOUND:
            values = params.get("Body")
            text = reply_text(keyword_of(values[0] if values else None), self.settings.help_text)
            return Response(twiml_message(text), media_type=TWIML)
        return _NO_CONTENT

    def twilio_route(self, kind: str) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            checked = await self.verified_twilio(request)
            if isinstance(checked, Response):
                return checked
            return await self.take_callback(kind, checked.params, checked.raw_body)

        return endpoint

    async def answer_callback(self, kind: str, scope: Scope, receive: Receive, send: Send) -> None:
        """What twilio_route(kind) answers, without Starlette's layers (see fast_path)."""
        try:
            headers = CallbackHeaders.of(scope)
            try:
                raw = await receive_body(receive, headers.content_length, self.max_body)
            except BodyTooLarge:
                response = _too_large()
            else:
                checked = self.check_twilio(scope, raw, headers)
                if isinstance(checked, Response):
                    response = checked
                else:
                    response = await self.take_callback(kind, checked.params, raw)
        except Exception:
            # As Starlette's error middleware does: a plain 500, then the error goes on to the server's log.
            await _SERVER_ERROR(scope, receive, send)
            raise
        await response(scope, receive, send)

    async def ivr_endpoint(self, request: Request) -> Response:
        checked = await self.verified_twilio(request)
        if isinstance(checked, Response):
            return checked
        if self.ivr is None:
            return PlainTextResponse("No IVR menus are served here.\n", status_code=404)
        return await self.ivr(checked)

    async def sendgrid_events(self, request: Request) -> Response:
        try:
            raw = await read_body(request, self.max_body)
        except BodyTooLarge:
            return _too_large()
        key = self.settings.sendgrid_webhook_public_key
        if not key or not verify_sendgrid(
            key,
            request.headers.get("x-twilio-email-event-webhook-signature"),
            request.headers.get("x-twilio-email-event-webhook-timestamp"),
            raw,
            now=self.clock(),
        ):
            self.stats["forbidden"] += 1
            log.warning("refused a SendGrid event post: signature missing, invalid, stale, or no key configured")
            return _forbidden("invalid or missing SendGrid event signature")
        try:
            new_events = ev.sendgrid_events(bounded_json(raw))
        except BadBody as problem:
            return self.refused_body(problem)
        except ValueError:
            return self.refused_body(BadBody("expected a JSON array of event objects"))
        await self.store_durably(new_events)
        return Response(status_code=204)

    async def sendgrid_inbound(self, request: Request) -> Response:
        import hmac

        try:
            raw = await read_body(request, self.max_body)
        except BodyTooLarge:
            return _too_large()
        expected = self.settings.inbound_parse_token
        given = request.query_params.get("token", "")
        if not expected or not hmac.compare_digest(given.encode(), expected.encode()):
            self.stats["forbidden"] += 1
            return _forbidden("missing or wrong ?token= for Inbound Parse")
        replay = Request(request.scope, receive=_replay(raw))
        try:
            async with replay.form(max_files=20, max_fields=200) as form:
                fields = {name: value for name, value in form.multi_items() if isinstance(value, str)}
                fields["attachments"] = str(sum(1 for _, value in form.multi_items() if not isinstance(value, str)))
        except HTTPException as exc:  # Starlette's answer to a malformed or over-long multipart body
            return self.refused_body(BadBody(exc.detail))
        await self.store_durably([ev.inbound_parse_event(fields, raw)])
        return Response(status_code=204)

    async def healthz(self, request: Request) -> Response:
        pending = await anyio.to_thread.run_sync(self.stores.webhook_events.pending_count)
        return JSONResponse({"status": "ok", "pending": pending, **self.stats})


def _replay(body: bytes) -> Receive:
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return receive


def build_webhooks_app(
    settings: Settings,
    stores: Stores | None = None,
    *,
    tokens: TokenResolver | None = None,
    ivr: TwilioHandler | None = None,
    max_body: int = MAX_BODY_BYTES,
    clock: Callable[[], float] = time.time,
    run_worker: bool = True,
    bulk_worker: bool = False,
    bind_host: str | None = None,
    allowed_hosts: Iterable[str] = (),
) -> Starlette:
    """The receiver as a Starlette app. Without `stores` it opens (and closes) its own on the settings' file.

    `tokens` finds an account's auth token by SID (default: token_resolver(settings)); `ivr` answers
    POST /twilio/voice/ivr/{menu}/{node}[/{role}] after the signature check (default: the menus
    deployed with ivr_deploy, skill.webhooks.ivr). Host names answered to are the loopback names,
    `bind_host` (the address the server binds), the public URL's host, the settings'
    webhook_allowed_hosts and `allowed_hosts`; forwarded headers are believed from the settings'
    forwarded_allow_ips only.

    Raises:
        ConfigError: the public URL or a trusted proxy address is unusable.
    """
    from skill.wiring import token_resolver

    check_public_url(settings.public_url)
    urls = UrlPolicy(
        allowed_hosts=allowed_host_names(
            bind_host, settings.public_url, (*settings.webhook_allowed_hosts, *allowed_hosts)
        ),
        proxies=TrustedProxies(settings.forwarded_allow_ips),
        public_url=settings.public_url,
    )
    owned = stores is None
    opened = stores if stores is not None else Stores.open(settings.database)
    if ivr is None:
        from skill.webhooks.ivr import IvrServer

        ivr = IvrServer(opened.ivr_menus, settings.default_region)
    receiver = Receiver(
        settings=settings,
        stores=opened,
        tokens=tokens or token_resolver(settings),
        processor=EventProcessor(settings, opened),
        urls=urls,
        max_body=max_body,
        clock=clock,
        ivr=ivr,
    )

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with anyio.create_task_group() as group:
            if run_worker:
                group.start_soon(receiver.processor.run)
            if bulk_worker:
                from skill.wiring import run_bulk_worker

                group.start_soon(run_bulk_worker, settings)  # bulk jobs also go out from the receiver's process
            try:
                yield
            finally:
                group.cancel_scope.cancel()
        if owned:
            opened.close()

    callbacks = {
        "/twilio/sms/status": ev.SMS_STATUS,
        "/twilio/sms/inbound": ev.SMS_INBOUND,
        "/twilio/voice/status": ev.VOICE_STATUS,
    }
    routes = [
        *(Route(path, receiver.twilio_route(kind), methods=["POST"]) for path, kind in callbacks.items()),
        Route(IVR_PATH, receiver.ivr_endpoint, methods=["POST"]),
        Route(IVR_PATH + "/{role}", receiver.ivr_endpoint, methods=["POST"]),
        Route("/sendgrid/events", receiver.sendgrid_events, methods=["POST"]),
        Route("/sendgrid/inbound", receiver.sendgrid_inbound, methods=["POST"]),
        Route("/healthz", receiver.healthz, methods=["GET"]),
    ]
    app = ReceiverApp(
        callbacks=callbacks,
        answer=receiver.answer_callback,
        urls=urls,
        routes=routes,
        lifespan=lifespan,
        middleware=[Middleware(HostPin, policy=urls, stats=receiver.stats)],
    )
    app.state.receiver = receiver
    return app


class WebhooksBeside:
    """ASGI: requests under MOUNT_PATH go to the receiver, everything else to `app`; both lifespans run.

    The receiver sits outside any bearer-token guard of `app`: Twilio cannot send that token, and
    every receiver route checks its own signature instead.
    """

    def __init__(self, app: ASGIApp, webhooks: Starlette, prefix: str = MOUNT_PATH) -> None:
        self.app = app
        self.webhooks = webhooks
        self.prefix = prefix.rstrip("/")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(scope, receive, send)
            return
        path = str(scope.get("path", ""))
        if scope["type"] == "http" and (path == self.prefix or path.startswith(self.prefix + "/")):
            inner = dict(scope)
            inner["root_path"] = str(scope.get("root_path", "")) + self.prefix
            await self.webhooks(inner, receive, send)
            return
        await self.app(scope, receive, send)

    async def _lifespan(self, scope: Scope, receive: Receive, send: Send) -> None:
        # The outer app's lifespan protocol runs as usual; the receiver's lifespan wraps it.
        async with AsyncExitStack() as stack:
            await stack.enter_async_context(self.webhooks.router.lifespan_context(self.webhooks))
            await self.app(scope, receive, send)


def with_webhooks(
    app: ASGIApp, settings: Settings, *, bind_host: str | None = None, allowed_hosts: Iterable[str] = ()
) -> ASGIApp:
    """`app` with the webhook receiver mounted at /webhooks (for `serve --transport http`).

    Raises:
        ConfigError: the receiver's settings are unusable (see build_webhooks_app).
    """
    return WebhooksBeside(app, build_webhooks_app(settings, bind_host=bind_host, allowed_hosts=allowed_hosts))
