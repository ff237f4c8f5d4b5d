from __future__ import annotations

from pathlib import Path

import pytest

from skill.config import Settings
from skill.errors import ConfigError
from skill.gateways.http import SkillHttpClient
from skill.gateways.twilio_gateway import TwilioGateway

SID = "AC" + "4" * 32


def test_live_mode_prefers_the_api_key_and_keeps_region_and_edge(tmp_path: Path) -> None:
    settings = Settings(
        home=tmp_path,
        account_sid=SID,
        api_key="SK" + "5" * 32,
        api_secret="sec",
        auth_token="tok",
        region="ie1",
        edge="dublin",
    )
    client = TwilioGateway(settings).client()
    assert client.username == "SK" + "5" * 32
    assert client.password == "sec"
    assert client.account_sid == SID
    assert client.region == "ie1" and client.edge == "dublin"
    assert isinstance(client.http_client, SkillHttpClient)


def test_live_mode_falls_back_to_the_auth_token(tmp_path: Path) -> None:
    client = TwilioGateway(Settings(home=tmp_path, account_sid=SID, auth_token="tok")).client()
    assert client.username == SID and client.password == "tok"


def test_sandbox_mode_without_a_sandbox_is_a_configuration_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError):
        TwilioGateway(Settings(home=tmp_path))


def test_the_http_client_sends_twilio_hosts_to_the_sandbox_and_keeps_the_product_host() -> None:
    http = SkillHttpClient(rewrite_base="http://127.0.0.1:9999/base")
    headers: dict[str, str] = {}
    target = http._target("https://verify.twilio.com/v2/Services?PageSize=5", headers)
    assert target == "http://127.0.0.1:9999/base/v2/Services?PageSize=5"
    assert headers == {"X-Twilio-Host": "verify.twilio.com"}
    untouched: dict[str, str] = {}
    assert http._target("https://example.com/x", untouched) == "https://example.com/x"
    assert untouched == {}
