from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest
from mcp import Client

from tests.conftest import call

pytestmark = pytest.mark.anyio


async def test_the_twiml_tools_are_listed_as_local_and_read_only(client: Client) -> None:
    tools = {tool.name: tool for tool in (await client.list_tools()).tools}
    for name in ("twiml_build", "twiml_lint", "ivr_build", "twiml_grammar"):
        hints = tools[name].annotations
        assert hints is not None and hints.read_only_hint is True and hints.open_world_hint is False
        assert "approval_id" not in tools[name].input_schema["properties"]


async def test_twiml_build_returns_a_clean_document_with_its_content_type(client: Client) -> None:
    result = await call(
        client,
        "twiml_build",
        {
            "kind": "voice",
            "verbs": json.dumps(
                [
                    {
                        "verb": "Gather",
                        "num_digits": 1,
                        "action": "https://example.com/menu",
                        "verbs": [{"verb": "Say", "text": "Press 1.", "voice": "Polly.Joanna"}],
                    },
                    {"verb": "Dial", "numbers": ["+14155550100"], "timeout": 20},
                    {"verb": "Hangup"},
                ]
            ),
        },
    )
    assert not result.is_error, result
    data = result.data
    assert data["ok"] is True and data["content_type"] == "application/xml" and data["kind"] == "voice"
    assert data["size_bytes"] == len(data["xml"].encode())
    assert [child.tag for child in ET.fromstring(data["xml"])] == ["Gather", "Dial", "Hangup"]
    assert [(f["severity"], f["twilio_code"]) for f in data["findings"]] == [("info", 12300)]


async def test_twiml_build_builds_a_messaging_reply_from_verbs_given_as_json_itself(client: Client) -> None:
    result = await call(
        client,
        "twiml_build",
        {"kind": "messaging", "verbs": [{"verb": "Message", "body": "Thanks!", "to": "+14155550100"}]},
    )
    assert not result.is_error, result
    assert '<Message to="+14155550100"><Body>Thanks!</Body></Message>' in result.data["xml"]


async def test_twiml_build_refuses_voice_verbs_in_a_messaging_reply(client: Client) -> None:
    result = await call(client, "twiml_build", {"kind": "messaging", "verbs": '[{"verb": "Say", "text": "hi"}]'})
    assert result.error["code"] == "input.invalid_twiml"
    assert result.error["remediation"]


async def test_twiml_build_names_an_unknown_verb_and_lists_the_verbs(client: Client) -> None:
    result = await call(client, "twiml_build", {"kind": "voice", "verbs": '[{"verb": "Shout", "text": "hi"}]'})
    assert result.error["code"] == "input.invalid"
    assert "verbs[0]: verb must be one of" in result.error["message"]
    assert "Say, Play, Pause, Gather, Dial" in result.error["remediation"][0]


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
        "base_url": "https://ivr.example.com",
        "start": "main",
        "nodes": [
            {"id": "main", "prompt": "Press 1 for sales.", "options": [{"digits": "1", "goto": "sales"}]},
            {"id": "sales", "prompt": "Connecting.", "action": {"kind": "dial", "number": "+14155550123"}},
        ],
    }
    result = await call(client, "ivr_build", {"name": "front", "menu": json.dumps(menu)})
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
        "base_url": "ftp://ivr.example.com",
        "start": "main",
        "nodes": [{"id": "main", "prompt": "Hi.", "options": [{"digits": "1", "goto": "nowhere"}]}],
    }
    result = await call(client, "ivr_build", {"name": "front", "menu": json.dumps(menu)})
    assert result.error["code"] == "input.invalid_menu"
    assert "base_url" in result.error["message"] and "'nowhere'" in result.error["message"]


async def test_twiml_grammar_gives_one_verbs_fields_and_an_example_that_builds(client: Client) -> None:
    result = await call(client, "twiml_grammar", {"part": "Gather"})
    assert not result.is_error, result
    (part,) = result.data["parts"]
    assert part["part"] == "Gather" and part["used_in"] == "twiml_build verbs (voice)"
    fields = {field["name"]: field for field in part["fields"]}
    assert fields["verb"]["required"] is True and fields["verb"]["kind"] == '"Gather"'
    assert fields["input"]["kind"] == "one of: dtmf, speech, dtmf speech"
    assert fields["timeout"]["kind"] == "integer 1-600" and fields["timeout"]["required"] is False
    built = await call(client, "twiml_build", {"kind": "voice", "verbs": f"[{part['example']}]"})
    assert not built.is_error and built.data["ok"] is True


