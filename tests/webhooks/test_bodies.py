"""Form bodies are read exactly as the standard library's parse_qsl reads them, bounds and strictness included."""

from __future__ import annotations

from urllib.parse import parse_qsl

import pytest
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from skill.webhooks.bodies import MAX_FIELDS, BadBody, form_fields

# Form-ish text: the characters that mean something to the parser, escapes valid and broken, and others.
PIECES = st.sampled_from(
    ["&", "=", "+", "%", "%2B", "%2b", "%20", "%C3%A9", "%C3", "%FF", "%E4%B8%AD", "%zz", "%4", "a", "Z", "0", " ",
     "\u00e9", "\u4e2d", "\U0001f600", "\x00", ";"]
)  # fmt: skip
ANY_TEXT = st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=4)  # what UTF-8 can carry
FORM_TEXT = st.lists(st.one_of(PIECES, ANY_TEXT), max_size=30).map("".join)


def by_parse_qsl(text: str, max_fields: int) -> dict[str, list[str]] | str:
    try:
        pairs = parse_qsl(text, keep_blank_values=True, max_num_fields=max_fields, errors="strict")
    except UnicodeDecodeError:
        return "not UTF-8"
    except ValueError:
        return "too many"
    params: dict[str, list[str]] = {}
    for name, value in pairs:
        params.setdefault(name, []).append(value)
    return params


def by_form_fields(text: str, max_fields: int) -> dict[str, list[str]] | str:
    try:
        return form_fields(text.encode(), max_fields=max_fields)
    except BadBody as problem:
        return "not UTF-8" if "UTF-8" in str(problem) else "too many"


@hypothesis_settings(max_examples=400, deadline=None, derandomize=True, database=None)
@given(text=FORM_TEXT, max_fields=st.integers(min_value=1, max_value=12))
def test_any_form_body_reads_as_parse_qsl_reads_it(text: str, max_fields: int) -> None:
    assert by_form_fields(text, max_fields) == by_parse_qsl(text, max_fields)


@pytest.mark.parametrize(
    ("body", "params"),
    [
        (b"", {}),
        (b"&&", {}),
        (b"a", {"a": [""]}),
        (b"a=&a=2&b=c=d", {"a": ["", "2"], "b": ["c=d"]}),
        (b"To=%2B1415+555&Body=caf%C3%A9+%E4%B8%AD", {"To": ["+1415 555"], "Body": ["caf\u00e9 \u4e2d"]}),
        (b"x=%zz%4", {"x": ["%zz%4"]}),
        ("k=\u00e9%20".encode(), {"k": ["\u00e9 "]}),
    ],
)
def test_a_form_body_gives_every_value_of_every_name_in_order(body: bytes, params: dict[str, list[str]]) -> None:
    assert form_fields(body) == params


@pytest.mark.parametrize("body", [b"a=%FF", b"a=%C3", "a=\u00e9%C3".encode(), b"\xff=1"])
def test_a_form_value_that_is_not_utf_8_is_refused(body: bytes) -> None:
    with pytest.raises(BadBody, match="UTF-8"):
        form_fields(body)


def test_a_form_with_more_fields_than_the_bound_is_refused_before_it_is_read() -> None:
    assert len(form_fields(b"&".join([b"f=1"] * MAX_FIELDS))["f"]) == MAX_FIELDS
    with pytest.raises(BadBody, match=f"more than {MAX_FIELDS} fields"):
        form_fields(b"&".join([b"f=1"] * (MAX_FIELDS + 1)))
