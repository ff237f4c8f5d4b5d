"""A Twilio error code explained: in brief on a failed message, call, alert or callback; in full as
error_explain answers."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from skill.records.base import Record


# A Twilio error code explained, attached to a failed message, call, alert or callback (no docstring:
# it would become schema text in every tool that returns one).
class ErrorBrief(Record):
    code: int = Field(description="Twilio error code.")
    title: str = Field(description="Short name of the error.")
    meaning: str | None = Field(default=None, description="What it means.")
    remediation: list[str] = Field(description="Ordered steps that fix it.")
    docs_url: str = Field(description="Twilio's page for the code.")
    detail: str | None = Field(default=None, description="Twilio's own text for this occurrence, if any.")


class ErrorExplanation(Record):
    code: int = Field(description="The error code.")
    title: str = Field(description="Short name of the error.")
    meaning: str = Field(description="What it means, in one or two sentences.")
    causes: list[str] = Field(description="Likely causes.")
    remediation: list[str] = Field(description="Ordered steps that fix it.")
    retryable: bool = Field(description="True when repeating the same request later may succeed.")
    docs_url: str = Field(description="Twilio's page for this code.")
    source: Literal["curated", "twilio-catalog", "unknown"] = Field(description="Where the explanation came from.")
    known: bool = Field(description="False when nothing is known about this code.")
