"""A Twilio error code explained: attached to a failed message, call, alert or callback."""

from __future__ import annotations

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
