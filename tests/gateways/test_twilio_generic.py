"""The generic gateway sends only to Twilio's API hosts, JSON bodies as JSON, and translates refusals."""

from __future__ import annotations

from pathlib import Path

import pytest

from skill.config import SANDBOX_ACCOUNT_SID, Settings
from skill.errors import InputError, UpstreamError
from skill.gateways.twilio_gateway import TwilioGateway
from skill.sandbox.app import Sandbox

pytestmark = pytest.mark.anyio


@pytest.fixture
def gateway(tmp_path: Path, sandbox: Sandbox) -> TwilioGateway:
    return TwilioGateway(Settings(home=tmp_path), sandbox_transport=sandbox.transport())


@pytest.mark.parametrize(
    "url",
    [
        "http://api.twilio.com/2010-04-01/Accounts.json",
        "https://evil.example.com/v1/Services",
        "https://api.twilio.com.evil.example/v1/Services",
        "https://user@sync.twilio.com/v1/Services",
        "https://sync.twilio.com:8443/v1/Services",
        "https://twilio.com/v1/Services",
        "https://evil.twilio.com/v1/Services",  # on twilio.com, but no spec names it
        "https://SYNC.twilio.com:443/v1/Services",
    ],
)
async def test_a_url_off_twilios_api_hosts_is_refused_before_sending(
    gateway: TwilioGateway, sandbox: Sandbox, url: str
) -> None:
    sandbox.record_responses = True
    with pytest.raises(InputError, match="not a Twilio API host") as refused:
        await gateway.operations.request("GET", url, what="test")
    assert refused.value.code == "input.invalid" and "twilio_api_find" in refused.value.remediation[0]
    assert sandbox.served == []


async def test_a_json_body_arrives_as_json_and_a_refusal_is_translated(gateway: TwilioGateway) -> None:
    status, body = await gateway.operations.request(
        "POST",
        "https://content.twilio.com/v1/Content",
        what="create content",
        json_body={"friendly_name": "promo", "language": "en", "types": {"twilio/text": {"body": "Hi"}}},
    )
    assert status == 201 and body["friendly_name"] == "promo" and body["types"] == {"twilio/text": {"body": "Hi"}}
    with pytest.raises(UpstreamError) as caught:
        await gateway.operations.request(
            "GET",
            f"https://api.twilio.com/2010-04-01/Accounts/{SANDBOX_ACCOUNT_SID}/Queues/QU{'0' * 32}.json",
            what="q",
        )
    assert caught.value.code == "twilio.20404" and caught.value.http_status == 404
    await gateway.aclose()
