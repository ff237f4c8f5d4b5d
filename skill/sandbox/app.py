"""The sandbox ASGI app: routes per product host, faults, status callbacks, and an inspection API for tests.

Served on its own (`twilio-skill sandbox`), the app's lifespan runs the callback loop; embedded in a
server, `running()` does. Tests drive callbacks by hand: advance the clock, then
`await sandbox.deliver_due_callbacks()`.

Every answer has the shape of the host it stands in for: Twilio's error JSON (code, message,
more_info, status) for unknown paths (20404), wrong methods (20004), injected faults and failures
inside a route (20500, logged), and SendGrid's {"errors": [...]} on api.sendgrid.com.
"""

from __future__ import annotations

import importlib
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import quote, unquote, urlsplit

import anyio
import httpx
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, Router
from starlette.types import Message, Receive, Scope, Send

from skill.config import Settings
from skill.gateways.in_process import Answer
from skill.sandbox import generic
from skill.sandbox.callbacks import CallbackDispatcher, Delivery, InboundResult
from skill.sandbox.clock import SandboxClock
from skill.sandbox.faults import ConnectionDropped, Faults
from skill.sandbox.generic import Simulator
from skill.sandbox.http import TwilioHTTPError, bad_request, error_response, first, form
from skill.sandbox.sender_rates import API_CONCURRENCY, ApiConcurrency, SenderQueues
from skill.sandbox.sendgrid_state import SendGridState, seed_sendgrid
from skill.sandbox.state import SandboxState, seed
from skill.sandbox.targets import CallbackRefused, CallbackTargets

log = logging.getLogger("twilio_skill.sandbox")

# Route modules under skill.sandbox, each exporting routes(sandbox) -> {host: [Route, ...]}.
ROUTE_MODULES: tuple[str, ...] = (
    "accounts",
    "keys",
    "messages",
    "numbers",
    "calls",
    "verify",
    "studio",
    "messaging_services",
    "messaging_compliance",
    "lookups",
    "monitor",
    "usage",
    "pricing",
    "content",
    "sendgrid",
)
DEFAULT_HOST = "api.twilio.com"
GENERIC_HOST = "*.twilio.com"  # the router of product hosts with no hand-written route
SENDGRID_HOST = "api.sendgrid.com"
INSPECTION = "_sandbox"
IN_PROCESS = "twilio_skill.in_process"  # scope key: the request came through Sandbox.transport()
Endpoint = Callable[[Request], Awaitable[Response]]
URL_SAFE = "/%:@!$&'()*+,;=-._~"  # what stays as it is in a path or query: reserved characters and escapes
DROPPED = "Server disconnected without sending a response."  # httpcore's words for the same event
# SendGrid's wording for the errors the app itself answers.
SENDGRID_MESSAGES = {404: "resource not found", 405: "method not allowed", 429: "too many requests"}


def _completed(host: str, request: Request, response: Response) -> Response:
    """A hand-written JSON answer with the properties its operation's schema lists and it left out."""
    if not 200 <= response.status_code < 300 or not response.headers.get("content-type", "").startswith(
        "application/json"
    ):
        return response
    body = json.loads(bytes(response.body))
    if not generic.complete(host, request.method, request.url.path, body):
        return response
    headers = {k: v for k, v in response.headers.items() if k.lower() not in ("content-length", "content-type")}
    return JSONResponse(body, status_code=response.status_code, headers=headers)


def _hosts(headers: Iterable[tuple[bytes, bytes]]) -> tuple[str | None, str | None]:
    """The X-Twilio-Host and Host headers' values (the last of each, as a dict of them would hold), without
    decoding the others."""
    named = given = None
    for name, value in headers:
        lowered = name.lower()
        if lowered == b"x-twilio-host":
            named = value.decode("latin-1")
        elif lowered == b"host":
            given = value.decode("latin-1")
    return named, given


class HostRoute(Route):
    """A route whose wrong-method answer is its host's error JSON, allowing every method of its path."""

    def __init__(self, path: str, endpoint: Endpoint, *, methods: list[str], wrong_method: Callable[[str], Response]):
        super().__init__(path, endpoint, methods=methods)
        self.wrong_method = wrong_method

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.methods and scope["method"] not in self.methods:
            await self.wrong_method(self.path)(scope, receive, send)
            return
        await super().handle(scope, receive, send)


