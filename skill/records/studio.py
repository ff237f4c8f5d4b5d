"""Studio v2: flows and their revisions, definition problems, executions and their steps.

A flow definition and an execution's context are free-form JSON by nature (widgets carry properties
of their own kind), so they stay JSON objects, typed as JSON all the way down.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, JsonValue

from skill.records.base import Record

JsonData = dict[str, JsonValue]


class Flow(Record):
    sid: str = Field(description="Flow SID (FW...).")
    friendly_name: str | None = Field(default=None, description="Name of the flow.")
    status: str | None = Field(default=None, description="draft or published (of the latest revision).")
    revision: int | None = Field(default=None, description="Latest revision number.")
    commit_message: str | None = Field(default=None, description="Note of the latest revision.")
    valid: bool | None = Field(default=None, description="Whether Twilio found the definition valid.")
    date_created: str | None = Field(default=None, description="When it was created.")
    date_updated: str | None = Field(default=None, description="When it last changed.")


class FlowRevision(Flow):
    """A flow at one revision (its latest, or one asked for), with the definition."""

    definition: JsonData | None = Field(default=None, description="The flow definition (states, transitions).")


class FlowExport(FlowRevision):
    path: str | None = Field(default=None, description="File written (named by the server), when save was set.")


class DeployedFlow(Flow):
    created: bool = Field(description="True when a new flow was created.")


class DefinitionProblem(Record):
    source: Literal["local", "twilio"] = Field(description="Who found it: the local check or Twilio's validator.")
    path: str = Field(description="Where in the definition, e.g. #/states/1/transitions/0/next.")
    message: str = Field(description="What is wrong.")


class FlowValidation(Record):
    valid: bool = Field(description="True when neither check found a problem.")
    checked_by_twilio: bool = Field(description="False when local problems stopped it before Twilio was asked.")
    problems: list[DefinitionProblem] = Field(description="Everything found wrong.")


class Execution(Record):
    sid: str = Field(description="Execution SID (FN...).")
    flow_sid: str | None = Field(default=None, description="Flow it runs.")
    status: str | None = Field(default=None, description="active or ended.")
    contact_channel_address: str | None = Field(default=None, description="The contact (to).")
    flow_version: int | None = Field(default=None, description="Flow revision it runs.")
    date_created: str | None = Field(default=None, description="When it started.")
    date_updated: str | None = Field(default=None, description="Last change.")


class Step(Record):
    sid: str = Field(description="Step SID (FT...).")
    name: str | None = Field(default=None, description="Event that caused the transition.")
    transitioned_from: str | None = Field(default=None, description="Widget it left.")
    transitioned_to: str | None = Field(default=None, description="Widget it entered ('Ended' at the end).")
    date_created: str | None = Field(default=None, description="When it happened.")


class ExecutionDetail(Execution):
    steps: list[Step] = Field(description="Transitions taken so far.")
    context: JsonData = Field(description="Execution context: flow.data, contact, widgets.")
