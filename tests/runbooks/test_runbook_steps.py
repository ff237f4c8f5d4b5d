"""Every runbook checked against the registry: each tool it names exists, each step's arguments are
the tool's own, the toolsets it needs beyond the defaults are declared and named in its text."""

from __future__ import annotations

import re
from typing import Any

import pytest

from skill.errors import ConfigError
from skill.server.prompts import bundled_runbooks, runbook_from_text
from skill.server.registry import all_tools
from skill.server.runbook_steps import coerce, fill, holds, parse_steps, problems
from skill.toolsets import DEFAULT_TOOLSETS

TOOL_LIKE = re.compile(r"`([a-z][a-z0-9]*(?:_[a-z0-9]+)+)`")
BOOKS = {book.name: book for book in bundled_runbooks()}


def registry_schemas() -> dict[str, dict[str, Any]]:
    return {spec.name: spec.input.model_json_schema() for spec in all_tools()}


def test_there_are_at_least_sixteen_runbooks_each_with_steps_and_a_confirm_section() -> None:
    assert len(BOOKS) >= 16
    for book in BOOKS.values():
        assert book.steps, f"{book.name} has no steps"
        assert re.search(r"^## \d+\. Confirm", book.body, re.MULTILINE), f"{book.name} says nowhere how to confirm"


@pytest.mark.parametrize("name", sorted(BOOKS))
def test_each_runbook_names_only_tools_and_arguments_the_registry_has(name: str) -> None:
    book = BOOKS[name]
    schemas = registry_schemas()
    assert set(book.tools) <= set(schemas), set(book.tools) - set(schemas)
    assert set(TOOL_LIKE.findall(book.body)) <= set(book.tools), set(TOOL_LIKE.findall(book.body)) - set(book.tools)
    assert problems(book.steps, schemas, book.tools) == []
    step_tools = {step.tool for step in book.steps if step.tool}
    assert step_tools <= set(TOOL_LIKE.findall(book.body)), "every tool a step calls is explained in the text"


@pytest.mark.parametrize("name", sorted(BOOKS))
def test_each_runbook_declares_and_names_the_toolsets_its_tools_need(name: str) -> None:
    book = BOOKS[name]
    toolset_of = {spec.name: spec.toolset for spec in all_tools()}
    needed = {toolset_of[tool] for tool in book.tools} - set(DEFAULT_TOOLSETS)
    assert set(book.toolsets) == needed
    for toolset in needed:
        assert f"**{toolset}**" in book.body, f"the text must tell the reader to enable the {toolset} toolset"


def test_a_step_naming_a_tool_the_registry_lacks_is_reported() -> None:
    steps = parse_steps([{"tool": "number_frobnicate", "phase": "diagnose", "look_for": "x"}])
    assert problems(steps, registry_schemas(), ("number_frobnicate",)) == ["step 1: no tool named number_frobnicate"]


def test_a_step_with_an_argument_the_tool_lacks_or_without_a_required_one_is_reported() -> None:
    steps = parse_steps([{"tool": "alert_get", "phase": "diagnose", "look_for": "x", "args": {"alert_sid": "NO1"}}])
    found = problems(steps, registry_schemas(), ("alert_get",))
    assert "step 1: alert_get has no argument alert_sid" in found and "step 1: alert_get needs sid" in found


def test_a_step_may_not_carry_an_approval_id_or_call_a_tool_missing_from_the_tools_list() -> None:
    raw = [{"tool": "apikey_revoke", "phase": "fix", "look_for": "x", "args": {"sid": "SK1", "approval_id": "a"}}]
    found = problems(parse_steps(raw), registry_schemas(), ())
    assert any("approval_id" in line for line in found) and any("not in the runbook's tools" in line for line in found)


@pytest.mark.parametrize(
    ("raw", "why"),
    [
        ([{"phase": "diagnose", "look_for": "x"}], "exactly one"),
        ([{"tool": "account_get", "operator": "x", "phase": "fix", "look_for": "x"}], "exactly one"),
        ([{"tool": "account_get", "phase": "later", "look_for": "x"}], "phase"),
        ([{"tool": "account_get", "phase": "fix"}], "look_for"),
        ([{"tool": "account_get", "phase": "fix", "look_for": "x", "args": {"sid": "${nope.sid}"}}], "earlier step"),
        ([{"tool": "account_get", "phase": "fix", "look_for": "x", "expect": "sid"}], "PATH OP VALUE"),
        ([{"tool": "account_get", "phase": "fix", "look_for": "x", "wait": "forever"}], "wait"),
        ([{"tool": "account_get", "phase": "fix", "look_for": "x", "run": "rm -rf /"}], "unknown key"),
        ([{"tool": "../etc/passwd", "phase": "fix", "look_for": "x"}], "not a tool"),
    ],
)
def test_malformed_steps_are_refused_with_the_reason(raw: list[dict[str, Any]], why: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(why)):
        parse_steps(raw)


def test_a_step_args_mapping_reads_from_front_matter() -> None:
    text = (
        '---\nname: x\ntitle: X\ndescription: "d"\ntools:\n  - alert_get\nsteps:\n  - tool: alert_get\n'
        '    phase: diagnose\n    args:\n      sid: "NO1"\n    look_for: "the alert"\n---\nUse `alert_get`.\n'
    )
    book = runbook_from_text(text)
    assert book.steps[0].arguments == {"sid": "NO1"} and book.steps[0].look_for == "the alert"


def test_references_fill_from_saved_results_and_keep_their_type() -> None:
    results = {"number": {"numbers": [{"sid": "PN1", "capabilities": {"sms": True}}]}}
    assert fill("${number.numbers.0.capabilities.sms}", {}, results) is True
    assert fill("sid ${number.numbers.0.sid} for {{who}}", {"who": "ops"}, results) == "sid PN1 for ops"
    with pytest.raises(LookupError):
        fill("${number.numbers.5.sid}", {}, results)


def test_checks_hold_only_when_the_result_says_so() -> None:
    data = {"items": [{"error_code": 30007, "to": "+44"}, {"error_code": None, "to": "+1"}], "count": 2}
    assert holds("items.*.error_code == 30007", data)
    assert not holds("items.*.error_code == 30034", data)
    assert holds("count >= 2", data) and not holds("count >= 3", data)
    assert holds("items.*.to contains +44", data)
    assert holds("missing is empty", data) and not holds("items is empty", data)
    assert not holds("items.*.error_code != 30007", data) and holds("items.*.error_code != 30034", data)
    assert not holds("count >= many", data)


def test_front_matter_strings_become_the_types_the_schema_wants() -> None:
    assert coerce("20", {"type": "integer"}) == 20
    assert coerce("true", {"anyOf": [{"type": "boolean"}, {"type": "null"}]}) is True
    assert coerce("20", {"type": "string"}) == "20"