class SandboxTransport(httpx.ASGITransport):
    """The sandbox in process; a dropped-connection fault reaches the client as httpx sees one.

    Besides httpx's interface it offers `exchange` (skill.gateways.in_process), which the Twilio
    gateway's client uses: the same ASGI call without building httpx's request and response.
    """

    def __init__(self, sandbox: Sandbox) -> None:
        async def app(scope: Scope, receive: Receive, send: Send) -> None:
            await sandbox({**scope, IN_PROCESS: True}, receive, send)

        super().__init__(app=app)
        self.sandbox = sandbox

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        try:
            return await super().handle_async_request(request)
        except ConnectionDropped:
            raise httpx.RemoteProtocolError(DROPPED, request=request) from None

    async def exchange(self, method: str, url: str, headers: list[tuple[str, str]], body: bytes) -> Answer:
        """One request as plain values; the answer as status, text and lower-case headers.

        Raises:
            httpx.RemoteProtocolError: a "drop" fault cut the connection.
        """
        parts = urlsplit(url)
        raw_path = quote(parts.path, safe=URL_SAFE)
        default_port = 443 if parts.scheme == "https" else 80
        scope: dict[str, Any] = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": method,
            "scheme": parts.scheme,
            "path": unquote(raw_path),
            "raw_path": raw_path.encode("ascii"),
            "query_string": quote(parts.query, safe=URL_SAFE + "?").encode("ascii"),
            "root_path": "",
            "headers": [
                (b"host", parts.netloc.encode("idna")),
                *((name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in headers),
            ],
            "client": ("127.0.0.1", 123),
            "server": (parts.hostname or "", parts.port or default_port),
            "extensions": {},
            IN_PROCESS: True,
        }
        answered = anyio.Event()
        sent_body = False
        status = 500
        answer_headers: dict[str, str] = {}
        chunks: list[bytes] = []

        async def receive() -> Message:
            nonlocal sent_body
            if sent_body:
                await answered.wait()  # as a client would: the connection stays open until the answer is read
                return {"type": "http.disconnect"}
            sent_body = True
            return {"type": "http.request", "body": body, "more_body": False}

        async def send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                for name, value in message.get("headers", []):
                    answer_headers[name.decode("latin-1").lower()] = value.decode("latin-1")
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                if not message.get("more_body", False):
                    answered.set()

        try:
            await self.sandbox(scope, receive, send)
        except ConnectionDropped:
            raise httpx.RemoteProtocolError(DROPPED) from None
        finally:
            answered.set()
        return Answer(status, b"".join(chunks).decode("utf-8", "replace"), answer_headers)


