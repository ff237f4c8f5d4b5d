"""Tools for Studio v2 flows and their executions."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints

from skill.core import studio as core
from skill.core.context import Services
from skill.core.display import quoted
from skill.policy.tiers import Tier
from skill.results import Model, ToolResult
from skill.server.registry import ToolSpec
from skill.tools.fields import Limit, Phone

FlowSid = Annotated[str, StringConstraints(pattern=r"^FW[0-9a-fA-F]{32}$"), Field(description="Flow SID (FW...).")]
ExecutionSid = Annotated[
    str, StringConstraints(pattern=r"^FN[0-9a-fA-F]{32}$"), Field(description="Execution SID (FN...).")
]


class Flow(Model):
    sid: str = Field(description="Flow SID (FW...).")
    friendly_name: str | None = Field(default=None, description="Name of the flow.")
    status: str | None = Field(default=None, description="draft or published (of the latest revision).")
    revision: int | None = Field(default=None, description="Latest revision number.")
    commit_message: str | None = Field(default=None, description="Note of the latest revision.")
    valid: bool | None = Field(default=None, description="Whether Twilio found the definition valid.")
    date_created: str | None = Field(default=None, description="When it was created.")
    date_updated: str | None = Field(default=None, description="When it last changed.")


class Execution(Model):
    sid: str = Field(description="Execution SID (FN...).")
    flow_sid: str | None = Field(default=None, description="Flow it runs.")
    status: str | None = Field(default=None, description="active or ended.")
    contact_channel_address: str | None = Field(default=None, description="The contact (to).")
    flow_version: int | None = Field(default=None, description="Flow revision it runs.")
    date_created: str | None = Field(default=None, description="When it started.")
    date_updated: str | None = Field(default=None, description="Last change.")


class Step(Model):
    sid: str = Field(description="Step SID (FT...).")
    name: str | None = Field(default=None, description="Event that caused the transition.")
    transitioned_from: str | None = Field(default=None, description="Widget it left.")
    transitioned_to: str | None = Field(default=None, description="Widget it entered ('Ended' at the end).")
    date_created: str | None = Field(default=None, description="When it happened.")


class Problem(Model):
    source: Literal["local", "twilio"] = Field(description="Who found it: the local check or Twilio's validator.")
    path: str = Field(description="Where in the definition, e.g. #/states/1/transitions/0/next.")
    message: str = Field(description="What is wrong.")


class StudioFlowsListInput(Model):
    limit: Limit = 50


class StudioFlowsListOutput(ToolResult):
    flows: list[Flow] = Field(description="Flows of the account.")
    count: int = Field(description="Number returned.")


async def studio_flows_list(services: Services, args: StudioFlowsListInput) -> StudioFlowsListOutput:
    items = await core.list_flows(services, args.limit)
    return StudioFlowsListOutput(flows=[Flow(**item) for item in items], count=len(items))


class StudioFlowExportInput(Model):
    sid: FlowSid
    revision: int | None = Field(default=None, ge=1, description="Revision to export; default: the latest.")
    save: bool = Field(default=False, description="Also save the JSON to a new file in <home>/exports.")


class StudioFlowExportOutput(ToolResult, Flow):
    definition: dict[str, Any] | None = Field(default=None, description="The flow definition (states, transitions).")
    path: str | None = Field(default=None, description="File written (named by the server), when save was set.")


async def studio_flow_export(services: Services, args: StudioFlowExportInput) -> StudioFlowExportOutput:
    exported = await core.export_flow(services, sid=args.sid, revision=args.revision, save=args.save)
    return StudioFlowExportOutput.model_validate(exported)


class StudioFlowValidateInput(Model):
    definition: dict[str, Any] = Field(description="Flow definition: states, initial_state, flags.")
    friendly_name: str = Field(default="validation", min_length=1, max_length=200, description="Name to check with.")


class StudioFlowValidateOutput(ToolResult):
    valid: bool = Field(description="True when neither check found a problem.")
    checked_by_twilio: bool = Field(description="False when local problems stopped it before Twilio was asked.")
    problems: list[Problem] = Field(description="Everything found wrong.")


async def studio_flow_validate(services: Services, args: StudioFlowValidateInput) -> StudioFlowValidateOutput:
    checked = await core.validate_definition(services, args.definition, args.friendly_name)
    return StudioFlowValidateOutput.model_validate(checked)


class StudioFlowDeployInput(Model):
    definition: dict[str, Any] = Field(description="Flow definition: states, initial_state, flags.")
    status: Literal["draft", "published"] = Field(
        default="draft", description="draft saves a revision; published makes it live (needs approval for a sid)."
    )
    sid: FlowSid | None = Field(default=None, description="Existing flow to add a revision to.")
    friendly_name: str | None = Field(
        default=None, min_length=1, max_length=200, description="Name; without sid, creates a new flow."
    )
    commit_message: str | None = Field(default=None, max_length=1000, description="What changed.")


class StudioFlowDeployOutput(ToolResult, Flow):
    created: bool = Field(description="True when a new flow was created.")


def check_flow_deploy(services: Services, args: StudioFlowDeployInput) -> None:
    core.check_deploy(sid=args.sid, friendly_name=args.friendly_name, definition=args.definition)


async def studio_flow_deploy(services: Services, args: StudioFlowDeployInput) -> StudioFlowDeployOutput:
    deployed = await core.deploy_flow(
        services,
        sid=args.sid,
        friendly_name=args.friendly_name,
        definition=args.definition,
        status=args.status,
        commit_message=args.commit_message,
    )
    return StudioFlowDeployOutput.model_validate(deployed)


class StudioExecutionStartInput(Model):
    flow_sid: FlowSid
    to: Phone = Field(description="Contact: E.164 or national number, or whatsapp:+E.164.")
    from_: Phone = Field(alias="from", description="Your Twilio number (or MG... service) the flow uses.")
    parameters: dict[str, Any] | None = Field(default=None, description="Data the flow reads as flow.data.")


class ExecutionOutput(ToolResult):
    execution: Execution = Field(description="The execution.")


def check_execution_start(services: Services, args: StudioExecutionStartInput) -> None:
    core.check_execution(services, to=args.to, from_=args.from_)


async def studio_execution_start(services: Services, args: StudioExecutionStartInput) -> ExecutionOutput:
    started = await core.start_execution(
        services, flow_sid=args.flow_sid, to=args.to, from_=args.from_, parameters=args.parameters
    )
    return ExecutionOutput(execution=Execution(**started))


class StudioExecutionsListInput(Model):
    flow_sid: FlowSid
    limit: Limit = 50


class StudioExecutionsListOutput(ToolResult):
    executions: list[Execution] = Field(description="Executions of the flow, newest first.")
    count: int = Field(description="Number returned.")


async def studio_executions_list(services: Services, args: StudioExecutionsListInput) -> StudioExecutionsListOutput:
    items = await core.list_executions(services, flow_sid=args.flow_sid, limit=args.limit)
    return StudioExecutionsListOutput(executions=[Execution(**item) for item in items], count=len(items))


class StudioExecutionInput(Model):
    flow_sid: FlowSid
    sid: ExecutionSid


class StudioExecutionGetOutput(ToolResult, Execution):
    steps: list[Step] = Field(description="Transitions taken so far.")
    context: dict[str, Any] = Field(description="Execution context: flow.data, contact, widgets.")


async def studio_execution_get(services: Services, args: StudioExecutionInput) -> StudioExecutionGetOutput:
    found = await core.get_execution(services, flow_sid=args.flow_sid, sid=args.sid)
    return StudioExecutionGetOutput.model_validate(found)


async def studio_execution_stop(services: Services, args: StudioExecutionInput) -> ExecutionOutput:
    stopped = await core.stop_execution(services, flow_sid=args.flow_sid, sid=args.sid)
    return ExecutionOutput(execution=Execution(**stopped))


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
        description="Studio flows with their status and latest revision.",
        toolset="studio",
        tier=Tier.READ,
        input=StudioFlowsListInput,
        output=StudioFlowsListOutput,
        handler=studio_flows_list,
    ),
    ToolSpec(
        name="studio_flow_export",
        title="Export Studio flow",
        description="A flow's definition as JSON, optionally also saved to a new file in <home>/exports.",
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
        description="Check a flow definition locally and with Twilio's validator; changes nothing.",
        toolset="studio",
        tier=Tier.READ,
        input=StudioFlowValidateInput,
        output=StudioFlowValidateOutput,
        handler=studio_flow_validate,
    ),
    ToolSpec(
        name="studio_flow_deploy",
        title="Deploy Studio flow",
        description="Create a flow or add a revision (draft or published). Publishing over an existing flow "
        "needs approval.",
        toolset="studio",
        tier=Tier.WRITE,
        input=StudioFlowDeployInput,
        output=StudioFlowDeployOutput,
        handler=studio_flow_deploy,
        summary=_deploy_summary,
        precheck=check_flow_deploy,
    ),
    ToolSpec(
        name="studio_execution_start",
        title="Start Studio execution",
        description="Run a published flow for one contact via the REST trigger. May send messages or calls.",
        toolset="studio",
        tier=Tier.SEND,
        input=StudioExecutionStartInput,
        output=ExecutionOutput,
        handler=studio_execution_start,
        summary=lambda a: f"Run flow {a['flow_sid']} for {a['to']} from {a['from']}.",
        destination="to",
        precheck=check_execution_start,
    ),
    ToolSpec(
        name="studio_executions_list",
        title="List Studio executions",
        description="A flow's executions, newest first, with their status.",
        toolset="studio",
        tier=Tier.READ,
        input=StudioExecutionsListInput,
        output=StudioExecutionsListOutput,
        handler=studio_executions_list,
    ),
    ToolSpec(
        name="studio_execution_get",
        title="Get Studio execution",
        description="One execution with the steps it took and its context (flow.data, widgets).",
        toolset="studio",
        tier=Tier.READ,
        input=StudioExecutionInput,
        output=StudioExecutionGetOutput,
        handler=studio_execution_get,
    ),
    ToolSpec(
        name="studio_execution_stop",
        title="Stop Studio execution",
        description="End an active execution; the contact gets nothing more from it.",
        toolset="studio",
        tier=Tier.WRITE,
        input=StudioExecutionInput,
        output=ExecutionOutput,
        handler=studio_execution_stop,
        idempotent=True,
        summary=lambda a: f"End execution {a['sid']} of flow {a['flow_sid']}.",
    ),
)
