"""The HTTP client the Twilio SDK uses: httpx underneath, retries where they are safe.

It is the seam to the sandbox: with a `rewrite_base`, every `https://*.twilio.com` URL is sent to
that base instead and the product host travels in the `X-Twilio-Host` header; the transport may be
an in-process ASGI app. Retries: HTTP 429 (the request was not processed) and connection failures
before anything was sent, with exponential backoff and full jitter, honouring Retry-After, within a
bounded total time. A request that may have reached Twilio (read timeout, 5xx on a write) is never
retried here; it is raised as `OutcomeUnknown`. The Retry-After of a 429 or 503 that is given up on
is kept in `RETRY_AFTER` (per task), so the error raised for it can tell its caller how long to wait.
"""

from __future__ import annotations

import base64
import logging
import random
import time
from contextvars import ContextVar
from email.utils import parsedate_to_datetime
from functools import lru_cache
from urllib.parse import urlsplit, urlunsplit

import anyio
import httpx
from twilio.http import AsyncHttpClient
from twilio.http.response import Response

from skill.gateways.in_process import Answer, InProcessExchange, request_parts
from skill.redaction import mask_phone

log = logging.getLogger("twilio_skill.http")
PRODUCT_HOST_HEADER = "X-Twilio-Host"
# Transport failures that happen before any byte of the request left.
NOTHING_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
MAX_RETRY_AFTER = 3600.0  # a server's wish beyond an hour is taken as an hour
RETRY_AFTER: ContextVar[float | None] = ContextVar("retry_after", default=None)


def retry_after_seconds(value: str | None, now: float | None = None) -> float | None:
    """Seconds a Retry-After header asks for (delta-seconds or an HTTP date), bounded; None if unreadable."""
    if not value:
        return None
    text = value.strip()[:64]
    try:
        seconds = float(text)
    except ValueError:
        try:
            when = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            return None
        seconds = when.timestamp() - (time.time() if now is None else now)
    if seconds != seconds:  # NaN
        return None
    return min(max(seconds, 0.0), MAX_RETRY_AFTER)


class OutcomeUnknown(Exception):
    """A write may or may not have reached the provider."""

    def __init__(
        self, method: str, url: str, reason: str, *, status: int | None = None, retry_after: float | None = None
    ) -> None:
        super().__init__(f"{method} {url}: {reason}")
        self.method = method
        self.url = url
        self.reason = reason
        self.status = status
        self.retry_after = retry_after


class Unreachable(Exception):
    """The provider could not be reached at all; nothing was sent."""


class RetryPolicy:
    def __init__(self, attempts: int = 4, base: float = 0.25, cap: float = 4.0, budget: float = 10.0) -> None:
        self.attempts = attempts
        self.base = base
        self.cap = cap
        self.budget = budget

    def delay(self, attempt: int, retry_after: str | None) -> float | None:
        """Seconds to wait before the next try; None when the server asks for a longer wait than the cap
        (the caller then reports the error, retryable, rather than retrying too early)."""
        if retry_after:
            try:
                asked = float(retry_after)
            except ValueError:
                asked = -1.0
            if asked >= 0:
                return asked if asked <= self.cap else None
        return random.uniform(0, min(self.cap, self.base * (2**attempt)))


@lru_cache(maxsize=64)
def basic_authorization(username: str, password: str) -> str:
    """The Authorization header value of HTTP Basic credentials."""
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode("ascii")


