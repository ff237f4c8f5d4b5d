"""Recipients of a bulk send: an inline list or a CSV file from the imports folder, each row checked,
its body rendered from the template, and the whole sorted into valid, invalid, opted out and duplicate.

The CSV file is named by the operator and placed under `$TWILIO_SKILL_HOME/imports/`; an agent gives
only its bare name. Anything else (a path, `..`, a symlink, a device) is refused, and the file is
opened relative to the folder with O_NOFOLLOW so that no name can lead outside it.
"""

from __future__ import annotations

import csv
import io
import os
import re
import stat
from dataclasses import dataclass, field
from typing import Any

from skill.core import phones
from skill.core.bulk_windows import zone_of
from skill.core.segments import segment_count
from skill.errors import InputError
from skill.records.bulk import RecipientIssue

MAX_RECIPIENTS = 10_000
MAX_CSV_BYTES = 5 * 1024 * 1024
MAX_VARIABLE_CHARS = 500
MAX_BODY_CHARACTERS = 1600
ISSUES_SHOWN = 50
IMPORTS_DIR = "imports"
PHONE_COLUMNS = ("phone_number", "phone", "to", "number")
FILE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$")
VARIABLE = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")
PLACEHOLDER = re.compile(r"\{\{|\}\}|\{([^{}]*)\}|[{}]")


class MissingVariable(Exception):
    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


def _template_error(reason: str) -> InputError:
    return InputError(
        f"The body template is not valid: {reason}.",
        code="input.invalid_template",
        remediation=[
            "Write variables as {first_name} (letters, digits and _), and a literal brace as {{ or }}.",
        ],
    )


def template_variables(template: str) -> list[str]:
    """The variable names a template uses, in order.

    Raises:
        InputError: input.invalid_template for a lone brace or a placeholder that is not a plain name.
    """
    names: list[str] = []
    for match in PLACEHOLDER.finditer(template):
        token = match.group(0)
        if token in ("{{", "}}"):
            continue
        name = match.group(1)
        if name is None:
            raise _template_error(f"a lone {token!r} at position {match.start()}")
        if not VARIABLE.fullmatch(name):
            raise _template_error(f"{{{name[:40]}}} is not a variable name")
        names.append(name)
    return names


def render(template: str, variables: dict[str, str]) -> str:
    """The template with each {name} replaced by its value.

    Raises:
        MissingVariable: a name the variables do not hold (or hold empty).
    """

    def replace(match: re.Match[str]) -> str:
        token = match.group(0)
        if token == "{{":
            return "{"
        if token == "}}":
            return "}"
        name = match.group(1) or ""
        value = variables.get(name)
        if value is None or value == "":
            raise MissingVariable(name)
        return value

    return PLACEHOLDER.sub(replace, template)


def _file_error(name: str, reason: str) -> InputError:
    return InputError(
        f"Cannot use {name[:80]!r} as a recipients file: {reason}.",
        code="input.invalid_file",
        remediation=[
            f"Give the bare name of a CSV the operator put in $TWILIO_SKILL_HOME/{IMPORTS_DIR}/ (e.g. spring.csv).",
            "Paths, '..', symlinks and anything outside that folder are refused.",
        ],
    )


def read_import(home: os.PathLike[str] | str, name: str) -> str:
    """The text of a file in the imports folder, opened without following any link.

    Raises:
        InputError: input.invalid_file when the name is not a bare file name, or the file is missing,
            a link, not a regular file, too large or not UTF-8.
    """
    if not FILE_NAME.fullmatch(name) or ".." in name:
        raise _file_error(name, "it is not a bare file name")
    folder = os.path.join(os.fspath(home), IMPORTS_DIR)
    try:
        dir_fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    except OSError:
        raise _file_error(name, f"there is no {IMPORTS_DIR}/ folder (or it is a link)") from None
    try:
        try:
            fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK, dir_fd=dir_fd)
        except OSError as exc:
            reason = "it is a symlink" if os.path.islink(os.path.join(folder, name)) else "it cannot be opened"
            raise _file_error(name, reason) from exc
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_CSV_BYTES:
            os.close(fd)
            too_big = stat.S_ISREG(info.st_mode)
            raise _file_error(
                name, f"it is over {MAX_CSV_BYTES // (1024 * 1024)} MB" if too_big else "it is not a regular file"
            )
        with os.fdopen(fd, "rb") as handle:
            raw = handle.read(MAX_CSV_BYTES + 1)
    finally:
        os.close(dir_fd)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _file_error(name, "it is not UTF-8 text") from None


