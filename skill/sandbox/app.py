"""The sandbox ASGI app: routes per product host, faults, and an inspection API for tests."""

from __future__ import annotations

import importlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import anyio
import httpx
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, Router
from starlette.types import Receive, Scope, Send

from skill.config import Settings
from skill.sandbox.clock import SandboxClock
from skill.sandbox.faults import Faults
from skill.sandbox.http import TwilioHTTPError, error_response
from skill.sandbox.state import SandboxState, seed

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
    "lookups",
    "monitor",
    "usage",
    "sendgrid",
)
DEFAULT_HOST = "api.twilio.com"
Endpoint = Callable[[Request], Awaitable[Response]]


class Sandbox:
    def __init__(self, *, clock: SandboxClock | None = None, faults: Faults | None = None) -> None:
        self.clock = clock or SandboxClock()
        self.faults = faults or Faults()
        self.state = seed(SandboxState(clock=self.clock))
        self.step_seconds = 1.0  # time between message/call status steps
        self.served: list[dict[str, Any]] = []  # (host, route, method, status, body) for contract tests
        self.record_responses = False
        self._routers: dict[str, Router] = {}
        for module_name in ROUTE_MODULES:
            module = importlib.import_module(f"skill.sandbox.{module_name}")
            for host, routes in module.routes(self).items():
                router = self._routers.setdefault(host, Router())
                router.routes.extend(self._wrap(host, route) for route in routes)
        self._routers.setdefault("_sandbox", Router()).routes.extend(self._inspection_routes())

    @classmethod
    def from_settings(cls, settings: Settings) -> Sandbox:
        return cls(faults=Faults.parse(settings.sandbox_faults))

    def transport(self) -> httpx.AsyncBaseTransport:
        return httpx.ASGITransport(app=self)

    def route_table(self) -> list[tuple[str, str, str]]:
        """(host, method, path) for every public route."""
        table: list[tuple[str, str, str]] = []
        for host, router in self._routers.items():
            if host == "_sandbox":
                continue
            for route in router.routes:
                assert isinstance(route, Route)
                table.extend((host, method, route.path) for method in sorted(route.methods or ()) if method != "HEAD")
        return table

    def _wrap(self, host: str, route: Route) -> Route:
        endpoint: Endpoint = route.endpoint
        sandbox = self

        async def guarded(request: Request) -> Response:
            fault = sandbox.faults.pick()
            if fault == "429":
                return error_response(
                    429, 20429, "Too Many Requests", headers={"Retry-After": str(sandbox.faults.retry_after)}
                )
            if fault == "500":
                return error_response(500, 20500, "Internal Server Error")
            if fault == "slow":
                await anyio.sleep(sandbox.faults.delay_seconds)
            try:
                response = await endpoint(request)
            except TwilioHTTPError as exc:
                response = error_response(exc.status, exc.code, exc.message)
            if sandbox.record_responses:
                sandbox.served.append(
                    {
                        "host": host,
                        "path": route.path,
                        "method": request.method,
                        "status": response.status_code,
                        "body": bytes(response.body),
                    }
                )
            return response

        return Route(route.path, guarded, methods=list(route.methods or ()))

    def _inspection_routes(self) -> list[Route]:
        async def advance(request: Request) -> Response:
            seconds = float(request.query_params.get("seconds", "1"))
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

        async def verify_codes(request: Request) -> Response:
            to = request.query_params.get("to")
            return JSONResponse({"codes": [c for c in self.state.verify_codes if not to or c["to"] == to]})

        return [
            Route("/_sandbox/clock/advance", advance, methods=["POST"]),
            Route("/_sandbox/state", state, methods=["GET"]),
            Route("/_sandbox/verify/codes", verify_codes, methods=["GET"]),
        ]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        headers = {k.decode().lower(): v.decode() for k, v in scope.get("headers", [])}
        path: str = scope.get("path", "")
        if path.startswith("/_sandbox/"):
            host = "_sandbox"
        else:
            host = headers.get("x-twilio-host") or headers.get("host", DEFAULT_HOST).split(":")[0]
            if host not in self._routers:
                host = DEFAULT_HOST
        await self._routers[host](scope, receive, send)