class SkillHttpClient(AsyncHttpClient):  # type: ignore[misc]
    def __init__(
        self,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        rewrite_base: str | None = None,
        timeout: float = 20.0,
        retry: RetryPolicy | None = None,
    ) -> None:
        super().__init__(logger=log, is_async=True, timeout=timeout)
        self.rewrite_base = rewrite_base.rstrip("/") if rewrite_base else None
        self.retry = retry or RetryPolicy()
        self._client = httpx.AsyncClient(transport=transport, timeout=timeout, follow_redirects=False)
        # The embedded sandbox's transport, when given: asked once here, as a check per request costs more
        # than the rest of preparing one.
        self._exchange = transport if isinstance(transport, InProcessExchange) else None

    def _target(self, url: str, headers: dict[str, str]) -> str:
        if not self.rewrite_base:
            return url
        parts = urlsplit(url)
        host = parts.hostname or ""
        if host != "twilio.com" and not host.endswith(".twilio.com"):
            return url
        base = urlsplit(self.rewrite_base)
        headers[PRODUCT_HOST_HEADER] = host
        return urlunsplit((base.scheme, base.netloc, base.path + parts.path, parts.query, parts.fragment))

    async def request(
        self,
        method: str,
        url: str,
        params: dict[str, object] | None = None,
        data: dict[str, object] | None = None,
        headers: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        timeout: float | None = None,
        allow_redirects: bool = False,
    ) -> Response:
        send_headers = dict(headers or {})
        target = self._target(url, send_headers)
        method = method.upper()
        deadline = time.monotonic() + self.retry.budget
        attempt = 0
        RETRY_AFTER.set(None)
        while True:
            try:
                # A JSON body (Content-Type: application/json, as the SDK sets it) is sent as JSON, else as a form.
                as_json = send_headers.get("Content-Type") == "application/json" and data is not None
                response = await self._send(
                    method,
                    target,
                    params=params,
                    data=None if as_json else data,
                    json=data if as_json else None,
                    headers=send_headers,
                    auth=auth,
                    timeout=timeout or self.timeout,
                )
            except httpx.TransportError as exc:
                # Nothing reached the server, or a read that changes nothing: safe to retry, and if it
                # keeps failing, plainly "could not reach", never "unknown".
                if isinstance(exc, NOTHING_SENT) or method == "GET":
                    if not await self._backoff(attempt, None, deadline):
                        raise Unreachable(f"{method} {mask_phone(url)}: {exc.__class__.__name__}") from exc
                    attempt += 1
                    continue
                raise OutcomeUnknown(method, mask_phone(url), exc.__class__.__name__) from exc
            if response.status_code == 429 and await self._backoff(
                attempt, response.headers.get("retry-after"), deadline
            ):
                attempt += 1
                continue
            if response.status_code >= 500 and method == "GET" and await self._backoff(attempt, None, deadline):
                attempt += 1
                continue
            status = response.status_code
            asked = retry_after_seconds(response.headers.get("retry-after")) if status in (429, 503) else None
            if status >= 500 and method != "GET":
                raise OutcomeUnknown(method, mask_phone(url), f"HTTP {status}", status=status, retry_after=asked)
            RETRY_AFTER.set(asked)
            return Response(response.status_code, response.text, response.headers)

    async def _send(
        self,
        method: str,
        url: str,
        *,
        params: dict[str, object] | None,
        data: dict[str, object] | None,
        json: dict[str, object] | None,
        headers: dict[str, str],
        auth: tuple[str, str] | None,
        timeout: float,
    ) -> Answer:
        """One exchange. The embedded sandbox takes it as plain values (skill.gateways.in_process);
        anything else goes through the HTTP client."""
        exchange = self._exchange
        if exchange is not None:
            if auth is not None:
                headers = {**headers, "Authorization": basic_authorization(*auth)}
            target, sent, body = request_parts(url, params=params, data=data, json_body=json, headers=headers)
            return await exchange.exchange(method, target, sent, body)
        response = await self._client.request(
            method,
            url,
            params=params,  # type: ignore[arg-type]
            data=data,
            json=json,
            headers=headers,
            auth=auth,
            timeout=timeout,
        )
        return Answer(response.status_code, response.text, response.headers)

    async def _backoff(self, attempt: int, retry_after: str | None, deadline: float) -> bool:
        if attempt + 1 >= self.retry.attempts:
            return False
        pause = self.retry.delay(attempt, retry_after)
        if pause is None or time.monotonic() + pause > deadline:
            return False
        await anyio.sleep(pause)
        return True

    async def aclose(self) -> None:
        await self._client.aclose()
