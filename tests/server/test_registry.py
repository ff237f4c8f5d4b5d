from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from mcp import Client

from skill.config import ALL_TOOLSETS, Settings
from skill.core.context import Services
from skill.policy.policy import Policy
from skill.policy.tiers import Tier
from skill.server.app import build_server, instructions
from skill.server.registry import ToolSpec, all_tools, select_tools
from skill.server.schemas import input_schema, output_schema
from tests.conftest import call

pytestmark = pytest.mark.anyio
PROPERTY_NAME = re.compile(r"^[a-zA-Z0-9_.-]{1,64}$")
TOOL_NAME = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)+$")
# Arguments the server's instructions explain once, so no tool's schema repeats it.
SHARED_ARGUMENTS = ("account", "limit", "cursor", "after", "before", "approval_id")
# Names that say all a model needs to know of a plain value; anything else needs a description.
SELF_DESCRIBING = frozenset(
    {"friendly_name", "body", "text", "html", "xml", "to", "cc", "bcc", "reply_to", "email", "code"}
    | {"commit_message", "callback_url", "status_callback", "error_code", "status"}
)


def needs_description(name: str, prop: dict[str, Any]) -> bool:
    """Whether a listed property must carry a description: not when its values are listed (an enum, a
    boolean), nor when its name is shared and explained once or says everything itself."""
    if "enum" in prop or prop.get("type") == "boolean":
        return False
    return name not in SHARED_ARGUMENTS and name not in SELF_DESCRIBING


def schema_problems(spec: ToolSpec) -> list[str]:
    """Everything wrong with one tool's agent-facing contract."""
    problems: list[str] = []
    schema = input_schema(spec)
    if schema.get("type") != "object":
        problems.append("input schema is not an object")
    problems.extend(f"top-level {keyword}" for keyword in ("anyOf", "oneOf", "allOf") if keyword in schema)
    for name, prop in schema.get("properties", {}).items():
        if not PROPERTY_NAME.match(name):
            problems.append(f"property name {name!r}")
        if not isinstance(prop, dict) or (needs_description(name, prop) and not prop.get("description")):
            problems.append(f"property {name!r} has no description")
    if "title" in schema:
        problems.append("schema carries a pydantic title")
    if not TOOL_NAME.match(spec.name) or len(spec.name) > 40:
        problems.append(f"tool name {spec.name!r}")
    if not spec.description or len(spec.description) > 300:
        problems.append("description missing or longer than 300 characters")
    return problems


def test_every_tool_has_a_clean_flat_described_input_schema() -> None:
    failures = {spec.name: schema_problems(spec) for spec in all_tools()}
    assert {name: p for name, p in failures.items() if p} == {}


def test_the_instructions_explain_every_shared_argument_no_schema_describes(tmp_path: Path) -> None:
    text = instructions(Settings(home=tmp_path, toolsets=ALL_TOOLSETS))
    for name in SHARED_ARGUMENTS:
        assert re.search(rf"\b{name}\b", text), name


def test_the_schema_check_catches_a_field_without_description() -> None:
    from pydantic import BaseModel

    class Bad(BaseModel):
        undocumented: str
        ok: int | None = None

    spec = ToolSpec(
        name="bad_tool",
        title="Bad",
        description="Bad.",
        toolset="ops",
        tier=Tier.READ,
        input=Bad,
        output=Bad,
        handler=lambda services, args: None,  # type: ignore[arg-type,return-value]
    )
    problems = schema_problems(spec)
    assert "property 'undocumented' has no description" in problems
    assert "property 'ok' has no description" in problems


def test_tool_names_are_unique_and_every_tool_has_an_object_output_schema() -> None:
    specs = all_tools()
    assert len({spec.name for spec in specs}) == len(specs)
    for spec in specs:
        assert output_schema(spec)["type"] == "object", spec.name
        assert output_schema(spec)["properties"], spec.name


def test_annotations_come_from_the_tier() -> None:
    for spec in all_tools():
        hints = spec.annotations()
        assert hints.get("readOnlyHint", False) is (spec.tier is Tier.READ)
        assert hints.get("openWorldHint", True) is spec.open_world
        if spec.tier is Tier.DESTRUCTIVE:
            assert hints["destructiveHint"] is True
        elif spec.tier is not Tier.READ:
            assert hints["destructiveHint"] is False


def test_tools_the_policy_can_gate_accept_an_approval_id_and_others_do_not() -> None:
    strict = Policy(tier_actions=dict.fromkeys(Tier, "approve"))
    for spec in all_tools():
        if spec.name == "approval_status":
            continue  # its own argument is the approval it reports on
        by_default = "approval_id" in input_schema(spec)["properties"]
        gated = Policy().may_require_approval(spec.name, spec.tier, sets_webhooks=bool(spec.webhook_args))
        assert by_default is gated, spec.name
        if spec.tier in (Tier.SEND, Tier.DESTRUCTIVE):
            assert by_default, spec.name
        when_strict = "approval_id" in input_schema(spec, strict)["properties"]
        assert when_strict is (spec.tier is not Tier.READ), spec.name


def test_selection_filters_by_toolset_and_read_only() -> None:
    specs = all_tools()
    only_accounts = select_tools(specs, ["accounts"])
    assert only_accounts and {s.toolset for s in only_accounts} == {"accounts"}
    reads = select_tools(specs, ALL_TOOLSETS, read_only=True)
    assert reads and all(s.tier is Tier.READ for s in reads)


async def test_the_server_lists_only_enabled_tools(settings: Settings, services: Services) -> None:
    narrow = settings.with_overrides(toolsets=("accounts",), read_only=True)
    async with Client(build_server(narrow, services)) as client:
        listed = {tool.name for tool in (await client.list_tools()).tools}
        assert listed == {s.name for s in all_tools() if s.toolset == "accounts" and s.tier is Tier.READ}
        hidden = await client.call_tool("subaccount_create", {"friendly_name": "x"})
        assert hidden.is_error
        structured: dict[str, Any] = hidden.structured_content or {}
        assert structured["error"]["code"] == "input.unknown_tool"


async def test_listed_tools_carry_schemas_and_annotations(client: Client) -> None:
    tools = {tool.name: tool for tool in (await client.list_tools()).tools}
    account_get = tools["account_get"]
    assert account_get.annotations is not None and account_get.annotations.read_only_hint is True
    assert account_get.output_schema is not None
    assert account_get.input_schema["properties"]["sid"]["description"]


async def test_results_say_which_environment_answered(client: Client) -> None:
    result = await call(client, "account_get")
    assert result.data["environment"] == "sandbox"


async def test_unknown_arguments_are_refused_by_the_server(client: Client) -> None:
    result = await call(client, "account_get", {"sid": None, "surprise": 1})
    assert result.error["code"] == "input.invalid"
    assert "surprise" in result.error["message"]


def test_the_built_in_policy_rules_name_real_tools_and_arguments() -> None:
    from skill.policy.policy import BUILT_IN_RULES, check_names
    from skill.server.app import argument_names

    check_names(Policy(rules=BUILT_IN_RULES), {spec.name: argument_names(spec) for spec in all_tools()})


def test_a_server_imports_only_the_tool_modules_of_its_toolsets() -> None:
    import subprocess
    import sys

    probe = (
        "import sys; from skill.server.registry import tools_of; "
        "names = {s.toolset for s in tools_of(['accounts'])}; "
        "print(names, 'skill.tools.voice' in sys.modules, 'skill.tools.accounts' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True)
    assert out.stdout.strip() == "{'accounts'} False True"
