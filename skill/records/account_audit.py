"""The account audit's report: findings (what to fix, with the tool that fixes it) and the checks run."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from skill.records.base import Record

Severity = Literal["high", "medium", "low", "info"]
SEVERITIES: tuple[Severity, ...] = ("high", "medium", "low", "info")


class Finding(Record):
    severity: Severity = Field(description="high, medium, low or info.")
    check: str = Field(description="The check that found it.")
    resource: str = Field(description="What it is about.")
    finding: str = Field(description="What is wrong.")
    remediation: list[str] = Field(description="Ordered steps that fix it.")
    fix_tool: str | None = Field(default=None, description="The tool that fixes it, if one does.")
    account: str | None = Field(default=None, description="The account it was found in (scope all).")


class CheckRun(Record):
    check: str = Field(description="Check name.")
    ok: bool = Field(description="False when the check could not run.")
    findings: int = Field(description="Findings it produced.")
    account: str | None = Field(default=None, description="The account it ran on (scope all).")


class SeverityCounts(Record):
    high: int = Field(description="High-severity findings.")
    medium: int = Field(description="Medium-severity findings.")
    low: int = Field(description="Low-severity findings.")
    info: int = Field(description="Informational findings.")


class AuditReport(Record):
    findings: list[Finding] = Field(description="Findings, most serious first.")
    counts: SeverityCounts = Field(description="Findings per severity.")
    checks: list[CheckRun] = Field(description="Each check and whether it ran.")
    notes: list[str] = Field(description="What the audit does not cover, and how it judges.")