@dataclass(frozen=True)
class Row:
    """One recipient as given: its number, its template variables, or why the row itself is unusable."""

    phone: str
    variables: dict[str, str] = field(default_factory=dict)
    problem: str | None = None


def parse_csv(text: str) -> list[Row]:
    """Rows of a CSV with a header naming a phone column (phone_number, phone, to or number).

    Raises:
        InputError: no header or no phone column, or more than MAX_RECIPIENTS rows.
    """
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if not header:
        raise InputError(
            "The recipients file is empty.", code="input.invalid_file", remediation=["Add a header and rows."]
        )
    columns = [column.strip().lower() for column in header]
    phone_column = next((columns.index(name) for name in PHONE_COLUMNS if name in columns), None)
    if phone_column is None:
        raise InputError(
            "The recipients file has no phone column.",
            code="input.invalid_file",
            remediation=[f"Name the column of numbers one of: {', '.join(PHONE_COLUMNS)}."],
        )
    rows: list[Row] = []
    for values in reader:
        if not any(value.strip() for value in values):
            continue
        if len(rows) >= MAX_RECIPIENTS:
            raise too_many(len(rows) + 1)
        if len(values) != len(columns):
            rows.append(Row(phone=(values[phone_column] if phone_column < len(values) else ""), problem=(
                f"has {len(values)} fields, the header {len(columns)}"
            )))  # fmt: skip
            continue
        variables = {name: value.strip() for name, value in zip(columns, values, strict=True)}
        rows.append(Row(phone=values[phone_column].strip(), variables=variables))
    return rows


def too_many(count: int) -> InputError:
    return InputError(
        f"A bulk send takes at most {MAX_RECIPIENTS} recipients; this one has more ({count} or over).",
        code="input.too_many_recipients",
        remediation=[f"Split the list into jobs of at most {MAX_RECIPIENTS} recipients."],
    )


@dataclass(frozen=True)
class Recipient:
    row: int
    phone: str  # E.164
    body: str
    segments: int
    country: str | None
    tz: str | None


@dataclass
class Sorted:
    """Recipients sorted: those to queue, and the counts and reasons of the rest."""

    valid: list[Recipient] = field(default_factory=list)
    invalid: int = 0
    opted_out: int = 0
    duplicate: int = 0
    issues: list[RecipientIssue] = field(default_factory=list)

    def refuse(self, row: int, phone: str, reason: str, kind: str = "invalid") -> None:
        setattr(self, kind, getattr(self, kind) + 1)
        if len(self.issues) < ISSUES_SHOWN:
            self.issues.append(RecipientIssue(row=row, phone_number=phone[:64], reason=reason))


def sort_recipients(
    rows: list[Row],
    template: str,
    *,
    region: str,
    country_allowed: Any,
    opted_out: Any,
    now: float,
) -> Sorted:
    """Check every row: a valid number of an allowed country, not opted out, not a repeat, and a body
    that renders (every variable present) within 1600 characters."""
    result = Sorted()
    seen: set[str] = set()
    for position, row in enumerate(rows, start=1):
        if row.problem:
            result.refuse(position, row.phone, row.problem)
            continue
        try:
            number = phones.to_e164(row.phone, region=region, field="phone_number")
        except InputError:
            result.refuse(position, row.phone, "not a valid phone number")
            continue
        country = phones.region_of(number, region)
        if not country_allowed(country):
            result.refuse(position, row.phone, f"{country or 'its country'} is not an allowed destination")
            continue
        if number in seen:
            result.refuse(position, row.phone, "repeats an earlier row", "duplicate")
            continue
        seen.add(number)
        if opted_out(number):
            result.refuse(position, row.phone, "opted out (STOP)", "opted_out")
            continue
        try:
            values = {name: value[:MAX_VARIABLE_CHARS] for name, value in row.variables.items()}
            body = render(template, values)
        except MissingVariable as exc:
            result.refuse(position, row.phone, f"no value for {{{exc.name}}}")
            continue
        if len(body) > MAX_BODY_CHARACTERS:
            result.refuse(position, row.phone, f"body is {len(body)} characters, over {MAX_BODY_CHARACTERS}")
            continue
        result.valid.append(
            Recipient(
                row=position,
                phone=number,
                body=body,
                segments=segment_count(body),
                country=country,
                tz=zone_of(number, now),
            )
        )
    return result
