"""A webhook receiver as a hostile network meets it: in memory, from a chosen peer address, on loopback names.

Settings are built from environment variables, as an operator sets them, so each attack is described
by the configuration it meets. Requests go through httpx.ASGITransport with app exceptions turned
into answers, so a crash shows as the 500 a client would see.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx

from skill.config import SANDBOX_ACCOUNT_SID, SANDBOX_AUTH_TOKEN, Settings
from skill.core.signing import body_sha256, compute_signature
from skill.stores.sqlite import Stores
from skill.webhooks.app import Receiver, build_webhooks_app

# The receiver as reached on this machine: a loopback name, answered to without any configuration.
BASE = "http://127.0.0.1:8766"
STATUS_PATH = "/twilio/sms/status"
INBOUND_PATH = "/twilio/sms/inbound"
STRANGER = "127.0.0.1"


def settings_from_env(home: Path, **env: str) -> Settings:
    return Settings.from_env({"TWILIO_SKILL_HOME": str(home), **env})


class Site:
    """A receiver over its own store, with clients that connect from any address."""

    def __init__(self, settings: Settings, stores: Stores, app: Any) -> None:
        self.settings = settings
        self.stores = stores
        self.app = app

    @property
    def receiver(self) -> Receiver:
        found = self.app.state.receiver
        assert isinstance(found, Receiver)
        return found

    @asynccontextmanager
    async def client(self, peer: str = STRANGER, app: Any = None) -> AsyncIterator[httpx.AsyncClient]:
        transport = httpx.ASGITransport(app=app or self.app, client=(peer, 40123), raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url=BASE, timeout=30) as client:
            yield client

    def events(self, **filters: Any) -> list[Any]:
        return self.stores.webhook_events.list(limit=10_000, oldest_first=True, **filters)


@asynccontextmanager
async def site(home: Path, **env: str) -> AsyncIterator[Site]:
    settings = settings_from_env(home, **env)
    stores = Stores.open(settings.db_path)
    try:
        yield Site(settings, stores, build_webhooks_app(settings, stores, run_worker=False))
    finally:
        stores.close()


def message_sid(n: int) -> str:
    return "SM" + f"{n:032x}"


def status_params(sid: str, status: str, **extra: str) -> dict[str, str]:
    return {"AccountSid": SANDBOX_ACCOUNT_SID, "MessageSid": sid, "MessageStatus": status, "To": "+14155550100",
            "From": "+15005550006", **extra}  # fmt: skip


def inbound_params(sid: str, body: str, sender: str = "+14155550111") -> dict[str, str]:
    return {"AccountSid": SANDBOX_ACCOUNT_SID, "MessageSid": sid, "SmsStatus": "received", "Body": body,
            "From": sender, "To": "+15005550006", "NumMedia": "0"}  # fmt: skip


def form_signature(url: str, params: dict[str, str], token: str = SANDBOX_AUTH_TOKEN) -> dict[str, str]:
    """The headers of a form post to `url` signed as Twilio signs it."""
    return {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Twilio-Signature": compute_signature(token, url, {k: [v] for k, v in params.items()}),
    }


def json_signed(base: str, path: str, raw: bytes) -> tuple[str, dict[str, str]]:
    """A JSON callback's URL (with bodySHA256 and AccountSid) and headers, signed for base + path."""
    url = f"{base}{path}?bodySHA256={body_sha256(raw)}&AccountSid={SANDBOX_ACCOUNT_SID}"
    return url, {
        "Content-Type": "application/json",
        "X-Twilio-Signature": compute_signature(SANDBOX_AUTH_TOKEN, url, None),
    }


def nested(depth: int) -> bytes:
    """A JSON object whose field Nested holds `depth` arrays inside each other."""
    head = json.dumps({"AccountSid": SANDBOX_ACCOUNT_SID, "MessageSid": message_sid(1), "MessageStatus": "sent"})
    return (head[:-1] + ', "Nested": ' + "[" * depth + "]" * depth + "}").encode()
