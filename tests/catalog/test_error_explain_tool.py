"""The error_explain tool, driven through the MCP client."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from mcp import Client

from skill.config import Settings
from skill.sandbox.app import Sandbox
from skill.server.app import build_server
from skill.wiring import build_services
from tests.conftest import call

pytestmark = pytest.mark.anyio


@pytest.fixture
async def catalogue_client(settings: Settings, sandbox: Sandbox, catalogue_file: Path) -> AsyncIterator[Client]:
    """A client whose server reads the small catalogue file as Twilio's full catalogue."""
    configured = settings.with_overrides(error_catalog_path=catalogue_file)
    services = build_services(configured, sandbox=sandbox)
    try:
        async with Client(build_server(configured, services)) as connected:
            yield connected
    finally:
        await services.aclose()


async def test_error_explain_is_listed_as_a_local_read_only_tool(client: Client) -> None:
    tools = {tool.name: tool for tool in (await client.list_tools()).tools}
    tool = tools["error_explain"]
    assert tool.annotations is not None
    assert tool.annotations.read_only_hint is True
    assert tool.annotations.open_world_hint is False


async def test_a_curated_code_is_explained_with_ordered_steps(client: Client) -> None:
    result = await call(client, "error_explain", {"code": 21610})
    assert not result.is_error, result
    assert result.data["code"] == 21610
    assert result.data["known"] is True
    assert result.data["source"] == "curated"
    assert "unsubscribed" in result.data["title"].lower()
    assert result.data["causes"]
    assert result.data["remediation"][0].startswith("Do not retry")
    assert result.data["retryable"] is False
    assert result.data["docs_url"] == "https://www.twilio.com/docs/errors/21610"
    assert result.data["environment"] == "sandbox"


async def test_a_prefixed_string_code_is_accepted(client: Client) -> None:
    result = await call(client, "error_explain", {"code": "twilio.30007"})
    assert not result.is_error, result
    assert result.data["code"] == 30007
    assert result.data["title"] == "Message filtered"
    assert result.data["source"] == "curated"


async def test_a_rate_limit_code_says_it_may_be_retried(client: Client) -> None:
    result = await call(client, "error_explain", {"code": "20429"})
    assert result.data["retryable"] is True


async def test_an_uncurated_code_is_explained_from_the_configured_catalogue(catalogue_client: Client) -> None:
    result = await call(catalogue_client, "error_explain", {"code": 45123})
    assert not result.is_error, result
    assert result.data["known"] is True
    assert result.data["source"] == "twilio-catalog"
    assert result.data["title"] == "Widget quota exhausted"
    assert result.data["causes"] == ["Too many widgets were made today.", "A loop made them."]
    assert result.data["remediation"][-1].startswith("Read https://www.twilio.com/docs/errors/45123")


async def test_an_unknown_code_says_so_without_failing(client: Client) -> None:
    result = await call(client, "error_explain", {"code": 45123})
    assert not result.is_error, result
    assert result.data["known"] is False
    assert result.data["source"] == "unknown"
    assert result.data["meaning"].startswith("No entry for this code")
    steps = " ".join(result.data["remediation"])
    assert "https://www.twilio.com/docs/errors/45123" in steps
    assert "twilio-skill errors sync" in steps


async def test_text_that_is_not_a_code_is_an_input_error(client: Client) -> None:
    result = await call(client, "error_explain", {"code": "permission denied"})
    assert result.error["code"] == "input.invalid_error_code"
    assert result.error["remediation"]


async def test_a_missing_code_is_an_input_error(client: Client) -> None:
    result = await call(client, "error_explain", {})
    assert result.error["code"] == "input.invalid"
    assert "code" in result.error["message"]


async def test_the_code_is_one_string_in_the_schema_and_a_bare_number_is_still_read(client: Client) -> None:
    tools = {tool.name: tool for tool in (await client.list_tools()).tools}
    assert tools["error_explain"].input_schema["properties"]["code"]["type"] == "string"
    as_number = await call(client, "error_explain", {"code": 21211})
    as_text = await call(client, "error_explain", {"code": "21211"})
    assert as_number.data == as_text.data and as_number.data["code"] == 21211


@pytest.mark.parametrize("code", [True, 21211.5, "2" * 40, ["21211"]])
async def test_a_code_of_another_type_or_too_long_is_refused(client: Client, code: object) -> None:
    result = await call(client, "error_explain", {"code": code})
    assert result.error["code"] == "input.invalid"
