"""Tools for TwiML: build documents from verbs, lint documents, and turn phone menus into TwiML.

All three work on this machine only: no request leaves, nothing is billed.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from skill.core import ivr, twiml_build, twiml_lint
from skill.core.context import Services
from skill.core.twiml_lint import Finding
from skill.policy.tiers import Tier
from skill.results import Model, ToolResult
from skill.server.registry import ToolSpec

Kind = Literal["voice", "messaging"]


class TwimlBuildInput(Model):
    kind: Kind = Field(description="voice (call webhooks) or messaging (incoming message replies).")
    verbs: list[twiml_build.Verb] = Field(
        max_length=100, description="Verbs in order; each object names its verb, e.g. {'verb': 'Say', 'text': 'Hi'}."
    )


class TwimlBuildOutput(ToolResult):
    kind: Kind = Field(description="Kind of document.")
    xml: str = Field(description="The TwiML, with its XML declaration.")
    size_bytes: int = Field(description="Size in bytes (Twilio's limit: 64 KB).")
    content_type: str = Field(description="Content-Type to serve it with (text/xml works too).")
    ok: bool = Field(description="True when linting found no error.")
    findings: list[Finding] = Field(description="Lint findings.")


async def twiml_build_tool(services: Services, args: TwimlBuildInput) -> TwimlBuildOutput:
    built = twiml_build.build_twiml(args.kind, args.verbs, services.settings.default_region)
    return TwimlBuildOutput(
        kind=built.kind,
        xml=built.xml,
        size_bytes=built.size_bytes,
        content_type=built.content_type,
        ok=built.ok,
        findings=built.findings,
    )


class TwimlLintInput(Model):
    xml: str = Field(max_length=1_000_000, description="The TwiML document.")
    kind: Kind | None = Field(default=None, description="voice or messaging; default: inferred from the verbs.")


class TwimlLintOutput(ToolResult):
    ok: bool = Field(description="True when no finding is an error.")
    kind: Kind = Field(description="Kind it was checked as.")
    size_bytes: int = Field(description="Size in bytes.")
    errors: int = Field(description="Number of error findings.")
    warnings: int = Field(description="Number of warning findings.")
    findings: list[Finding] = Field(description="Findings, in document order.")


async def twiml_lint_tool(services: Services, args: TwimlLintInput) -> TwimlLintOutput:
    report = twiml_lint.lint(args.xml, args.kind)
    severities = [finding.severity for finding in report.findings]
    return TwimlLintOutput(
        ok=report.ok,
        kind=report.kind,
        size_bytes=report.size_bytes,
        errors=severities.count("error"),
        warnings=severities.count("warning"),
        findings=report.findings,
    )


class IvrBuildOutput(ToolResult, ivr.MenuPlan):
    pass


async def ivr_build_tool(services: Services, args: ivr.Menu) -> IvrBuildOutput:
    plan = ivr.build_ivr(args, services.settings.default_region)
    return IvrBuildOutput.model_validate(plan.model_dump())


TOOLS: tuple[ToolSpec, ...] = (
    ToolSpec(
        name="twiml_build",
        title="Build TwiML",
        description="Build a voice or messaging TwiML document from a list of verbs, checked as twiml_lint does. "
        "Local, free.",
        toolset="voice",
        tier=Tier.READ,
        input=TwimlBuildInput,
        output=TwimlBuildOutput,
        handler=twiml_build_tool,
        open_world=False,
    ),
    ToolSpec(
        name="twiml_lint",
        title="Lint TwiML",
        description="Check TwiML before serving it: XML, verbs and nesting, attribute values, URLs, size limits, "
        "with Twilio's error codes. Local, free.",
        toolset="voice",
        tier=Tier.READ,
        input=TwimlLintInput,
        output=TwimlLintOutput,
        handler=twiml_lint_tool,
        open_world=False,
    ),
    ToolSpec(
        name="ivr_build",
        title="Build IVR menu",
        description="Turn a phone menu (prompts, digit or speech choices, dial/queue/voicemail/hangup ends) into "
        "linted TwiML documents with retry paths. Local, free.",
        toolset="voice",
        tier=Tier.READ,
        input=ivr.Menu,
        output=IvrBuildOutput,
        handler=ivr_build_tool,
        open_world=False,
    ),
)