class Sandbox:
    def __init__(
        self,
        *,
        clock: SandboxClock | None = None,
        faults: Faults | None = None,
        duplicate_callbacks: float = 0.0,
        callback_transport: httpx.AsyncBaseTransport | None = None,
        callback_hosts: Iterable[str] = (),
        allow_global_callbacks: bool = False,
        hooks_base: str = "http://127.0.0.1:8787",
        sender_rates: dict[str, float] | None = None,
        api_concurrency: int = API_CONCURRENCY,
        throughput: bool = False,
    ) -> None:
        self.clock = clock or SandboxClock()
        # Twilio's throughput: a queue per sender, and a cap on the account's requests in progress.
        # Off by default, for tests that send many messages from one sender on a frozen clock.
        self.sender_queues = SenderQueues(self.clock, rates=dict(sender_rates or {}), enforced=throughput)
        self.api_concurrency = ApiConcurrency(limit=api_concurrency)
        self.faults = faults or Faults()
        self.state = seed(SandboxState(clock=self.clock))
        self.sendgrid: SendGridState = seed_sendgrid(self.clock)
        self.step_seconds = 1.0  # time between message/call status steps
        # duplicate_callbacks: the share of callbacks sent twice; callback_transport: a test seam.
        self.callbacks = CallbackDispatcher(
            self,
            duplicate_share=duplicate_callbacks,
            transport=callback_transport,
            targets=CallbackTargets.of(callback_hosts, allow_global=allow_global_callbacks),
        )
        self.scenario: str | None = None  # the staged incident, if any (skill.sandbox.scenarios)
        # Where this sandbox is reached over HTTP, for the app endpoints a scenario points numbers at.
        self.hooks_base = hooks_base
        self.hooks: dict[str, str] = {}  # /_sandbox/hooks/NAME -> what it answers
        self.served: list[dict[str, Any]] = []  # (host, route, method, status, body) for contract tests
        self.record_responses = False
        self._routers: dict[str, Router] = {}
        for module_name in ROUTE_MODULES:
            module = importlib.import_module(f"skill.sandbox.{module_name}")
            for host, routes in module.routes(self).items():
                self._router(host).routes.extend(self._wrap(host, route) for route in routes)
        # Every Twilio host ends with the spec-driven simulation of the operations no route above answers.
        self.generic: Simulator | None = None
        catch_all = generic.routes(self)
        for host in (*[h for h in self._routers if h != SENDGRID_HOST], GENERIC_HOST):
            self._router(host).routes.extend(self._wrap(host, route) for route in catch_all)
        self._router(INSPECTION).routes.extend(
            self._wrap(INSPECTION, route, faults=False) for route in self._inspection_routes()
        )

    @classmethod
    def from_settings(cls, settings: Settings) -> Sandbox:
        """The sandbox embedded in a server: it stands in for Twilio, so its callbacks may go to
        loopback or to public internet addresses, never to private ranges. A configured scenario is staged.

        Raises:
            ConfigError: the faults or the scenario are not valid.
        """
        sandbox = cls(faults=Faults.parse(settings.sandbox_faults), allow_global_callbacks=True, throughput=True)
        if settings.sandbox_scenario:
            from skill.sandbox.scenarios import stage

            stage(sandbox, settings.sandbox_scenario)
        return sandbox

    def transport(self) -> httpx.AsyncBaseTransport:
        return SandboxTransport(self)

    async def deliver_due_callbacks(self) -> list[Delivery]:
        """Post every status callback due on the sandbox clock now; the deliveries made."""
        return await self.callbacks.deliver_due()

    async def post_inbound(self, sender: str, to: str, body: str, url: str | None = None) -> InboundResult:
        """Post an incoming SMS to a sandbox number's sms_url (or `url`), signed as Twilio does.

        Raises:
            LookupError: `to` is not a sandbox number, or there is no URL to post to.
            CallbackRefused: the URL's host is not one the sandbox posts to.
        """
        return await self.callbacks.post_inbound(sender, to, body, url)

    @asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """Deliver callbacks in the background while the context is open."""
        async with anyio.create_task_group() as group:
            group.start_soon(self.callbacks.run)
            try:
                yield
            finally:
                group.cancel_scope.cancel()

    def route_table(self) -> list[tuple[str, str, str]]:
        """(host, method, path) for every public route."""
        table: list[tuple[str, str, str]] = []
        for host, router in self._routers.items():
            if host == INSPECTION:
                continue
            for route in router.routes:
                assert isinstance(route, Route)
                if route.path == generic.CATCH_ALL:
                    continue
                table.extend((host, method, route.path) for method in sorted(route.methods or ()) if method != "HEAD")
        return table

    def error(self, host: str, status: int, code: int, message: str, headers: dict[str, str] | None = None) -> Response:
        """An error answer in the shape of `host`: SendGrid's errors list, else Twilio's error JSON."""
        if host == SENDGRID_HOST:
            text = SENDGRID_MESSAGES.get(status, message.lower())
            return JSONResponse({"errors": [{"message": text, "field": None}]}, status_code=status, headers=headers)
        return error_response(status, code, message, headers)

    def _router(self, host: str) -> Router:
        router = self._routers.get(host)
        if router is None:

            async def unknown_path(scope: Scope, receive: Receive, send: Send) -> None:
                path = str(scope.get("path", ""))
                await self.error(host, 404, 20404, f"The requested resource {path} was not found")(scope, receive, send)

            router = self._routers[host] = Router(redirect_slashes=False, default=unknown_path)
        return router

    def _allowed_methods(self, host: str, path: str) -> str:
        methods = {
            method
            for route in self._routers[host].routes
            if isinstance(route, Route) and route.path == path
            for method in route.methods or ()
        }
        return ", ".join(sorted(methods))

    def _fault_response(self, host: str, fault: str) -> Response:
        if fault == "429":
            if host == SENDGRID_HOST:
                reset = int(self.clock.now()) + self.faults.retry_after
                headers = {"X-RateLimit-Limit": "600", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(reset)}
                return self.error(host, 429, 20429, "Too Many Requests", headers)
            return self.error(host, 429, 20429, "Too Many Requests", {"Retry-After": str(self.faults.retry_after)})
        if fault == "503":
            return self.error(host, 503, 20503, "Service Unavailable", {"Retry-After": str(self.faults.retry_after)})
        return self.error(host, 500, 20500, "Internal Server Error")

    async def _answer(
        self, host: str, route: Route, endpoint: Endpoint, request: Request, fault: str | None
    ) -> Response:
        sandbox = self
        if fault == "slow":
            await anyio.sleep(sandbox.faults.delay_seconds)
        try:
            response = await endpoint(request)
            if host not in (SENDGRID_HOST, INSPECTION) and route.path != generic.CATCH_ALL:
                response = _completed(host, request, response)
        except TwilioHTTPError as exc:
            response = error_response(exc.status, exc.code, exc.message, extra=exc.extra)
        except Exception:  # a bug in a route: answer as Twilio's servers do, and keep the trace in the log
            log.exception("sandbox route %s %s failed", request.method, route.path)
            response = sandbox.error(host, 500, 20500, "Internal Server Error")
        if sandbox.record_responses:
            sandbox.served.append(
                {
                    "host": request.headers.get("x-twilio-host", host) if host == GENERIC_HOST else host,
                    "path": request.scope.get(generic.TEMPLATE_KEY, route.path),
                    "method": request.method,
                    "status": response.status_code,
                    "body": bytes(response.body),
                }
            )
        if fault == "drop":
            raise ConnectionDropped
        return response

    def _wrap(self, host: str, route: Route, *, faults: bool = True) -> Route:
        endpoint: Endpoint = route.endpoint
        sandbox = self

        async def guarded(request: Request) -> Response:
            fault = sandbox.faults.pick() if faults and sandbox.faults.applies(host) else None
            if fault in ("429", "500", "503"):
                return sandbox._fault_response(host, str(fault))
            if not faults:
                return await sandbox._answer(host, route, endpoint, request, fault)
            if not sandbox.api_concurrency.enter():
                return sandbox._fault_response(host, "429")
            try:
                return await sandbox._answer(host, route, endpoint, request, fault)
            finally:
                sandbox.api_concurrency.leave()

        def wrong_method(path: str) -> Response:
            allow = {"Allow": self._allowed_methods(host, path)}
            return self.error(host, 405, 20004, "Method not allowed", allow)

        return HostRoute(route.path, guarded, methods=list(route.methods or ()), wrong_method=wrong_method)

    def _inspection_routes(self) -> list[Route]:
        async def advance(request: Request) -> Response:
            raw = request.query_params.get("seconds", "1")
            try:
                seconds = float(raw)
            except ValueError:
                raise bad_request(20001, f"Invalid seconds: {raw!r} is not a number") from None
            if not 0 <= seconds < float("inf"):
                raise bad_request(20001, "Invalid seconds: must be zero or more")
            self.clock.advance(seconds)
            return JSONResponse({"now": self.clock.now()})

        async def state(request: Request) -> Response:
            return JSONResponse(
                {
                    "accounts": sorted(self.state.accounts),
                    "numbers": sorted(n["phone_number"] for n in self.state.numbers.values()),
                    "messages": len(self.state.messages),
                }
            )

        async def senders(request: Request) -> Response:
            refused = self.api_concurrency.refused
            return JSONResponse({"senders": self.sender_queues.describe(), "api_concurrency_refused": refused})

        async def verify_codes(request: Request) -> Response:
            to = request.query_params.get("to")
            return JSONResponse({"codes": [c for c in self.state.verify_codes if not to or c["to"] == to]})

        async def deliver(request: Request) -> Response:
            made = await self.deliver_due_callbacks()
            return JSONResponse({"deliveries": [{"key": d.key, "status": d.status_code} for d in made]})

        async def inbound(request: Request) -> Response:
            fields = await form(request)
            sender, to, body = (first(fields, name) or "" for name in ("From", "To", "Body"))
            try:
                result = await self.post_inbound(sender, to, body, first(fields, "Url"))
            except LookupError as exc:
                return JSONResponse({"error": str(exc)}, status_code=404)
            except CallbackRefused as exc:
                return JSONResponse({"error": f"{exc}; {self.callbacks.targets.describe()}"}, status_code=403)
            return JSONResponse(result.as_dict())

        from skill.sandbox.scenarios.hooks import routes as hook_routes

        return [
            *hook_routes(self),
            Route("/_sandbox/callbacks/deliver", deliver, methods=["POST"]),
            Route("/_sandbox/inbound", inbound, methods=["POST"]),
            Route("/_sandbox/clock/advance", advance, methods=["POST"]),
            Route("/_sandbox/senders", senders, methods=["GET"]),
            Route("/_sandbox/state", state, methods=["GET"]),
            Route("/_sandbox/verify/codes", verify_codes, methods=["GET"]),
        ]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        path: str = scope.get("path", "")
        if path.startswith("/_sandbox/"):
            host = INSPECTION
        else:
            named, given = _hosts(scope.get("headers", ()))
            host = named or (given if given is not None else DEFAULT_HOST).split(":")[0]
            if host not in self._routers:
                host = GENERIC_HOST if named and named.endswith(".twilio.com") else DEFAULT_HOST
        try:
            await self._routers[host](scope, receive, send)
        except ConnectionDropped:
            if scope.get(IN_PROCESS):
                raise  # SandboxTransport turns it into the client's protocol error
            # Over HTTP: begin an answer and abandon it, so the server closes the connection mid-response.
            await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"1")]})

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        """ASGI lifespan: the callback loop runs from startup to shutdown."""
        await receive()  # lifespan.startup
        async with self.running():
            await send({"type": "lifespan.startup.complete"})
            await receive()  # lifespan.shutdown
        await send({"type": "lifespan.shutdown.complete"})
