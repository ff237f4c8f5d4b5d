"""Studio v2, as the core calls it."""

from __future__ import annotations

import builtins
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from skill.records.page import Page
    from skill.records.studio import DefinitionProblem, Execution, Flow, FlowRevision, JsonData, Step


class StudioPort(Protocol):
    async def list_flows(self, *, limit: int, cursor: str | None = None) -> Page[Flow]: ...

    async def fetch_flow(self, sid: str) -> FlowRevision: ...

    async def fetch_revision(self, sid: str, revision: str) -> FlowRevision: ...

    async def validate(
        self, *, friendly_name: str, status: str, definition: JsonData
    ) -> builtins.list[DefinitionProblem]: ...

    async def create_flow(
        self, *, friendly_name: str, status: str, definition: JsonData, commit_message: str | None
    ) -> Flow: ...

    async def update_flow(
        self, sid: str, *, status: str, friendly_name: str | None, definition: JsonData, commit_message: str | None
    ) -> Flow: ...

    async def start_execution(
        self, flow_sid: str, *, to: str, from_: str, parameters: JsonData | None
    ) -> Execution: ...

    async def list_executions(
        self,
        flow_sid: str,
        *,
        status: str | None = None,
        date_created_from: datetime | None = None,
        date_created_to: datetime | None = None,
        limit: int,
        cursor: str | None = None,
    ) -> Page[Execution]: ...

    async def fetch_execution(self, flow_sid: str, sid: str) -> Execution: ...

    async def execution_steps(self, flow_sid: str, sid: str, *, limit: int) -> builtins.list[Step]: ...

    async def execution_context(self, flow_sid: str, sid: str) -> JsonData: ...

    async def stop_execution(self, flow_sid: str, sid: str) -> Execution: ...
