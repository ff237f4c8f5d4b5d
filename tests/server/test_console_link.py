"""A request's console page in error.approval, approval_status and its resource, from either the
policy's [console] public_url or TWILIO_SKILL_CONSOLE_URL."""

from __future__ import annotations

from pathlib import Path

import anyio
import pytest
from mcp import Client

from skill.config import ALL_TOOLSETS, Settings
from skill.errors import ConfigError
from skill.policy.policy import load_policy
from skill.sandbox.app import Sandbox
from skill.server.app import build_server
from skill.wiring import build_services, console_url_of
from tests.conftest import call
from tests.server.test_approval_subscriptions import read_json

pytestmark = pytest.mark.anyio


def policy_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "policy.toml"
    path.write_text(text)
    return path


async def gated_link(settings: Settings, sandbox: Sandbox) -> tuple[str, str | None, str | None, str | None]:
    """(request id, console_url of error.approval, of approval_status, of the resource) for a release."""
    services = build_services(settings, sandbox=sandbox)
    try:
        async with Client(build_server(settings, services)) as client:
            with anyio.fail_after(20):
                numbers = await call(client, "numbers_list")
                gated = await call(client, "number_release", {"sid": numbers.data["items"][0]["sid"]})
                approval = gated.error["approval"]
                status = await call(client, "approval_status", {"approval_id": approval["id"]})
                resource = await read_json(client, f"twilio://approvals/{approval['id']}")
        return approval["id"], approval["console_url"], status.data.get("console_url"), resource["console_url"]
    finally:
        services.stores.close()
        await services.twilio.aclose()


async def test_the_policy_console_url_links_the_request_everywhere_an_agent_sees_it(
    tmp_path: Path, sandbox: Sandbox
) -> None:
    path = policy_file(tmp_path, '[console]\npublic_url = "https://console.example.com/"\n')
    settings = Settings(home=tmp_path / "home", toolsets=ALL_TOOLSETS, policy_path=path)
    approval_id, *links = await gated_link(settings, sandbox)
    assert links == [f"https://console.example.com/approvals/{approval_id}"] * 3


async def test_the_console_url_setting_links_the_request_and_wins_over_the_policy(
    tmp_path: Path, sandbox: Sandbox
) -> None:
    path = policy_file(tmp_path, '[console]\npublic_url = "https://policy.example.com"\n')
    settings = Settings(
        home=tmp_path / "home", toolsets=ALL_TOOLSETS, policy_path=path, console_url="https://ops.example.net"
    )
    approval_id, *links = await gated_link(settings, sandbox)
    assert links == [f"https://ops.example.net/approvals/{approval_id}"] * 3
    assert console_url_of(settings) == "https://ops.example.net"


async def test_without_a_console_no_link_is_given(tmp_path: Path, sandbox: Sandbox) -> None:
    settings = Settings(home=tmp_path / "home", toolsets=ALL_TOOLSETS)
    _, *links = await gated_link(settings, sandbox)
    assert links == [None, None, None]


@pytest.mark.parametrize(
    "url",
    ["ftp://console.example.com", "https://user:pw@console.example.com", "javascript:alert(1)", "https://", ""],
)
def test_a_console_url_that_is_not_plain_http_is_refused_at_load(tmp_path: Path, url: str) -> None:
    path = policy_file(tmp_path, f'[console]\npublic_url = "{url}"\n')
    with pytest.raises(ConfigError) as raised:
        load_policy(path)
    assert raised.value.code == "config.policy_invalid"
    assert "[console].public_url" in raised.value.message
