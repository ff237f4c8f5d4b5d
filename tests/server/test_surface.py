"""One tool surface: the naming and envelope rules every tool follows (README, "Tool conventions").

Agents learn a surface by its patterns, so a tool that breaks one is a failed call waiting to happen.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from skill.results import Deleted, ListResult
from skill.server.registry import ToolSpec, all_tools
from skill.server.schemas import model_schema

# Tools still to be brought under these rules; the set only shrinks, and the suite ends with it empty.
PENDING: frozenset[str] = frozenset(
    {
        "approval_status",
    }
)  # fmt: skip

FILTER_NAMES = re.compile(r"^(since|until|start_date|end_date|date_.*|.*_after|.*_before|started_.*|ended_.*)$")
ONE_WORD = {"type": "kind", "phone": "phone_number", "params": "parameters"}
SID_PATTERN = re.compile(r"\^\(?\??[A-Z]{2}")
SINGLE = re.compile(r"_(get|create|update|cancel|configure|buy)$")


def converted() -> list[ToolSpec]:
    return [spec for spec in all_tools() if spec.name not in PENDING]


def properties(schema: dict[str, Any], path: str = "") -> list[tuple[str, dict[str, Any]]]:
    """(dotted name, schema) of every property at any depth, array items included."""
    found: list[tuple[str, dict[str, Any]]] = []
    for name, sub in (schema.get("properties") or {}).items():
        found.append((f"{path}{name}", sub))
        found += properties(sub, f"{path}{name}.")
        if isinstance(sub.get("items"), dict):
            found += properties(sub["items"], f"{path}{name}[].")
    return found


def test_pending_names_only_tools_that_exist() -> None:
    assert {spec.name for spec in all_tools()} >= PENDING


@pytest.mark.parametrize("spec", converted(), ids=lambda spec: spec.name)
def test_list_tools_take_limit_and_cursor_and_answer_one_envelope(spec: ToolSpec) -> None:
    listed = spec.name.endswith("_list")
    assert listed == issubclass(spec.output, ListResult), spec.name
    if listed:
        names = set(model_schema(spec.input)["properties"])
        assert {"limit", "cursor"} <= names, spec.name


@pytest.mark.parametrize("spec", converted(), ids=lambda spec: spec.name)
def test_time_filters_are_after_and_before(spec: ToolSpec) -> None:
    names = set(model_schema(spec.input)["properties"])
    assert not [name for name in names if FILTER_NAMES.match(name)], spec.name


@pytest.mark.parametrize("spec", converted(), ids=lambda spec: spec.name)
def test_one_word_per_idea_and_sids_named_sid_or_kind_sid(spec: ToolSpec) -> None:
    for name, prop in properties(model_schema(spec.input)):
        leaf = name.rsplit(".", 1)[-1]
        assert leaf not in ONE_WORD, f"{spec.name}.{name}: say {ONE_WORD.get(leaf)}"
        pattern = prop.get("pattern") or (prop.get("items") or {}).get("pattern") or ""
        if SID_PATTERN.match(pattern) and "sid" not in leaf:
            pytest.fail(f"{spec.name}.{name} holds a SID: name it sid or <kind>_sid")


@pytest.mark.parametrize("spec", converted(), ids=lambda spec: spec.name)
def test_single_resource_tools_answer_the_resource_flat_and_deletes_say_deleted(spec: ToolSpec) -> None:
    if spec.name.endswith("_delete"):
        assert issubclass(spec.output, Deleted), spec.name
    if SINGLE.search(spec.name):
        assert "sid" in model_schema(spec.output, mode="serialization")["properties"], spec.name


@pytest.mark.parametrize("spec", converted(), ids=lambda spec: spec.name)
def test_every_string_and_list_argument_has_a_maximum(spec: ToolSpec) -> None:
    for name, prop in [("(arguments)", model_schema(spec.input)), *properties(model_schema(spec.input))]:
        if prop.get("type") == "string" and "enum" not in prop and prop.get("format") != "date-time":
            assert "maxLength" in prop, f"{spec.name}.{name}"
        if prop.get("type") == "array":
            assert "maxItems" in prop, f"{spec.name}.{name}"
        if prop.get("type") == "integer" and name.endswith("limit"):
            assert prop.get("maximum", 10**9) <= 1000, f"{spec.name}.{name}"
