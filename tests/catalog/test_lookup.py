"""Explaining a code: curated first, then a local copy of Twilio's catalogue, then nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from skill.catalog import explain, parse_code, remediation_for
from skill.catalog.curated import CURATED
from skill.config import Settings
from skill.errors import InputError
from tests.catalog.conftest import write_catalogue


def test_a_curated_code_is_explained_from_the_curated_entry(settings: Settings) -> None:
    found = explain(21211, settings)
    assert found is not None
    assert found.source == "curated"
    assert found.title == CURATED[21211].title
    assert found.remediation == CURATED[21211].remediation
    assert found.docs_url == "https://www.twilio.com/docs/errors/21211"


def test_an_uncurated_code_falls_back_to_the_configured_catalogue(settings: Settings, catalogue_file: Path) -> None:
    found = explain(45123, settings.with_overrides(error_catalog_path=catalogue_file))
    assert found is not None
    assert found.source == "twilio-catalog"
    assert found.title == "Widget quota exhausted"
    assert found.meaning == "The account used every widget it may."
    assert found.causes == ("Too many widgets were made today.", "A loop made them.")
    assert found.remediation[:2] == ("Delete widgets you no longer need.", "Ask for a higher quota.")
    assert found.remediation[-1].startswith("Read https://www.twilio.com/docs/errors/45123")
    assert found.retryable is False


def test_a_catalogue_entry_with_only_a_title_still_explains_something(settings: Settings, catalogue_file: Path) -> None:
    found = explain(45124, settings.with_overrides(error_catalog_path=catalogue_file))
    assert found is not None
    assert found.meaning == "Gadget offline."
    assert found.causes == ()
    assert len(found.remediation) == 1 and "docs/errors/45124" in found.remediation[0]


def test_the_copy_in_the_skill_home_is_used_when_no_path_is_configured(settings: Settings) -> None:
    write_catalogue(settings.home / "twilio-error-codes.json")
    found = explain(45123, settings)
    assert found is not None and found.source == "twilio-catalog"


def test_a_curated_entry_wins_over_twilios_catalogue(settings: Settings, tmp_path: Path) -> None:
    path = write_catalogue(tmp_path / "c.json", [{"code": 21211, "message": "Something else entirely"}])
    found = explain(21211, settings.with_overrides(error_catalog_path=path))
    assert found is not None and found.source == "curated"


def test_an_unknown_code_explains_nothing(settings: Settings, catalogue_file: Path) -> None:
    assert explain(45999, settings) is None
    assert explain(45999, settings.with_overrides(error_catalog_path=catalogue_file)) is None


def test_an_unusable_catalogue_is_treated_as_absent(settings: Settings, tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    assert explain(45123, settings.with_overrides(error_catalog_path=broken)) is None
    missing = tmp_path / "missing.json"
    assert explain(45123, settings.with_overrides(error_catalog_path=missing)) is None
    assert explain(21211, settings.with_overrides(error_catalog_path=broken)) is not None


def test_a_changed_catalogue_file_is_read_again(settings: Settings, catalogue_file: Path) -> None:
    configured = settings.with_overrides(error_catalog_path=catalogue_file)
    assert explain(45125, configured) is None
    write_catalogue(catalogue_file, [{"code": 45125, "message": "Sprocket jammed, newly documented"}])
    found = explain(45125, configured)
    assert found is not None and found.title == "Sprocket jammed, newly documented"


def test_without_settings_the_catalogue_comes_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, catalogue_file: Path
) -> None:
    monkeypatch.setenv("TWILIO_SKILL_ERROR_CATALOG", str(catalogue_file))
    found = explain(45123)
    assert found is not None and found.source == "twilio-catalog"


def test_remediation_comes_from_curated_then_catalogue_then_a_generic_pointer(
    settings: Settings, catalogue_file: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    configured = settings.with_overrides(error_catalog_path=catalogue_file)
    assert remediation_for(21610, configured) == list(CURATED[21610].remediation)
    assert remediation_for(45123, configured)[0] == "Delete widgets you no longer need."
    generic = remediation_for(45999, configured)
    assert generic[0] == "Look up error 45999 with the error_explain tool."
    # Called without settings (as the dispatcher does), it still works from the environment.
    monkeypatch.delenv("TWILIO_SKILL_ERROR_CATALOG", raising=False)
    monkeypatch.setenv("TWILIO_SKILL_HOME", str(tmp_path / "empty-home"))
    assert remediation_for(20003) == list(CURATED[20003].remediation)
    assert remediation_for(45123) == [step.replace("45999", "45123") for step in generic]


@pytest.mark.parametrize(
    ("given", "expected"),
    [(21211, 21211), ("21211", 21211), (" twilio.30007 ", 30007), ("TWILIO.20003", 20003), ("twilio-60200", 60200)],
)
def test_codes_are_accepted_as_numbers_strings_and_prefixed_strings(given: object, expected: int) -> None:
    assert parse_code(given) == expected


@pytest.mark.parametrize("given", ["abc", "", "twilio.", "21211x", "sendgrid.21211", 0, -5, 1_000_000, True, 2.5])
def test_anything_else_is_an_input_error(given: object) -> None:
    with pytest.raises(InputError) as raised:
        parse_code(given)
    assert raised.value.code == "input.invalid_error_code"
    assert raised.value.remediation
