"""The grammar the TwiML and IVR tools answer with: generated from the models the server checks with,
so it cannot drift from them, and every example in it passes those checks."""

from __future__ import annotations

import json

import pytest

from skill.core.ivr import build_ivr
from skill.core.twiml_build import build_twiml
from skill.core.twiml_grammar import MENU_PARTS, PARTS, VERB_NAMES, grammar, grammar_text, parse_menu, parse_verbs
from skill.errors import InputError


@pytest.mark.parametrize("part", VERB_NAMES)
def test_every_verb_example_builds_a_document_with_no_error(part: str) -> None:
    found = grammar(part)
    kind = "messaging" if part == "Message" else "voice"
    built = build_twiml(kind, parse_verbs(f"[{found.example}]"), "US")
    assert built.ok, built.findings


@pytest.mark.parametrize("part", list(MENU_PARTS))
def test_every_menu_part_example_passes_its_model(part: str) -> None:
    model, _ = MENU_PARTS[part]
    example = json.loads(grammar(part).example)
    if part == "menu":
        plan = build_ivr(parse_menu("example", example), "US")
        assert plan.start_url.endswith("/example/main")
    else:
        model.model_validate(example)


@pytest.mark.parametrize("part", PARTS)
def test_every_part_lists_exactly_the_fields_its_model_takes_required_first(part: str) -> None:
    found = grammar(part)
    model = MENU_PARTS[part][0] if part in MENU_PARTS else None
    if model is None:
        from skill.core import twiml_build

        model = twiml_build.VERB_MODELS[VERB_NAMES.index(part)]
    expected = {field.alias or name for name, field in model.model_fields.items()} - {"name" if part == "menu" else ""}
    assert {field.name for field in found.fields} == expected
    flags = [field.required for field in found.fields]
    assert flags == sorted(flags, reverse=True)
    assert found.description and all(field.description and field.kind for field in found.fields)


def test_a_menu_actions_grammar_names_its_kinds_and_the_verb_fields_name_their_bounds() -> None:
    kinds = {field.name: field.kind for field in grammar("action").fields}
    assert kinds["kind"] == "one of: dial, enqueue, voicemail, hangup"
    say = {field.name: field for field in grammar("Say").fields}
    assert say["text"].kind == "string up to 10000 chars" and say["text"].required
    assert say["loop"].kind == "integer 0-1000"
    dial = {field.name: field.kind for field in grammar("Dial").fields}
    assert dial["numbers"] == "array of string up to 64 chars, up to 10 items"
    assert grammar("node").fields[-1].kind == "action object"


def test_the_one_line_grammar_carries_the_fields_and_the_example() -> None:
    text = grammar_text("option")
    assert text.startswith("option: A choice at a menu node")
    assert "digits (string matching ^[0-9*#]{1,6}$, required): Keys that choose it" in text
    assert text.endswith('Example: {"digits":"1","speech":"sales","goto":"sales"}')


def test_a_menu_given_as_an_object_or_as_text_parses_the_same() -> None:
    menu = json.loads(grammar("menu").example)
    assert parse_menu("front", menu) == parse_menu("front", json.dumps(menu))


def test_a_menu_that_is_not_an_object_is_refused_with_an_example() -> None:
    with pytest.raises(InputError) as caught:
        parse_menu("front", "[1, 2]")
    assert caught.value.code == "input.invalid"
    assert caught.value.remediation[0].startswith('For example: {"base_url"')