async def test_twiml_grammar_without_a_part_gives_every_verb_and_menu_part(client: Client) -> None:
    parts = (await call(client, "twiml_grammar")).data["parts"]
    names = [part["part"] for part in parts]
    assert names[:3] == ["Say", "Play", "Pause"] and names[-4:] == ["menu", "node", "option", "action"]
    menu = next(part for part in parts if part["part"] == "menu")
    assert "name" not in [field["name"] for field in menu["fields"]]  # the tools' own argument
    assert [field["name"] for field in menu["fields"] if field["required"]] == ["base_url", "nodes", "start"]
    built = await call(client, "ivr_build", {"name": "example", "menu": menu["example"]})
    assert not built.is_error, built


async def test_twiml_grammar_refuses_a_part_it_does_not_know(client: Client) -> None:
    result = await call(client, "twiml_grammar", {"part": "Shout"})
    assert result.error["code"] == "input.invalid"


async def test_a_verb_that_does_not_fit_comes_back_with_that_verbs_grammar(client: Client) -> None:
    verbs = [{"verb": "Say", "text": "Hi"}, {"verb": "Dial", "numbers": ["+14155550100"], "colour": "blue"}]
    result = await call(client, "twiml_build", {"kind": "voice", "verbs": json.dumps(verbs)})
    error = result.error
    assert error["code"] == "input.invalid"
    assert "verbs[1].colour: Extra inputs are not permitted" in error["message"]
    assert error["remediation"][0].startswith("Dial: Connect the caller")
    assert "numbers (array of string" in error["remediation"][0] and "Example: " in error["remediation"][0]
    assert not [step for step in error["remediation"] if step.startswith("Say:")]


@pytest.mark.parametrize(
    ("verbs", "message"),
    [
        ('[{"verb": "Say"', "verbs is not valid JSON"),
        ('{"verb": "Say", "text": "hi"}', "verbs must be a JSON array"),
        (json.dumps([{"verb": "Hangup"}] * 101), "at most 100"),
    ],
    ids=["not JSON", "an object", "too many"],
)
async def test_verbs_that_are_not_a_json_array_of_verbs_are_refused_with_an_example(
    client: Client, verbs: str, message: str
) -> None:
    error = (await call(client, "twiml_build", {"kind": "voice", "verbs": verbs})).error
    assert error["code"] == "input.invalid" and message in error["message"]
    assert error["remediation"]


async def test_a_menu_that_does_not_fit_comes_back_with_the_grammar_of_the_parts_concerned(client: Client) -> None:
    menu = {
        "base_url": "https://ivr.example.com",
        "start": "main",
        "nodes": [
            {"id": "main", "prompt": "Press 1.", "options": [{"digits": "one", "goto": "end"}]},
            {"id": "end", "prompt": "Bye.", "action": {"kind": "explode"}},
        ],
    }
    error = (await call(client, "ivr_build", {"name": "front", "menu": json.dumps(menu)})).error
    assert error["code"] == "input.invalid_menu"
    assert "menu.nodes[0].options[0].digits" in error["message"] and "menu.nodes[1].action.kind" in error["message"]
    assert [step.split(":")[0] for step in error["remediation"][:-1]] == ["option", "action"]


async def test_an_unknown_key_in_a_menu_is_shown_escaped(client: Client) -> None:
    menu = {"base_url": "https://ivr.example.com", "start": "m", "nodes": [], "\x1b[2Jsneaky": 1}
    error = (await call(client, "ivr_build", {"name": "front", "menu": json.dumps(menu)})).error
    assert error["code"] == "input.invalid_menu"
    assert "\x1b" not in error["message"] and "\\x1b[2Jsneaky" in error["message"]


async def test_the_menu_name_comes_from_the_name_argument(client: Client) -> None:
    menu = {
        "name": "other",
        "base_url": "https://ivr.example.com",
        "start": "main",
        "nodes": [{"id": "main", "prompt": "Bye.", "action": {"kind": "hangup"}}],
    }
    built = await call(client, "ivr_build", {"name": "front", "menu": json.dumps(menu)})
    assert built.data["start_url"] == "https://ivr.example.com/front/main"


def test_the_parts_the_grammar_tool_offers_are_every_part_the_grammar_knows() -> None:
    from typing import get_args

    from skill.core.twiml_grammar import PARTS
    from skill.tools.twiml import Part

    assert get_args(Part) == PARTS
