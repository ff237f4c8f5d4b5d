"""Recipients of a bulk send: CSV rows checked one by one, templates, and file names that could lead
outside the imports folder."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from skill.core.bulk_recipients import Row, parse_csv, read_import, render, sort_recipients, template_variables
from skill.errors import InputError


def sort_rows(rows: list[Row], template: str = "Hi {first_name}", opted: tuple[str, ...] = ()) -> object:
    return sort_recipients(
        rows,
        template,
        region="US",
        country_allowed=lambda country: country in ("US", "CA"),
        opted_out=lambda number: number in opted,
        now=0.0,
    )


def test_a_csv_with_bad_rows_sorts_each_row_and_says_why() -> None:
    text = (
        "phone_number,first_name\n"
        "+14155550100,Ana\n"
        "not-a-number,Bo\n"
        "+14155550101\n"  # a field short
        "+14155550102,\n"  # no value for the variable
        "(415) 555-0100,Ana again\n"  # the first row, written otherwise
        "+442071838750,Cy\n"  # a country the policy does not allow
        "+14155550103,Di\n"
        "+14155550104,Ed\n"
        "\n"
    )
    result = sort_rows(parse_csv(text), opted=("+14155550104",))
    assert [r.phone for r in result.valid] == ["+14155550100", "+14155550103"]  # type: ignore[attr-defined]
    assert [r.body for r in result.valid] == ["Hi Ana", "Hi Di"]  # type: ignore[attr-defined]
    assert (result.invalid, result.duplicate, result.opted_out) == (4, 1, 1)  # type: ignore[attr-defined]
    reasons = {issue.row: issue.reason for issue in result.issues}  # type: ignore[attr-defined]
    assert reasons[2] == "not a valid phone number"
    assert "fields" in reasons[3]
    assert reasons[4] == "no value for {first_name}"
    assert reasons[5] == "repeats an earlier row"
    assert "GB" in reasons[6]
    assert reasons[8] == "opted out (STOP)"


def test_a_csv_without_a_phone_column_or_with_too_many_rows_is_refused() -> None:
    with pytest.raises(InputError) as caught:
        parse_csv("name,first_name\nx,y\n")
    assert caught.value.code == "input.invalid_file"
    many = "phone\n" + "".join(f"+1415{2000000 + i:07d}\n" for i in range(10_001))
    with pytest.raises(InputError) as caught:
        parse_csv(many)
    assert caught.value.code == "input.too_many_recipients"


def test_a_body_over_the_limit_after_rendering_refuses_that_recipient_only() -> None:
    rows = [Row("+14155550100", {"first_name": "A" * 400}), Row("+14155550101", {"first_name": "B"})]
    result = sort_rows(rows, "{first_name}" * 5)
    assert [r.phone for r in result.valid] == ["+14155550101"]  # type: ignore[attr-defined]
    assert "over 1600" in result.issues[0].reason  # type: ignore[attr-defined]


def test_templates_take_plain_names_only() -> None:
    assert template_variables("Hi {first_name}, {{literal}} {code}") == ["first_name", "code"]
    assert render("Hi {first_name} {{x}}", {"first_name": "Ana"}) == "Hi Ana {x}"
    for hostile in ("{0.__class__}", "{first_name!r}", "{a[0]}", "Hi {", "Hi }", "{}"):
        with pytest.raises(InputError) as caught:
            template_variables(hostile)
        assert caught.value.code == "input.invalid_template"


@pytest.fixture
def imports(tmp_path: Path) -> Path:
    folder = tmp_path / "imports"
    folder.mkdir()
    (folder / "spring.csv").write_text("phone_number\n+14155550100\n")
    return folder


def test_a_file_in_the_imports_folder_is_read(imports: Path) -> None:
    assert read_import(imports.parent, "spring.csv").startswith("phone_number")


@pytest.mark.parametrize(
    "name",
    ["../secrets.env", "/etc/passwd", "sub/spring.csv", "..", ".hidden.csv", "spring.csv\x00.txt", "a" * 200, ""],
)
def test_names_that_are_not_bare_file_names_are_refused(imports: Path, name: str) -> None:
    (imports.parent / "secrets.env").write_text("TWILIO_AUTH_TOKEN=x\n")
    with pytest.raises(InputError) as caught:
        read_import(imports.parent, name)
    assert caught.value.code == "input.invalid_file"


def test_a_symlink_in_the_imports_folder_is_refused(imports: Path) -> None:
    secret = imports.parent / "secrets.env"
    secret.write_text("phone_number\n+14155550100\n")
    (imports / "linked.csv").symlink_to(secret)
    with pytest.raises(InputError) as caught:
        read_import(imports.parent, "linked.csv")
    assert "symlink" in caught.value.message


def test_an_imports_folder_that_is_a_symlink_is_refused(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "spring.csv").write_text("phone_number\n+14155550100\n")
    home = tmp_path / "home"
    home.mkdir()
    (home / "imports").symlink_to(elsewhere)
    with pytest.raises(InputError):
        read_import(home, "spring.csv")


def test_a_fifo_or_a_folder_is_refused_without_blocking(imports: Path) -> None:
    os.mkfifo(imports / "pipe.csv")
    (imports / "folder.csv").mkdir()
    for name in ("pipe.csv", "folder.csv", "missing.csv"):
        with pytest.raises(InputError):
            read_import(imports.parent, name)
