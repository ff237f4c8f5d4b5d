"""The installed server, spawned over stdio as a client would: list tools, send, read back."""

from __future__ import annotations

from pathlib import Path

import anyio
import pytest

from tests.conftest import call
from tests.e2e.support import stdio_server

pytestmark = [pytest.mark.anyio, pytest.mark.slow]

START_TIMEOUT = 30


async def test_a_spawned_server_lists_tools_refuses_a_bad_number_and_sends_to_a_good_one(tmp_path: Path) -> None:
    with anyio.fail_after(START_TIMEOUT):
        async with stdio_server(tmp_path / "home") as client:
            names = {tool.name for tool in (await client.list_tools()).tools}
            assert {"message_send", "message_get", "account_get"} <= names

            refused = await call(client, "message_send", {"to": "+15005550001", "from": "+15005550006", "body": "hi"})
            assert refused.error["code"] == "twilio.21211"
            assert refused.error["remediation"]
            assert all(step.strip() for step in refused.error["remediation"])

            sent = await call(client, "message_send", {"to": "+14155550100", "from": "+15005550006", "body": "hi"})
            assert not sent.is_error, sent
            assert sent.data["environment"] == "sandbox"
            sid = sent.data["sid"]

            fetched = await call(client, "message_get", {"sid": sid})
            assert not fetched.is_error, fetched
            assert fetched.data["sid"] == sid
            assert fetched.data["to"] == "+14155550100"
            assert fetched.data["body"] == "hi"


async def test_a_spawned_server_lists_only_read_tools_in_read_only_mode(tmp_path: Path) -> None:
    with anyio.fail_after(START_TIMEOUT):
        async with stdio_server(tmp_path / "home", "--read-only") as client:
            tools = (await client.list_tools()).tools
    assert tools
    assert "message_send" not in {tool.name for tool in tools}
    assert all(tool.annotations and tool.annotations.read_only_hint for tool in tools)
