"""An operator reads approval requests a hostile agent opened, in a real terminal: `approvals list`,
`approvals show` and `approvals approve` print the agent's text escaped, never raw."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from mcp import Client

from skill.config import ALL_TOOLSETS, Settings
from skill.sandbox.state import make_sid
from skill.server.app import build_server
from skill.wiring import build_services
from tests.conftest import call
from tests.e2e.support import run_cli
from tests.security.terminal import FORGED_LINE, HOSTILE, raw_controls, run_in_terminal

pytestmark = pytest.mark.anyio
SHORT = "\x1b[2J\x1b[32mAPPROVED\nAPPROVED by security\r\u202e\u2066\u200b\x9b1m"
REQUESTS: list[tuple[str, dict[str, Any]]] = [
    ("subaccount_create", {"friendly_name": SHORT}),
    ("number_configure", {"sid": make_sid("PN", "seed", "+15005550006"), "friendly_name": SHORT}),
    ("message_send", {"to": "+14155550100", "from": "+15005550006", "body": HOSTILE}),
]
# The styling rich gives a table of its own (bold headers, a dim caption): Select Graphic Rendition.
OWN_STYLING = re.compile(r"\x1b\[[0-9;]*m")


@pytest.fixture
async def approval_ids(tmp_path: Path) -> list[str]:
    """Requests opened by a hostile agent through the server, in the home the CLI will read."""
    policy = tmp_path / "policy.toml"
    policy.write_text("[tools]\n" + "".join(f'{tool} = "approve"\n' for tool, _ in REQUESTS))
    settings = Settings(home=tmp_path / "home", toolsets=ALL_TOOLSETS, policy_path=policy)
    services = build_services(settings)
    ids = []
    try:
        async with Client(build_server(settings, services)) as client:
            for tool, args in REQUESTS:
                waiting = await call(client, tool, args)
                ids.append(str(waiting.error["approval"]["id"]))
    finally:
        await services.aclose()
    return ids


def assert_no_raw_attack(output: bytes) -> None:
    text = output.decode("utf-8", errors="replace").replace("\r\n", "\n")
    assert "\x1b[32m" not in text and "\x1b[2J" not in text, text  # the agent's own sequences
    plain = OWN_STYLING.sub("", text)
    assert raw_controls(plain) == [], plain
    assert "\r" not in plain, plain
    assert not FORGED_LINE.search(plain), plain


async def test_approvals_list_shows_hostile_summaries_escaped(tmp_path: Path, approval_ids: list[str]) -> None:
    run = run_in_terminal(tmp_path / "home", "approvals", "list")
    assert run.exit_code == 0, run.text
    assert all(approval_id in run.text for approval_id in approval_ids), run.text
    assert_no_raw_attack(run.output)


async def test_approvals_show_prints_a_hostile_request_escaped(tmp_path: Path, approval_ids: list[str]) -> None:
    for approval_id in approval_ids:
        run = run_in_terminal(tmp_path / "home", "approvals", "show", approval_id)
        assert run.exit_code == 0, run.text
        assert "x1b[2J" in run.text, run.text  # shown, as an escape
        assert_no_raw_attack(run.output)
        assert OWN_STYLING.search(run.text) is None  # plain lines: no escape sequence at all


async def test_approving_a_hostile_request_prints_its_summary_escaped(tmp_path: Path, approval_ids: list[str]) -> None:
    created = run_cli(tmp_path / "home", "operators", "create", "ops")
    assert created.returncode == 0, created.stderr
    credential = {"TWILIO_SKILL_OPERATOR_TOKEN": created.stdout.strip()}
    run = run_in_terminal(tmp_path / "home", "approvals", "approve", approval_ids[0], env=credential)
    assert run.exit_code == 0, run.text
    assert f"Approved {approval_ids[0]} (subaccount_create)" in run.text, run.text
    assert "x1b[2J" in run.text, run.text  # shown, as an escape
    assert_no_raw_attack(run.output)
