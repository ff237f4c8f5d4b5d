"""Tools for Studio v2 flows and their executions."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints

from skill.core import studio as core
from skill.core import studio_impact
from skill.core.context import Services
from skill.core.display import quoted
from skill.policy.tiers import Tier
from skill.records.approvals import Impact
from skill.records.studio import DeployedFlow, Execution, ExecutionDetail, Flow, FlowExport, FlowValidation
from skill.results import ListResult, Model, ToolResult
from skill.server.registry import ToolSpec
from skill.tools.fields import After, Before, Cursor, JsonObject, Limit, Phone

FlowSid = Annotated[str, StringConstraints(pattern=r"^FW[0-9a-fA-F]{32}$", max_length=34), Field(description="FW...")]
ExecutionSid = Annotated[
    str, StringConstraints(pattern=r"^FN[0-9a-fA-F]{32}$", max_length=34), Field(description="FN...")
]
Definition = Annotated[JsonObject, Field(description="JSON object: the flow definition.")]
FriendlyName = Annotated[str, StringConstraints(min_length=1, max_length=200)]


class StudioFlowsListInput(Model):
    limit: Limit = 50
    cursor: Cursor | None = None


class StudioFlowsListOutput(ListResult[Flow]):
    pass


async def studio_flows_list(services: Services, args: StudioFlowsListInput) -> StudioFlowsListOutput:
    return StudioFlowsListOutput.of(await core.list_flows(services, limit=args.limit, cursor=args.cursor))


class StudioFlowExportInput(Model):
    sid: FlowSid
    revision: int | None = Field(default=None, ge=1, le=10**6, description="Default: latest.")
    save: bool = Field(default=False, description="Also write it to <home>/exports.")


class StudioFlowExportOutput(ToolResult, FlowExport):
    pass


async def studio_flow_export(services: Services, args: StudioFlowExportInput) -> StudioFlowExportOutput:
    exported = await core.export_flow(services, sid=args.sid, revision=args.revision, save=args.save)
    return StudioFlowExportOutput(**exported.model_dump())


class StudioFlowValidateInput(Model):
    definition: Definition


class StudioFlowValidateOutput(ToolResult, FlowValidation):
    pass


async def studio_flow_validate(services: Services, args: StudioFlowValidateInput) -> StudioFlowValidateOutput:
    checked = await core.validate_definition(services, args.definition)
    return StudioFlowValidateOutput(**checked.model_dump())


class StudioFlowDeployInput(Model):
    definition: Definition
    status: Literal["draft", "published"] = Field(default="draft", description="published goes live.")
    sid: FlowSid | None = Field(default=None, description="Flow to revise; or friendly_name.")
    friendly_name: FriendlyName | None = Field(default=None, description="Name; without sid, a new flow.")
    commit_message: str | None = Field(default=None, max_length=1000)


class StudioFlowDeployOutput(ToolResult, DeployedFlow):
    pass


def check_flow_deploy(services: Services, args: StudioFlowDeployInput) -> None:
    core.check_deploy(sid=args.sid, friendly_name=args.friendly_name, definition=args.definition)


async def inspect_flow_deploy(services: Services, args: StudioFlowDeployInput) -> Impact | None:
    if args.sid is None:
        return None  # a new flow: nothing exists yet to describe
    return await studio_impact.deploy_impact(services, sid=args.sid, friendly_name=args.friendly_name)


async def studio_flow_deploy(services: Services, args: StudioFlowDeployInput) -> StudioFlowDeployOutput:
    deployed = await core.deploy_flow(
        services,
        sid=args.sid,
        friendly_name=args.friendly_name,
        definition=args.definition,
        status=args.status,
        commit_message=args.commit_message,
    )
    return StudioFlowDeployOutput(**deployed.model_dump())


class StudioExecutionStartInput(Model):
    flow_sid: FlowSid
    to: Phone = Field(description="Contact number, or whatsapp:+E.164.")
    from_: Phone = Field(alias="from", description="Your number, or an MG... service.")
    parameters: JsonObject | None = Field(default=None, description="JSON object: the flow's flow.data.")


class ExecutionOutput(ToolResult, Execution):
    pass


def check_execution_start(services: Services, args: StudioExecutionStartInput) -> None:
    core.check_execution(services, to=args.to, from_=args.from_)


async def inspect_execution_start(services: Services, args: StudioExecutionStartInput) -> Impact:
    return await studio_impact.execution_impact(services, flow_sid=args.flow_sid, to=args.to)


async def studio_execution_start(services: Services, args: StudioExecutionStartInput) -> ExecutionOutput:
    started = await core.start_execution(
        services, flow_sid=args.flow_sid, to=args.to, from_=args.from_, parameters=args.parameters
    )
    return ExecutionOutput(**started.model_dump())


class StudioExecutionsListInput(Model):
    flow_sid: FlowSid
    status: Literal["active", "ended"] | None = Field(default=None, description="Only these.")
    after: After | None = None
    before: Before | None = None
    limit: Limit = 50
    cursor: Cursor | None = None


class StudioExecutionsListOutput(ListResult[Execution]):
    pass


async def studio_executions_list(services: Services, args: StudioExecutionsListInput) -> StudioExecutionsListOutput:
    page = await core.list_executions(
        services,
        flow_sid=args.flow_sid,
        status=args.status,
        after=args.after,
        before=args.before,
        limit=args.limit,
        cursor=args.cursor,
    )
    return StudioExecutionsListOutput.of(page)


class StudioExecutionInput(Model):
    flow_sid: FlowSid
    sid: ExecutionSid


class StudioExecutionGetOutput(ToolResult, ExecutionDetail):
    pass


async def studio_execution_get(services: Services, args: StudioExecutionInput) -> StudioExecutionGetOutput:
    found = await core.get_execution(services, flow_sid=args.flow_sid, sid=args.sid)
    return StudioExecutionGetOutput(**found.model_dump())


async def studio_execution_stop(services: Services, args: StudioExecutionInput) -> ExecutionOutput:
    stopped = await core.stop_execution(services, flow_sid=args.flow_sid, sid=args.sid)
    return ExecutionOutput(**stopped.model_dump())


def _export_summary(args: dict[str, Any]) -> str:
    revision = f" (revision {args['revision']})" if args.get("revision") else ""
    saved = " to a new file in the exports folder" if args.get("save") else ""
    return f"Export the definition of flow {args['sid']}{revision}{saved}."


def _deploy_summary(args: dict[str, Any]) -> str:
    target = f"flow {args['sid']}" if args.get("sid") else f"new flow {args.get('friendly_name')}"
    if args.get("status") == quoted("published"):
        return f"Publish a new revision of {target}: live traffic will run it from now on."
    return f"Save a draft revision of {target}."


TOOLS: tuple[ToolSpec, ...] = (
    ToolSpec(
        name="studio_flows_list",
        title="List Studio flows",
        description="Studio flows with status and latest revision.",
        toolset="studio",
        tier=Tier.READ,
        input=StudioFlowsListInput,
        output=StudioFlowsListOutput,
        handler=studio_flows_list,
    ),
    ToolSpec(
        name="studio_flow_export",
        title="Export Studio flow",
        description="A flow's definition (JSON) at any revision; save also writes it to a file.",
        toolset="studio",
        tier=Tier.WRITE,
        input=StudioFlowExportInput,
        output=StudioFlowExportOutput,
        handler=studio_flow_export,
        summary=_export_summary,
    ),
    ToolSpec(
        name="studio_flow_validate",
        title="Validate Studio flow",
        description="Validate a flow definition, locally and then by Twilio. Changes nothing.",
        toolset="studio",
        tier=Tier.READ,
        input=StudioFlowValidateInput,
        output=StudioFlowValidateOutput,
        handler=studio_flow_validate,
    ),
    ToolSpec(
        name="studio_flow_deploy",
        title="Deploy Studio flow",
        description="Create a flow or add a revision, draft or published. Publishing over a flow needs approval.",
        toolset="studio",
        tier=Tier.WRITE,
        input=StudioFlowDeployInput,
        output=StudioFlowDeployOutput,
        handler=studio_flow_deploy,
        summary=_deploy_summary,
        precheck=check_flow_deploy,
        inspect=inspect_flow_deploy,
    ),
    ToolSpec(
        name="studio_execution_start",
        title="Start Studio execution",
        description="Run a flow's published revision for one contact (REST trigger); it may text or call.",
        toolset="studio",
        tier=Tier.SEND,
        input=StudioExecutionStartInput,
        output=ExecutionOutput,
        handler=studio_execution_start,
        summary=lambda a: f"Run flow {a['flow_sid']} for {a['to']} from {a['from']}.",
        destination="to",
        precheck=check_execution_start,
        inspect=inspect_execution_start,
    ),
    ToolSpec(
        name="studio_executions_list",
        title="List Studio executions",
        description="A flow's executions, newest first.",
        toolset="studio",
        tier=Tier.READ,
        input=StudioExecutionsListInput,
        output=StudioExecutionsListOutput,
        handler=studio_executions_list,
    ),
    ToolSpec(
        name="studio_execution_get",
        title="Get Studio execution",
        description="One execution with its steps and context (flow.data, widgets).",
        toolset="studio",
        tier=Tier.READ,
        input=StudioExecutionInput,
        output=StudioExecutionGetOutput,
        handler=studio_execution_get,
    ),
    ToolSpec(
        name="studio_execution_stop",
        title="Stop Studio execution",
        description="End an active execution; the contact gets nothing more.",
        toolset="studio",
        tier=Tier.WRITE,
        input=StudioExecutionInput,
        output=ExecutionOutput,
        handler=studio_execution_stop,
        idempotent=True,
        summary=lambda a: f"End execution {a['sid']} of flow {a['flow_sid']}.",
    ),
)
