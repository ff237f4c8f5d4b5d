from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import anyio
import pytest
import yaml
from mcp import Client
from mcp.shared.exceptions import MCPError

from skill.config import Settings
from skill.core.context import Services
from skill.errors import ConfigError
from skill.server.app import build_server
from skill.server.prompts import load_runbooks, parse_front_matter, prompts_dir, runbook_from_text
from skill.server.registry import all_tools

pytestmark = pytest.mark.anyio
TIMEOUT = 20
TOOL_LIKE = re.compile(r"`([a-z][a-z0-9]*(?:_[a-z0-9]+)+)`")
PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z0-9_]+)\s*\}\}")


def sample_value(name: str) -> str:
    return f"<{name}-value>"


def test_the_runbooks_are_at_least_twelve_with_complete_front_matter() -> None:
    books = load_runbooks()
    assert len(books) >= 12
    for book in books:
        assert book.title and book.description and book.tools, book.name
        assert all(arg.description for arg in book.arguments), book.name


def test_every_front_matter_reads_the_same_as_with_a_full_yaml_parser() -> None:
    for path in sorted(prompts_dir().glob("*.md")):
        text = path.read_text(encoding="utf-8")
        ours, _ = parse_front_matter(text, path.name)
        assert ours == yaml.safe_load(text.split("---\n", 2)[1]), path.name


def test_every_tool_a_runbook_names_is_in_the_registry_and_listed_in_its_front_matter() -> None:
    registry = {spec.name for spec in all_tools()}
    for book in load_runbooks():
        named_in_body = set(TOOL_LIKE.findall(book.body))
        assert set(book.tools) <= registry, (book.name, set(book.tools) - registry)
        assert named_in_body <= registry, (book.name, named_in_body - registry)
        assert named_in_body <= set(book.tools), (book.name, named_in_body - set(book.tools))


def test_every_placeholder_a_runbook_uses_is_a_declared_argument() -> None:
    for path in sorted(prompts_dir().glob("*.md")):
        data, body = parse_front_matter(path.read_text(encoding="utf-8"), path.name)
        declared = {arg["name"] for arg in data.get("arguments", [])}
        assert set(PLACEHOLDER.findall(body)) <= declared, path.name


def test_a_runbook_using_an_undeclared_argument_is_rejected() -> None:
    text = '---\nname: x\ntitle: X\ndescription: "d"\ntools:\n  - account_get\n---\nHello {{who}}.\n'
    with pytest.raises(ConfigError, match="undeclared argument"):
        runbook_from_text(text)


def test_front_matter_beyond_the_supported_subset_is_refused() -> None:
    text = "---\nname: x\ntitle: X\ndescription: {a: 1}\n---\nbody\n"
    with pytest.raises(ConfigError, match="unsupported value"):
        parse_front_matter(text)


async def test_prompts_are_listed_with_their_arguments(client: Client) -> None:
    with anyio.fail_after(TIMEOUT):
        listed = (await client.list_prompts()).prompts
    by_name = {prompt.name: prompt for prompt in listed}
    assert set(by_name) == {book.name for book in load_runbooks()}
    rotation = by_name["api-key-rotation"]
    assert rotation.description
    arguments = {arg.name: arg.required for arg in rotation.arguments or []}
    assert arguments == {"old_key_sid": True, "key_name": False}


async def test_every_prompt_renders_with_its_arguments_substituted(client: Client) -> None:
    for book in load_runbooks():
        values = {arg.name: sample_value(arg.name) for arg in book.arguments}
        with anyio.fail_after(TIMEOUT):
            result = await client.get_prompt(book.name, values)
        text = "".join(getattr(message.content, "text", "") for message in result.messages)
        assert "{{" not in text and "}}" not in text, book.name
        for name, value in values.items():
            assert value in text, (book.name, name)


