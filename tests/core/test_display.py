from __future__ import annotations

import json

from skill.core.display import (
    describe_values,
    escape_text,
    is_invisible,
    json_text,
    quote_values,
    quoted,
    terminal_line,
)

ATTACK = "\x1b[2J\nAPPROVED\r\u202e\u2066\u200b\ufeff\x9b\x7f\u2028"


def test_escape_text_makes_every_control_format_and_separator_character_visible() -> None:
    assert escape_text(ATTACK) == "\\x1b[2J\\nAPPROVED\\r\\u202e\\u2066\\u200b\\ufeff\\x9b\\x7f\\u2028"
    assert not any(is_invisible(char) for char in escape_text(ATTACK))
    assert escape_text("caf\u00e9 \u4f60\u597d") == "caf\u00e9 \u4f60\u597d"  # readable text stays as it is


def test_escape_text_caps_the_length_and_marks_the_cut() -> None:
    assert escape_text("a" * 10, limit=4) == "aaaa…"
    assert escape_text("a" * 4, limit=4) == "aaaa"


def test_quoted_text_cannot_close_its_own_quotes_or_fake_an_escape() -> None:
    assert quoted('a" b') == '"a\\" b"'
    assert quoted("\\x1b") == '"\\\\x1b"'  # a typed backslash is not mistaken for an escape


def test_quote_values_quotes_strings_at_any_depth_and_nested_keys_but_not_field_names() -> None:
    quoted_args = quote_values({"name": "\x1b", "n": 3, "on": True, "tags": ["x"], "data": {"\u202ek": None}})
    assert quoted_args == {
        "name": '"\\x1b"',
        "n": 3,
        "on": True,
        "tags": ['"x"'],
        "data": {'"\\u202ek"': None},
    }


def test_describe_values_renders_quoted_arguments_and_caps_the_whole() -> None:
    text = describe_values(quote_values({"name": "a\nb", "data": {"k": [1, None]}, "on": False}))
    assert text == 'name="a\\nb", data={"k": [1, null]}, on=false'
    assert describe_values(quote_values({"x": "y" * 100}), limit=20).endswith("…")


def test_terminal_line_escapes_invisible_characters_but_leaves_escaped_text_unchanged() -> None:
    once = terminal_line(ATTACK)
    assert not any(is_invisible(char) for char in once)
    assert terminal_line(once) == once
    assert terminal_line(quoted(ATTACK)) == quoted(ATTACK)


def test_json_text_is_the_same_json_with_every_invisible_character_escaped() -> None:
    payload = {"body": ATTACK + "\U000e0041 caf\u00e9", "\u202ekey": [1, "\x85"]}
    text = json_text(payload)
    assert json.loads(text) == payload
    assert not any(is_invisible(char) for char in text.replace("\n", ""))
    assert "caf\u00e9" in text and "\\udb40\\udc41" in text
