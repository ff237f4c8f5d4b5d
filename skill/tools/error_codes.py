"""The error_explain tool: what a Twilio error code means and what to do about it, from the local catalogue."""

from __future__ import annotations

from typing import Annotated

import anyio
from pydantic import BeforeValidator, Field, StringConstraints

from skill.catalog import explain_in_full, parse_code
from skill.catalog.curated import CURATED
from skill.core.context import Services
from skill.policy.tiers import Tier
from skill.records.errors import ErrorExplanation
from skill.results import Model, ToolResult
from skill.server.registry import ToolSpec


def _code_text(value: object) -> object:
    # The schema says string; a bare number (21211) is what agents often send, and means the same.
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


ErrorCodeText = Annotated[str, BeforeValidator(_code_text), StringConstraints(min_length=1, max_length=32)]


class ErrorExplainInput(Model):
    code: ErrorCodeText = Field(description="e.g. 21211 or twilio.21211.")


class ErrorExplainOutput(ToolResult, ErrorExplanation):
    pass


async def error_explain(services: Services, args: ErrorExplainInput) -> ErrorExplainOutput:
    code = parse_code(args.code)
    if code in CURATED:
        found = explain_in_full(code, services.settings)  # in memory: a worker thread would cost more
    else:
        # The fallback may read a large JSON file the first time; keep it off the event loop.
        found = await anyio.to_thread.run_sync(explain_in_full, code, services.settings)
    return ErrorExplainOutput(**found.model_dump())


TOOLS: tuple[ToolSpec, ...] = (
    ToolSpec(
        name="error_explain",
        title="Explain error code",
        description="A Twilio error code explained: causes, ordered fixes, whether to retry. Local, free.",
        toolset="ops",
        tier=Tier.READ,
        input=ErrorExplainInput,
        output=ErrorExplainOutput,
        handler=error_explain,
        open_world=False,
    ),
)
