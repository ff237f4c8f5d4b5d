"""A receiver app over a temporary store, reached in memory; processing is driven by the test."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from skill.config import Settings
from skill.stores.sqlite import Stores
from skill.webhooks.app import Receiver, build_webhooks_app
from tests.webhooks.support import BASE, RECEIVER_HOST, ec_key_pair


@pytest.fixture
def sendgrid_key() -> tuple[Any, str]:
    return ec_key_pair()


@pytest.fixture
def receiver_settings(tmp_path: Path, sendgrid_key: tuple[Any, str]) -> Settings:
    return Settings(
        home=tmp_path / "receiver-home",
        sendgrid_webhook_public_key=sendgrid_key[1],
        inbound_parse_token="parse-token",
        webhook_shared_key="shared-secret",
        help_text="Acme alerts. Reply STOP to stop.",
        webhook_allowed_hosts=(RECEIVER_HOST,),
    )


@pytest.fixture
def receiver_stores(receiver_settings: Settings) -> Iterator[Stores]:
    stores = Stores.open(receiver_settings.db_path)
    yield stores
    stores.close()


@pytest.fixture
def receiver_app(receiver_settings: Settings, receiver_stores: Stores) -> Any:
    return build_webhooks_app(receiver_settings, receiver_stores, run_worker=False)


@pytest.fixture
def receiver(receiver_app: Any) -> Receiver:
    found = receiver_app.state.receiver
    assert isinstance(found, Receiver)
    return found


@pytest.fixture
async def web(receiver_app: Any) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=receiver_app), base_url=BASE, timeout=10) as c:
        yield c
