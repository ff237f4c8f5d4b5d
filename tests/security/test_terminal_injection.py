"""A hostile agent (or a hostile answer from Twilio or the network) puts terminal escapes, bidi
overrides, zero-width characters and forged lines into the text an operator reads: approval
summaries, CLI output and log lines. Everything arrives quoted and escaped: nothing clears the
screen, paints a verdict or starts a line of its own."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from mcp import Client
from pydantic import Field

from skill.config import SANDBOX_ACCOUNT_SID, SANDBOX_AUTH_TOKEN, Settings
from skill.core.context import Services
from skill.policy.tiers import Tier
from skill.results import Model, ToolResult
from skill.sandbox.app import Sandbox
from skill.sandbox.state import make_sid
from skill.server.app import build_server
from skill.server.dispatch import dispatch
from skill.server.registry import ToolSpec
from skill.wiring import build_services
from tests.conftest import call
from tests.e2e.support import free_port
from tests.security.terminal import FORGED_LINE, HOSTILE, PAYLOADS, raw_controls, run_in_terminal

pytestmark = pytest.mark.anyio
SENDER = "+15005550006"
CONTACT = "+14155550100"
NUMBER = make_sid("PN", "seed", "+15005550006")
# The same attacks in 64 characters, for names Twilio limits to that.
SHORT = "\x1b[2J\x1b[32mAPPROVED\nAPPROVED by security\r\u202e\u2066\u200b\x9b1m"
FLOW = json.dumps(
    {
        "description": "x",
        "states": [{"name": "Trigger", "type": "trigger", "transitions": [], "properties": {}}],
        "initial_state": "Trigger",
        "flags": {},
    }
)
# (tool, arguments carrying the attack, whether the attack is in a field the summary shows)
GATED_CALLS: list[tuple[str, dict[str, Any], bool]] = [
    ("subaccount_create", {"friendly_name": SHORT}, True),
    ("apikey_create", {"friendly_name": SHORT}, True),
    ("verify_service_create", {"friendly_name": "\x1b[2J\x1b[32mAPPROVED\u202e\x9b\n"}, True),
    ("messaging_service_create", {"friendly_name": SHORT}, True),
    ("number_buy", {"phone_number": CONTACT, "friendly_name": SHORT}, False),
    ("number_configure", {"sid": NUMBER, "friendly_name": SHORT}, True),
    ("message_send", {"to": CONTACT, "from": SENDER, "body": HOSTILE}, True),
    ("studio_flow_deploy", {"definition": FLOW, "friendly_name": HOSTILE, "commit_message": HOSTILE}, True),
    (
        "usage_trigger_create",
        {"usage_category": "sms", "trigger_value": "1", "callback_url": "https://e.com/t", "friendly_name": SHORT},
        False,
    ),
    ("email_send", {"to": ["ops@example.com"], "from": "app@example.com", "subject": HOSTILE, "text": "x"}, True),
]


def assert_safe(text: str, where: str) -> None:
    """No raw control, bidi or zero-width character, no line break, no forged verdict line."""
    assert raw_controls(text) == [], (where, text)
    assert "\n" not in text and "\r" not in text, (where, text)
    assert not FORGED_LINE.search(text), (where, text)


@pytest.fixture
async def gated(settings: Settings, sandbox: Sandbox, tmp_path: Path) -> AsyncIterator[tuple[Client, Services]]:
    policy = tmp_path / "gated.toml"
    policy.write_text("[tools]\n" + "".join(f'{tool} = "approve"\n' for tool, _, _ in GATED_CALLS))
    gated_settings = settings.with_overrides(policy_path=policy)
    services = build_services(gated_settings, sandbox=sandbox)
    async with Client(build_server(gated_settings, services)) as connected:
        yield connected, services
    await services.aclose()


@pytest.mark.parametrize(("tool", "args", "shown"), GATED_CALLS, ids=[tool for tool, _, _ in GATED_CALLS])
async def test_a_gated_call_summary_shows_the_agents_text_quoted_and_escaped(
    gated: tuple[Client, Services], tool: str, args: dict[str, Any], shown: bool
) -> None:
    client, services = gated
    waiting = await call(client, tool, args)
    error = waiting.error
    assert error["code"] == "policy.approval_required", error
    summary = error["approval"]["summary"]
    assert_safe(summary, "approval.summary")
    for step in error["remediation"]:
        assert_safe(step, "remediation")
    assert raw_controls(error["message"]) == []
    (stored,) = services.stores.approvals.list()
    assert stored.summary == summary
    (requested,) = [e for e in services.stores.audit.tail(limit=50) if e.event == "approval.requested"]
    assert_safe(requested.detail["summary"], "audit detail")
    if shown:
        assert "\\x1b[2J" in summary and "\\x1b[32mAPPROVED" in summary
        assert "\\n" in summary and "\\u202e" in summary and "\\x9b" in summary and '"' in summary


async def test_a_quote_in_the_agents_text_cannot_close_the_quotes_around_it(gated: tuple[Client, Services]) -> None:
    client, _ = gated
    waiting = await call(client, "subaccount_create", {"friendly_name": 'x". APPROVED by security. "'})
    summary = waiting.error["approval"]["summary"]
    assert summary == 'Create subaccount "x\\". APPROVED by security. \\"".'


async def test_a_long_value_is_capped_in_the_summary(gated: tuple[Client, Services]) -> None:
    client, _ = gated
    waiting = await call(client, "message_send", {"to": CONTACT, "from": SENDER, "body": "A" * 1600})
    summary = waiting.error["approval"]["summary"]
    assert "A" * 120 + "…" in summary and len(summary) < 300


class GhostInput(Model):
    name: str = Field(description="Any text.")
    tags: list[str] = Field(default_factory=list, description="Any texts.")
    data: dict[str, Any] = Field(default_factory=dict, description="Any object.")


async def never_runs(services: Services, args: GhostInput) -> ToolResult:
    raise AssertionError("a gated call ran")


async def test_the_summary_of_last_resort_escapes_values_and_nested_keys_too(services: Services) -> None:
    ghost = ToolSpec(
        name="ghost_delete",
        title="Delete ghost",
        description="A tool with no summary of its own.",
        toolset="ops",
        tier=Tier.DESTRUCTIVE,
        input=GhostInput,
        output=ToolResult,
        handler=never_runs,
    )
    result = await dispatch(services, ghost, {"name": SHORT, "tags": [SHORT], "data": {SHORT: {"k": SHORT}}})
    assert result.is_error and result.structured_content is not None
    summary = result.structured_content["error"]["approval"]["summary"]
    assert_safe(summary, "fallback summary")
    assert summary.startswith('Delete ghost with name="\\x1b[2J')
    assert 'data={"\\x1b[2J' in summary  # the nested key is quoted and escaped as well
    (stored,) = services.stores.approvals.list()
    assert_safe(stored.summary, "stored fallback summary")


# --- the CLI, through a real terminal ---------------------------------------------------------


def assert_terminal_safe(output: str) -> None:
    """Nothing raw from the attack reached the terminal: no control or bidi character (a CR only as
    part of the terminal's own line ends) and no line that starts with a forged verdict."""
    assert raw_controls(output) == [], output
    assert "\r" not in output, output
    assert not FORGED_LINE.search(output), output


def policy_env(tmp_path: Path, *tools: str) -> dict[str, str]:
    policy = tmp_path / "cli-policy.toml"
    policy.write_text("[tools]\n" + "".join(f'{tool} = "approve"\n' for tool in tools))
    return {"TWILIO_SKILL_POLICY": str(policy)}


def test_tools_call_prints_a_gated_calls_approval_without_raw_escapes(tmp_path: Path) -> None:
    args = json.dumps({"friendly_name": SHORT})
    run = run_in_terminal(
        tmp_path / "home",
        "--toolsets",
        "all",
        "tools",
        "call",
        "subaccount_create",
        "--args",
        args,
        env=policy_env(tmp_path, "subaccount_create"),
    )
    assert run.exit_code == 1, run.text
    assert "policy.approval_required" in run.text
    assert "x1b[2J" in run.text and "u202e" in run.text  # shown as escapes
    assert_terminal_safe(run.text)


def test_tools_call_prints_what_twilio_echoes_back_with_invisible_characters_escaped(tmp_path: Path) -> None:
    run = run_in_terminal(
        tmp_path / "home",
        "--toolsets",
        "all",
        "tools",
        "call",
        "subaccount_create",
        "--args",
        json.dumps({"friendly_name": SHORT}),
    )
    assert run.exit_code == 0, run.text
    result = json.loads(run.text[run.text.index("{") :])
    assert result["friendly_name"] == SHORT  # the same data, only written safely
    assert "\\u009b" in run.text and "\\u202e" in run.text
    assert_terminal_safe(run.text)


def test_tools_call_with_a_hostile_tool_name_prints_the_error_escaped(tmp_path: Path) -> None:
    run = run_in_terminal(tmp_path / "home", "tools", "call", "x" + HOSTILE)
    assert run.exit_code == 1, run.text
    assert_terminal_safe(run.text)


def hostile_catalogue(tmp_path: Path) -> Path:
    path = tmp_path / "twilio-error-codes.json"
    entry = {
        "code": 99999,
        "message": SHORT,
        "description": HOSTILE,
        "causes": f"- {HOSTILE}\n- second",
        "solutions": f"- {HOSTILE}",
        "secondary_message": HOSTILE,
        "log_type": "ERROR",
    }
    path.write_text(json.dumps([entry]))
    return path


@pytest.mark.parametrize("as_json", [False, True], ids=["text", "json"])
def test_errors_explain_prints_a_downloaded_catalogue_entry_escaped(tmp_path: Path, as_json: bool) -> None:
    env = {"TWILIO_SKILL_ERROR_CATALOG": str(hostile_catalogue(tmp_path))}
    run = run_in_terminal(tmp_path / "home", "errors", "explain", "99999", *(["--json"] if as_json else []), env=env)
    assert run.exit_code == 0, run.text
    assert ("\\u001b[2J" if as_json else "\\x1b[2J") in run.text
    assert_terminal_safe(run.text)


@pytest.fixture
def sandbox_server(tmp_path: Path) -> Iterator[tuple[str, Sandbox]]:
    """A sandbox served over HTTP from a thread of this process: its state is the test's to poison."""
    sandbox = Sandbox()
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(sandbox, host="127.0.0.1", port=port, log_level="error", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "the sandbox did not start"
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}", sandbox
    server.should_exit = True
    thread.join(timeout=10)


def test_doctor_prints_a_hostile_account_name_from_twilio_escaped(
    tmp_path: Path, sandbox_server: tuple[str, Sandbox]
) -> None:
    url, sandbox = sandbox_server
    sandbox.state.accounts[SANDBOX_ACCOUNT_SID]["friendly_name"] = SHORT
    run = run_in_terminal(tmp_path / "home", "doctor", env={"TWILIO_SKILL_SANDBOX_URL": url})
    assert run.exit_code == 0, run.text
    assert "x1b[2J" in run.text and "u202e" in run.text
    assert_terminal_safe(run.text)


def test_sandbox_inbound_prints_a_hostile_webhook_url_and_refusal_escaped(
    tmp_path: Path, sandbox_server: tuple[str, Sandbox]
) -> None:
    url, sandbox = sandbox_server
    number = next(n for n in sandbox.state.numbers.values() if n["phone_number"] == SENDER)
    # Set through the sandbox's own API by anyone who reaches it; no tool would accept this URL.
    number["sms_url"] = "http://10.0.0.1/" + HOSTILE
    run = run_in_terminal(
        tmp_path / "home",
        "sandbox",
        "inbound",
        "--from",
        CONTACT,
        "--to",
        SENDER,
        "--body",
        "hi",
        "--sandbox-url",
        url,
    )
    assert run.exit_code == 1, run.text
    assert "10.0.0.1" in run.text
    assert_terminal_safe(run.text)


def test_the_sandbox_log_line_of_a_refused_hostile_callback_is_escaped(tmp_path: Path) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}/2010-04-01/Accounts/{SANDBOX_ACCOUNT_SID}"
    # Posted straight to the sandbox's API, as any client of it may: no tool would take this URL.
    # A host name that resets the terminal, rings its bell, reverses the text and opens a C1 sequence.
    hostile_host = "x\x1bc\x07\u202eevil\x9b31m.example"
    fields = {"To": CONTACT, "From": SENDER, "Body": "hi", "StatusCallback": f"http://{hostile_host}/hook"}
    created: list[int] = []

    def create_when_listening(output: bytes) -> bool:
        if b"Sandbox listening" in output and not created:
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                try:
                    auth = (SANDBOX_ACCOUNT_SID, SANDBOX_AUTH_TOKEN)
                    created.append(httpx.post(f"{base}/Messages.json", data=fields, auth=auth, timeout=5).status_code)
                    break
                except httpx.TransportError:
                    time.sleep(0.05)
        return b"refused a status callback" in output

    run = run_in_terminal(tmp_path / "home", "sandbox", "--port", str(port), until=create_when_listening, timeout=45)
    assert created == [201], run.text
    assert "refused a status callback" in run.text and "x\\x1bc\\x07\\u202eevil\\x9b31m" in run.text
    assert_terminal_safe(run.text)


def test_every_payload_is_caught_by_the_checks_these_tests_rely_on() -> None:
    for payload in PAYLOADS:
        assert raw_controls(payload) or FORGED_LINE.search(payload) or "\r" in payload, payload
