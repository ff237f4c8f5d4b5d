"""Explaining a Twilio error code: the curated entry first, else Twilio's own catalogue if a copy is here."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import skill.catalog.full as full
from skill.catalog.curated import CURATED
from skill.errors import InputError, twilio_docs_url
from skill.records.errors import ErrorBrief, ErrorExplanation

if TYPE_CHECKING:
    from skill.config import Settings

Source = Literal["curated", "twilio-catalog"]

_CODE_TEXT = re.compile(r"^(?:twilio[.:\s-]?)?(\d{1,6})$", re.IGNORECASE)


@dataclass(frozen=True)
class Explanation:
    """What a code means and what to do about it, and where that knowledge came from."""

    code: int
    title: str
    meaning: str
    causes: tuple[str, ...]
    remediation: tuple[str, ...]
    retryable: bool
    source: Source
    docs_url: str


def parse_code(value: object) -> int:
    """A Twilio error code from 21211, "21211" or "twilio.21211".

    Raises:
        InputError: the value is not one of those forms.
    """
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value < 1_000_000:
        return value
    if isinstance(value, str):
        match = _CODE_TEXT.match(value.strip())
        if match and int(match.group(1)) > 0:
            return int(match.group(1))
    raise InputError(
        f"{value!r} is not a Twilio error code.",
        code="input.invalid_error_code",
        remediation=[
            "Pass the number Twilio reported, e.g. 21211, '21211' or 'twilio.21211'.",
            "Take it from error.twilio_code of a failed call, or from a message's error_code.",
        ],
    )


def explain(code: int, settings: Settings | None = None) -> Explanation | None:
    """Explain code: curated entry, else the local copy of Twilio's catalogue, else None."""
    docs_url = twilio_docs_url(code)
    entry = CURATED.get(code)
    if entry is not None:
        return Explanation(
            code=code,
            title=entry.title,
            meaning=entry.meaning,
            causes=entry.causes,
            remediation=entry.remediation,
            retryable=entry.retryable,
            source="curated",
            docs_url=docs_url,
        )
    raw = full.lookup(code, settings)
    if raw is None:
        return None
    message = raw.get("message")
    title = message.strip() if isinstance(message, str) and message.strip() else f"Error {code}"
    meaning = full.first_paragraph(raw.get("description")) or full.first_paragraph(raw.get("causes"))
    solutions = full.markdown_items(raw.get("solutions"))
    return Explanation(
        code=code,
        title=title,
        meaning=meaning or f"{title}.",
        causes=full.markdown_items(raw.get("causes")),
        remediation=(*solutions, f"Read {docs_url} for Twilio's full notes on this code."),
        # Twilio's catalogue does not say; never invite a blind retry.
        retryable=False,
        source="twilio-catalog",
        docs_url=docs_url,
    )


def remediation_for(code: int, settings: Settings | None = None) -> list[str]:
    """Ordered steps for a Twilio error code: curated, else Twilio's catalogue, else a generic pointer."""
    found = explain(code, settings)
    if found is not None:
        return list(found.remediation)
    return [
        f"Look up error {code} with the error_explain tool.",
        f"Read {twilio_docs_url(code)}.",
    ]


def brief(code: int, settings: Settings | None = None, reported: str | None = None) -> ErrorBrief:
    """A short explanation to attach to a failed resource (message, call): title, meaning, steps.

    `reported` is the provider's own error message, used as the title when the code is unknown here.
    """
    found = explain(code, settings)
    return ErrorBrief(
        code=code,
        title=found.title if found else (reported or f"Error {code}"),
        meaning=found.meaning if found else None,
        remediation=list(found.remediation) if found else remediation_for(code, settings),
        docs_url=twilio_docs_url(code),
    )


def explain_in_full(code: int, settings: Settings | None = None) -> ErrorExplanation:
    """Everything known about a code, or, for a code found nowhere, a record that says so and where to read."""
    found = explain(code, settings)
    if found is not None:
        return ErrorExplanation(
            code=found.code,
            title=found.title,
            meaning=found.meaning,
            causes=list(found.causes),
            remediation=list(found.remediation),
            retryable=found.retryable,
            docs_url=found.docs_url,
            source=found.source,
            known=True,
        )
    docs_url = twilio_docs_url(code)
    return ErrorExplanation(
        code=code,
        title=f"Error {code}",
        meaning="No entry for this code in the curated catalogue or in a local copy of Twilio's catalogue.",
        causes=[],
        remediation=[
            f"Read {docs_url}.",
            "Run `twilio-skill errors sync` to fetch Twilio's full catalogue, then ask again.",
        ],
        retryable=False,
        docs_url=docs_url,
        source="unknown",
        known=False,
    )
