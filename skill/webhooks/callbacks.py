"""A Twilio callback whose signature verified, as the receiver hands it to an extension handler (IVR)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response


@dataclass(frozen=True)
class TwilioCallback:
    """A Twilio request whose signature verified: what an extension handler (IVR) is given."""

    request: Request
    url: str
    params: dict[str, list[str]]
    account_sid: str | None
    raw_body: bytes

    def value(self, name: str) -> str | None:
        values = self.params.get(name)
        return values[0] if values else None


TwilioHandler = Callable[[TwilioCallback], Awaitable[Response]]
