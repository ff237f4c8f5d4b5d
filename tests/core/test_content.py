from __future__ import annotations

import pytest

from skill.core.content import MAX_VARIABLES, check_send_variables, check_template, placeholders
from skill.errors import InputError
from skill.records.content import ContentTemplate

SID = "HX" + "0" * 32


def test_placeholders_are_found_in_every_type_and_field_in_number_order() -> None:
    types = {
        "twilio/text": {"body": "{{10}} then {{2}}"},
        "twilio/card": {"title": "{{1}}", "actions": [{"title": "{{9}}", "url": "https://x.test/{{3}}"}]},
    }
    assert placeholders(types) == (["1", "2", "3", "9", "10"], [])


@pytest.mark.parametrize("text", ["{{ 1 }}", "{{1}", "{1}", "{{x}}", "{{0}}", "{{{1}}}", "}} {{1}}", "{{-1}}"])
def test_malformed_placeholders_are_reported(text: str) -> None:
    _, malformed = placeholders({"twilio/text": {"body": f"Hello {text} there"}})
    assert malformed, text


def test_ten_variables_numbered_without_gaps_pass_and_keep_their_samples() -> None:
    body = " ".join(f"{{{{{n}}}}}" for n in range(1, 11))
    samples = {str(n): f"v{n}" for n in range(1, 11)}
    assert check_template({"twilio/text": {"body": body}}, samples, "ten_vars") == samples


def test_more_variables_than_taken_are_refused() -> None:
    count = MAX_VARIABLES + 1
    body = " ".join(f"{{{{{n}}}}}" for n in range(1, count + 1))
    with pytest.raises(InputError) as refused:
        check_template({"twilio/text": {"body": body}}, {str(n): "x" for n in range(1, count + 1)}, None)
    assert f"at most {MAX_VARIABLES}" in refused.value.message


def test_sample_keys_given_as_numbers_count_as_their_names() -> None:
    assert check_template({"twilio/text": {"body": "Hi {{1}}"}}, {1: "Alex"}, None) == {"1": "Alex"}


def test_a_send_fills_every_variable_and_nothing_else() -> None:
    template = ContentTemplate(sid=SID, types={"twilio/text": {"body": "Hi {{1}}, {{2}}"}})
    assert check_send_variables(template, {"1": "a", "2": "b"}) == {"1": "a", "2": "b"}
    with pytest.raises(InputError) as missing:
        check_send_variables(template, {"2": "b"})
    assert missing.value.code == "input.content_variables_missing" and "{{1}}" in missing.value.message
    with pytest.raises(InputError) as unknown:
        check_send_variables(template, {"1": "a", "2": "b", "3": "c"})
    assert unknown.value.code == "input.content_variables_unknown"
    with pytest.raises(InputError) as too_long:
        check_send_variables(template, {"1": "a", "2": "b" * 1025})
    assert too_long.value.code == "input.invalid"


def test_a_template_without_variables_takes_none() -> None:
    template = ContentTemplate(sid=SID, types={"twilio/text": {"body": "Hello"}})
    assert check_send_variables(template, {}) == {}
    with pytest.raises(InputError) as unknown:
        check_send_variables(template, {"1": "a"})
    assert "no variables" in unknown.value.remediation[0]


def test_a_template_made_elsewhere_with_named_variables_is_filled_by_name() -> None:
    template = ContentTemplate(sid=SID, types={"twilio/text": {"body": "Hi {{first_name}}, {{2}} and {{1}}"}})
    values = {"first_name": "Ana", "1": "a", "2": "b"}
    assert check_send_variables(template, values) == {"1": "a", "2": "b", "first_name": "Ana"}
    with pytest.raises(InputError) as missing:
        check_send_variables(template, {"1": "a", "2": "b"})
    assert "{{first_name}}" in missing.value.message
