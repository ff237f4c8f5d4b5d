"""An agent finds the right tool: the instructions name the toolsets and how to enable more, single
tools can be enabled, each tool carries its tier, and the CLI shows a tool as a model sees it."""

from __future__ import annotations

from pathlib import Path

import anyio
import pytest
from click.testing import CliRunner
from mcp import Client

from skill.cli.main import cli
from skill.config import Settings
from skill.errors import ConfigError
from skill.server.app import build_server
from skill.toolsets import TOOLSETS

pytestmark = pytest.mark.anyio


async def listed(settings: Settings) -> tuple[str, dict[str, dict[str, object]]]:
    async with Client(build_server(settings)) as client:
        with anyio.fail_after(20):
            tools = (await client.list_tools()).tools
        return client.instructions or "", {tool.name: dict(tool.meta or {}) for tool in tools}


async def test_the_instructions_name_every_toolset_what_it_is_for_and_how_to_enable_it(tmp_path: Path) -> None:
    text, _ = await listed(Settings(home=tmp_path, toolsets=("messaging", "ops")))
    for toolset in TOOLSETS:
        assert f"{toolset.name} ({toolset.purpose})" in text
    assert text.index("Toolsets enabled: messaging") < text.index("Not enabled: accounts")
    assert "--toolsets" in text and "--tools" in text
    for entry in ("error_explain", "account_audit", "message_timeline"):
        assert entry in text


async def test_single_tools_are_enabled_beside_the_toolsets_and_carry_their_tier(tmp_path: Path) -> None:
    text, tools = await listed(Settings(home=tmp_path, toolsets=("ops",), tools=("call_get", "message_send")))
    assert {"call_get", "message_send", "error_explain"} <= set(tools)
    assert "messages_list" not in tools and "call_create" not in tools
    assert tools["call_get"] == {"tier": "READ"} and tools["message_send"] == {"tier": "SEND"}
    assert "Single tools enabled as well: call_get, message_send." in text


async def test_read_only_mode_keeps_single_tools_read_only(tmp_path: Path) -> None:
    _, tools = await listed(
        Settings(home=tmp_path, toolsets=("ops",), tools=("call_get", "message_send"), read_only=True)
    )
    assert "call_get" in tools and "message_send" not in tools


def test_an_unknown_single_tool_is_refused_when_the_server_is_built(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        build_server(Settings(home=tmp_path, tools=("call_gett",)))
    assert info.value.code == "config.unknown_tool"


def test_tools_show_prints_a_tool_as_a_model_sees_it(tmp_path: Path) -> None:
    runner = CliRunner()
    shown = runner.invoke(cli, ["tools", "show", "number_release"], env={"TWILIO_SKILL_HOME": str(tmp_path)})
    assert shown.exit_code == 0, shown.output
    assert shown.output.startswith("number_release: DESTRUCTIVE tool in the numbers toolset")
    assert '"inputSchema"' in shown.output and '"approval_id"' in shown.output
    missing = runner.invoke(cli, ["tools", "show", "nope\x1b[2J"], env={"TWILIO_SKILL_HOME": str(tmp_path)})
    assert missing.exit_code != 0 and "\x1b" not in missing.output
