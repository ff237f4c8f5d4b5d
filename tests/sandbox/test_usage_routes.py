"""Usage records advertise only subresources the sandbox serves, and triggers refuse a missing or
malformed CallbackUrl with Twilio's codes."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from skill.config import SANDBOX_ACCOUNT_SID, SANDBOX_AUTH_TOKEN
from skill.sandbox.app import Sandbox
from tests.contract import contract

pytestmark = pytest.mark.anyio
USAGE = f"/2010-04-01/Accounts/{SANDBOX_ACCOUNT_SID}/Usage"


@pytest.fixture
async def http(sandbox: Sandbox) -> AsyncIterator[httpx.AsyncClient]:
    auth = (SANDBOX_ACCOUNT_SID, SANDBOX_AUTH_TOKEN)
    async with httpx.AsyncClient(transport=sandbox.transport(), base_url="http://sandbox", auth=auth) as client:
        yield client


async def test_every_subresource_uri_of_a_usage_record_answers_with_the_published_schema(
    http: httpx.AsyncClient, sandbox: Sandbox
) -> None:
    with contract(sandbox):
        records = (await http.get(f"{USAGE}/Records.json?Category=sms")).json()["usage_records"]
        uris = records[0]["subresource_uris"]
        assert "all_time" in uris
        for uri in uris.values():
            response = await http.get(uri)
            assert response.status_code == 200, (uri, response.text)
            assert response.json()["usage_records"][0]["category"] == "sms"
        all_time = (await http.get(uris["all_time"])).json()["usage_records"][0]
        assert all_time["count"] == records[0]["count"]


async def test_a_trigger_without_a_callback_url_is_a_missing_parameter_and_a_bad_one_21502(
    http: httpx.AsyncClient, sandbox: Sandbox
) -> None:
    fields = {"TriggerValue": "100", "UsageCategory": "sms"}
    missing = await http.post(f"{USAGE}/Triggers.json", data=fields)
    assert missing.status_code == 400
    assert missing.json()["code"] == 20001 and "CallbackUrl" in missing.json()["message"]
    malformed = await http.post(f"{USAGE}/Triggers.json", data={**fields, "CallbackUrl": "ftp://example.com/t"})
    assert (malformed.status_code, malformed.json()["code"]) == (400, 21502)
    assert [t for t in sandbox.state.usage_triggers.values() if t["account_sid"] == SANDBOX_ACCOUNT_SID] == []
