"""Tools for TwiML: build documents from verbs, lint documents, turn phone menus into TwiML, and the
grammar of verbs and menus. All work on this machine only: no request leaves, nothing is billed.

Verbs and menus travel as JSON text, so the listed schemas stay small; skill.core.twiml_grammar
checks them and answers a misfit with the grammar of the parts concerned.
"""

from __future__ import annotations

import json
from typing import Annotated, Literal

from pydantic import BeforeValidator, Field, StringConstraints

from skill.core import ivr, twiml_build, twiml_grammar, twiml_lint
from skill.core.context import Services
from skill.core.twiml_lint import Finding
from skill.policy.tiers import Tier
from skill.records.twiml import GrammarPart
from skill.results import Model, ToolResult
from skill.server.registry import ToolSpec

Kind = Literal["voice", "messaging"]
MAX_JSON_CHARACTERS = 100_000


def _as_text(value: object) -> object:
    """Verbs or a menu given as JSON itself (not as text) are taken as their JSON text."""
    return json.dumps(value) if isinstance(value, list | dict) else value


JsonText = Annotated[str, BeforeValidator(_as_text), StringConstraints(min_length=1, max_length=MAX_JSON_CHARACTERS)]
MenuName = Annotated[ivr.Slug, Field(description="Menu name (letters, digits, _ -), used in its URLs.")]
Part = Literal[
    "Say", "Play", "Pause", "Gather", "Dial", "Record", "Enqueue", "Redirect", "Hangup", "Reject", "Message",
    "menu", "node", "option", "action",
]  # fmt: skip


class TwimlBuildInput(Model):
    kind: Kind = Field(description="voice (call webhooks) or messaging (incoming message replies).")
    verbs: JsonText = Field(
        description='JSON array of verbs in order, e.g. [{"verb":"Say","text":"Hi"},{"verb":"Hangup"}]. '
        "Fields of each: twiml_grammar."
    )


class TwimlBuildOutput(ToolResult):
    kind: Kind = Field(description="Kind of document.")
    xml: str = Field(description="The TwiML, with its XML declaration.")
    size_bytes: int = Field(description="Size in bytes (Twilio's limit: 64 KB).")
    content_type: str = Field(description="Content-Type to serve it with (text/xml works too).")
    ok: bool = Field(description="True when linting found no error.")
    findings: list[Finding] = Field(description="Lint findings.")


async def twiml_build_tool(services: Services, args: TwimlBuildInput) -> TwimlBuildOutput:
    verbs = twiml_grammar.parse_verbs(args.verbs)
    built = twiml_build.build_twiml(args.kind, verbs, services.settings.default_region)
    return TwimlBuildOutput(
        kind=built.kind,
        xml=built.xml,
        size_bytes=built.size_bytes,
        content_type=built.content_type,
        ok=built.ok,
        findings=built.findings,
    )


class TwimlLintInput(Model):
    xml: str = Field(max_length=1_000_000)
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


class IvrBuildInput(Model):
    name: MenuName
    menu: JsonText = Field(
        description='JSON object, e.g. {"base_url":"https://host/twilio/voice/ivr","start":"main","nodes":'
        '[{"id":"main","prompt":"Press 1 for sales.","options":[{"digits":"1","goto":"sales"}]},{"id":"sales",'
        '"prompt":"Connecting.","action":{"kind":"dial","number":"+14155550100"}}]}. All fields: twiml_grammar.'
    )


class IvrBuildOutput(ToolResult, ivr.MenuPlan):
    pass


async def ivr_build_tool(services: Services, args: IvrBuildInput) -> IvrBuildOutput:
    plan = ivr.build_ivr(twiml_grammar.parse_menu(args.name, args.menu), services.settings.default_region)
    return IvrBuildOutput(**plan.model_dump())


class TwimlGrammarInput(Model):
    part: Part | None = Field(default=None, description="A verb, or menu, node, option or action; default all.")


class TwimlGrammarOutput(ToolResult):
    parts: list[GrammarPart] = Field(description="Each part asked for: its fields and an example.")


async def twiml_grammar_tool(services: Services, args: TwimlGrammarInput) -> TwimlGrammarOutput:
    names = (args.part,) if args.part else twiml_grammar.PARTS
    return TwimlGrammarOutput(parts=[twiml_grammar.grammar(name) for name in names])


TOOLS: tuple[ToolSpec, ...] = (
    ToolSpec(
        name="twiml_build",
        title="Build TwiML",
        description="Build a voice or messaging TwiML document from verbs, linted. Local, free.",
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
        description="Check TwiML before serving it: XML, verbs, nesting, attributes, URLs, size, with Twilio's "
        "error codes. Local, free.",
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
        description="Turn a phone menu (prompts, key or speech choices; dial, queue, voicemail or hangup ends) "
        "into linted TwiML with retry paths. Local, free.",
        toolset="voice",
        tier=Tier.READ,
        input=IvrBuildInput,
        output=IvrBuildOutput,
        handler=ivr_build_tool,
        open_world=False,
    ),
    ToolSpec(
        name="twiml_grammar",
        title="TwiML and menu grammar",
        description="Fields and an example of each TwiML verb and IVR menu part, for twiml_build, ivr_build and "
        "ivr_deploy. Local, free.",
        toolset="voice",
        tier=Tier.READ,
        input=TwimlGrammarInput,
        output=TwimlGrammarOutput,
        handler=twiml_grammar_tool,
        open_world=False,
    ),
)
