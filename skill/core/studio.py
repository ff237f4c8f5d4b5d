"""Studio v2: list, export, validate and deploy flows; start, list, read and stop executions.

What a deploy or a run waiting for an operator would do (its impact) is skill.core.studio_impact.
"""

from __future__ import annotations

import json
from datetime import datetime

from skill.core import phones
from skill.core.context import Services
from skill.core.exports import write_export
from skill.core.studio_schema import definition_problems
from skill.core.timeutil import as_utc
from skill.errors import InputError
from skill.ports.clock import utc
from skill.records.page import Page
from skill.records.studio import (
    DefinitionProblem,
    DeployedFlow,
    Execution,
    ExecutionDetail,
    Flow,
    FlowExport,
    FlowValidation,
    JsonData,
)

MAX_STEPS = 200


async def list_flows(services: Services, *, limit: int, cursor: str | None) -> Page[Flow]:
    """Flows of the account with their latest revision, a page at a time.

    Raises:
        InputError: input.invalid_cursor.
    """
    return await services.twilio.studio.list_flows(limit=limit, cursor=cursor)


async def export_flow(services: Services, *, sid: str, revision: int | None, save: bool = False) -> FlowExport:
    """A flow's definition (latest revision, or the one asked for); with save, also written to a new
    file in <home>/exports under a name made of the SID, the revision and the time (see core.exports).

    Raises:
        UpstreamError: twilio.20404 when there is no such flow or revision.
        ConfigError: save was asked and the exports folder cannot be used (see write_export).
    """
    studio = services.twilio.studio
    found = await (studio.fetch_revision(sid, str(revision)) if revision else studio.fetch_flow(sid))
    path = None
    if save:
        text = json.dumps(found.definition, indent=2, ensure_ascii=False) + "\n"
        label = f"r{found.revision}" if found.revision is not None else "latest"
        moment = utc(services.clock)  # a name the operator reads: wall-clock time
        path = str(write_export(services.settings.home, sid=sid, label=label, text=text, moment=moment))
    return FlowExport(**found.model_dump(), path=path)


def _invalid_definition(problems: list[DefinitionProblem]) -> InputError:
    return InputError(
        f"The flow definition has {len(problems)} structural problem(s); nothing was sent to Twilio.",
        code="input.invalid_flow_definition",
        remediation=[f"Fix {p.path}: {p.message}" for p in problems[:10]]
        + ["Check the corrected definition with studio_flow_validate before deploying."],
    )


# Twilio's validator wants a name; the name never changes what it finds.
VALIDATION_NAME = "validation"


async def validate_definition(services: Services, definition: JsonData) -> FlowValidation:
    """The local structural check; when it passes, Twilio's validator as well."""
    local = definition_problems(definition)
    if local:
        return FlowValidation(valid=False, checked_by_twilio=False, problems=local)
    studio = services.twilio.studio
    found = await studio.validate(friendly_name=VALIDATION_NAME, status="draft", definition=definition)
    return FlowValidation(valid=not found, checked_by_twilio=True, problems=found)


def check_deploy(*, sid: str | None, friendly_name: str | None, definition: JsonData) -> None:
    """The local checks of a deploy: a target, and a definition without structural problems.

    Raises:
        InputError: input.flow_target_required or input.invalid_flow_definition.
    """
    if not sid and not friendly_name:
        raise InputError(
            "Say which flow: sid to add a revision to an existing flow, or friendly_name to create a new one.",
            code="input.flow_target_required",
            remediation=["Find existing flows and their SIDs with studio_flows_list."],
        )
    problems = definition_problems(definition)
    if problems:
        raise _invalid_definition(problems)


async def deploy_flow(
    services: Services,
    *,
    sid: str | None,
    friendly_name: str | None,
    definition: JsonData,
    status: str,
    commit_message: str | None,
) -> DeployedFlow:
    """Create a flow (no sid) or add a revision to one; the definition is checked locally first.

    Raises:
        InputError: no target, or input.invalid_flow_definition.
        UpstreamError: Twilio refused (twilio.81022 lists its validation failures as remediation).
    """
    check_deploy(sid=sid, friendly_name=friendly_name, definition=definition)
    studio = services.twilio.studio
    if sid:
        flow = await studio.update_flow(
            sid, status=status, friendly_name=friendly_name, definition=definition, commit_message=commit_message
        )
    else:
        assert friendly_name is not None
        flow = await studio.create_flow(
            friendly_name=friendly_name, status=status, definition=definition, commit_message=commit_message
        )
    return DeployedFlow(**flow.model_dump(), created=not sid)


def check_execution(services: Services, *, to: str, from_: str) -> tuple[str, str]:
    """The contact and the sender of an execution, normalised; a Messaging Service SID is a sender here.

    Raises:
        InputError: input.invalid_phone for `to` or `from`.
    """
    region = services.settings.default_region
    to_address = phones.normalize_address(to, region=region, field="to")
    text = from_.strip()
    sender = text if phones.MESSAGING_SERVICE_SID.match(text) else phones.normalize_sender(text, region=region)
    return to_address, sender


async def start_execution(
    services: Services, *, flow_sid: str, to: str, from_: str, parameters: JsonData | None
) -> Execution:
    """Start the flow's published revision for one contact; parameters become flow.data.

    Raises:
        InputError: input.invalid_phone for `to` or `from`.
        UpstreamError: Twilio refused (no such flow, nothing published, bad contact).
    """
    to_address, sender = check_execution(services, to=to, from_=from_)
    return await services.twilio.studio.start_execution(flow_sid, to=to_address, from_=sender, parameters=parameters)


async def list_executions(
    services: Services,
    *,
    flow_sid: str,
    status: str | None,
    after: datetime | None,
    before: datetime | None,
    limit: int,
    cursor: str | None,
) -> Page[Execution]:
    """A flow's executions, newest first; status and start time filter at Twilio.

    Raises:
        InputError: input.invalid_cursor.
        UpstreamError: twilio.20404 when there is no such flow.
    """
    return await services.twilio.studio.list_executions(
        flow_sid,
        status=status,
        date_created_from=as_utc(after) if after else None,
        date_created_to=as_utc(before) if before else None,
        limit=limit,
        cursor=cursor,
    )


async def get_execution(services: Services, *, flow_sid: str, sid: str) -> ExecutionDetail:
    """One execution with the steps it took and its context (flow.data holds the parameters).

    Raises:
        UpstreamError: twilio.20404 when there is no such execution in this flow.
    """
    studio = services.twilio.studio
    execution = await studio.fetch_execution(flow_sid, sid)
    steps = await studio.execution_steps(flow_sid, sid, limit=MAX_STEPS)
    context = await studio.execution_context(flow_sid, sid)
    return ExecutionDetail(**execution.model_dump(), steps=steps, context=context)


async def stop_execution(services: Services, *, flow_sid: str, sid: str) -> Execution:
    """End an execution (a no-op for one already ended).

    Raises:
        UpstreamError: twilio.20404 when there is no such execution in this flow.
    """
    return await services.twilio.studio.stop_execution(flow_sid, sid)