async def test_optional_arguments_left_out_read_as_not_given(client: Client) -> None:
    with anyio.fail_after(TIMEOUT):
        result = await client.get_prompt("api-key-rotation", {"old_key_sid": "SK" + "1" * 32})
    text = getattr(result.messages[0].content, "text", "")
    assert "SK" + "1" * 32 in text and "New key name: (not given)" in text


async def test_a_missing_required_argument_fails_with_a_clear_error(client: Client) -> None:
    with anyio.fail_after(TIMEOUT), pytest.raises(MCPError) as raised:
        await client.get_prompt("webhook-failures", {"error_code": "11200"})
    assert "phone_number" in raised.value.message and "required" in raised.value.message


async def test_an_unknown_prompt_or_argument_is_refused(client: Client) -> None:
    with anyio.fail_after(TIMEOUT), pytest.raises(MCPError, match="Unknown prompt"):
        await client.get_prompt("no-such-runbook", {})
    with anyio.fail_after(TIMEOUT), pytest.raises(MCPError, match="no argument"):
        await client.get_prompt("api-key-rotation", {"old_key_sid": "SK1", "colour": "red"})


async def read_json(client: Client, uri: str) -> dict[str, Any]:
    with anyio.fail_after(TIMEOUT):
        result = await client.read_resource(uri)
    text = getattr(result.contents[0], "text", "")
    data: dict[str, Any] = json.loads(text)
    return data


async def test_resources_and_the_error_and_approval_templates_are_listed(client: Client) -> None:
    with anyio.fail_after(TIMEOUT):
        resources = (await client.list_resources()).resources
        templates = (await client.list_resource_templates()).resource_templates
    assert {str(r.uri) for r in resources} == {"twilio://account", "twilio://policy"}
    assert [t.uri_template for t in templates] == ["twilio://errors/{code}", "twilio://approvals/{id}"]


async def test_an_error_code_resource_explains_21211(client: Client) -> None:
    entry = await read_json(client, "twilio://errors/21211")
    assert entry["code"] == 21211
    assert entry["remediation"] and all(isinstance(step, str) for step in entry["remediation"])


async def test_a_malformed_error_uri_and_an_unknown_resource_are_refused(client: Client) -> None:
    with anyio.fail_after(TIMEOUT), pytest.raises(MCPError, match="3 to 6 digits"):
        await client.read_resource("twilio://errors/abc")
    with anyio.fail_after(TIMEOUT), pytest.raises(MCPError, match="No resource"):
        await client.read_resource("twilio://nothing")


async def test_the_account_resource_reports_mode_profile_and_enabled_tools(client: Client, settings: Settings) -> None:
    account = await read_json(client, "twilio://account")
    with anyio.fail_after(TIMEOUT):
        listed = (await client.list_tools()).tools
    assert account["mode"] == "sandbox"
    assert account["profile"] == "sandbox"
    assert account["account_sid"].startswith("AC")
    assert account["toolsets"] == list(settings.toolsets)
    assert account["tool_count"] == len(listed)


async def test_account_and_policy_resources_never_show_secrets(tmp_path: Path, services: Services) -> None:
    secret, token = "s3cr3t-api-secret-value", "t0ken-value-0123456789"
    live = Settings(
        home=tmp_path / "live",
        account_sid="AC" + "1" * 32,
        api_key="SK" + "2" * 32,
        api_secret=secret,
        auth_token=token,
        toolsets=("accounts",),
        read_only=True,
    )
    services.settings = live
    async with Client(build_server(live, services)) as client:
        account = await read_json(client, "twilio://account")
        policy = await read_json(client, "twilio://policy")
    dumped = json.dumps([account, policy])
    assert secret not in dumped and token not in dumped
    assert account["mode"] == "live" and account["credential"] == "api_key"
    assert account["tool_count"] == len([s for s in all_tools() if s.toolset == "accounts" and s.tier.value == "READ"])
    assert policy["tiers"]["DESTRUCTIVE"] == "approve"
    assert "allowed_countries" in policy["limits"]
