from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from mcp import Client

from tests.conftest import call

pytestmark = pytest.mark.anyio


async def test_the_twiml_tools_are_listed_as_local_and_read_only(client: Client) -> None:
    tools = {tool.name: tool for tool in (await client.list_tools()).tools}
    for name in ("twiml_build", "twiml_lint", "ivr_build"):
        hints = tools[name].annotations
        assert hints is not None and hints.read_only_hint is True and hints.open_world_hint is False
        assert "approval_id" not in tools[name].input_schema["properties"]


async def test_twiml_build_returns_a_clean_document_with_its_content_type(client: Client) -> None:
    result = await call(
        client,
        "twiml_build",
        {
            "kind": "voice",
            "verbs": [
                {
                    "verb": "Gather",
                    "num_digits": 1,
                    "action": "https://example.com/menu",
                    "verbs": [{"verb": "Say", "text": "Press 1.", "voice": "Polly.Joanna"}],
                },
                {"verb": "Dial", "numbers": ["+14155550100"], "timeout": 20},
                {"verb": "Hangup"},
            ],
        },
    )
    assert not result.is_error, result
    data = result.data
    assert data["ok"] is True and data["content_type"] == "application/xml" and data["kind"] == "voice"
    assert data["size_bytes"] == len(data["xml"].encode())
    assert [child.tag for child in ET.fromstring(data["xml"])] == ["Gather", "Dial", "Hangup"]
    assert [(f["severity"], f["twilio_code"]) for f in data["findings"]] == [("info", 12300)]


async def test_twiml_build_builds_a_messaging_reply(client: Client) -> None:
    result = await call(
        client,
        "twiml_build",
        {"kind": "messaging", "verbs": [{"verb": "Message", "body": "Thanks!", "to": "+14155550100"}]},
    )
    assert not result.is_error, result
    assert '<Message to="+14155550100"><Body>Thanks!</Body></Message>' in result.data["xml"]


async def test_twiml_build_refuses_voice_verbs_in_a_messaging_reply(client: Client) -> None:
    result = await call(client, "twiml_build", {"kind": "messaging", "verbs": [{"verb": "Say", "text": "hi"}]})
    assert result.error["code"] == "input.invalid_twiml"
    assert result.error["remediation"]


async def test_twiml_build_names_an_unknown_verb(client: Client) -> None:
    result = await call(client, "twiml_build", {"kind": "voice", "verbs": [{"verb": "Shout", "text": "hi"}]})
    assert result.error["code"] == "input.invalid"
    assert "verb must be one of" in result.error["message"]


async def test_twiml_lint_reports_findings_with_paths_and_codes(client: Client) -> None:
    xml = '<Response><Gather numDigits="x" action="/next"><Gather/></Gather><Hangup/><Say>never</Say></Response>'
    result = await call(client, "twiml_lint", {"xml": xml})
    assert not result.is_error, result
    data = result.data
    assert data["ok"] is False and data["kind"] == "voice"
    found = {(f["severity"], f.get("twilio_code"), f["path"]) for f in data["findings"]}
    assert ("error", 13314, "/Response/Gather[1]/@numDigits") in found
    assert ("error", 13320, "/Response/Gather[1]/Gather[1]") in found
    assert ("warning", None, "/Response/Gather[1]/@action") in found
    assert ("warning", None, "/Response/Say[1]") in found
    assert data["errors"] == 2 and data["warnings"] == 2


async def test_twiml_lint_reports_a_parse_failure_rather_than_failing(client: Client) -> None:
    result = await call(client, "twiml_lint", {"xml": "<Response><Say>hi</Response>", "kind": "voice"})
    assert not result.is_error
    assert result.data["ok"] is False
    assert [(f["twilio_code"], f["path"]) for f in result.data["findings"]] == [(12100, "/")]


async def test_ivr_build_returns_documents_and_routes(client: Client) -> None:
    menu = {
        "name": "front",
        "base_url": "https://ivr.example.com",
        "start": "main",
        "nodes": [
            {"id": "main", "prompt": "Press 1 for sales.", "options": [{"digits": "1", "goto": "sales"}]},
            {"id": "sales", "prompt": "Connecting.", "action": {"type": "dial", "number": "+14155550123"}},
        ],
    }
    result = await call(client, "ivr_build", menu)
    assert not result.is_error, result
    data = result.data
    assert data["start_url"] == "https://ivr.example.com/front/main"
    assert {(d["url"], d["role"]) for d in data["documents"]} == {
        ("https://ivr.example.com/front/main", "node"),
        ("https://ivr.example.com/front/main/no-input", "no-input"),
        ("https://ivr.example.com/front/main/invalid", "invalid"),
        ("https://ivr.example.com/front/sales", "node"),
    }
    assert data["routes"] == [
        {"node_id": "main", "digits": "1", "url": "https://ivr.example.com/front/sales"},
    ]
    assert data["warnings"] == [] and data["environment"] == "sandbox"


async def test_ivr_build_lists_every_menu_problem(client: Client) -> None:
    menu = {
        "name": "front",
        "base_url": "ftp://ivr.example.com",
        "start": "main",
        "nodes": [{"id": "main", "prompt": "Hi.", "options": [{"digits": "1", "goto": "nowhere"}]}],
    }
    result = await call(client, "ivr_build", menu)
    assert result.error["code"] == "input.invalid_menu"
    assert "base_url" in result.error["message"] and "'nowhere'" in result.error["message"]
