"""Studio v2: flows, their revisions, validation, and executions with their steps and context."""

from __future__ import annotations

import builtins
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from skill.errors import UpstreamError
from skill.gateways.area import Area, unset_none
from skill.gateways.translate import record, translate_rest_error
from skill.records.page import Page
from skill.records.studio import DefinitionProblem, Execution, Flow, FlowRevision, JsonData, Step

if TYPE_CHECKING:
    from twilio.rest import Client


def definition_problems(exc: Any) -> builtins.list[DefinitionProblem] | None:
    """The validation failures Twilio listed under `details.errors`, or None when there are none."""
    details = exc.details if isinstance(getattr(exc, "details", None), dict) else {}
    errors = details.get("errors")
    if not isinstance(errors, builtins.list) or not errors:
        return None
    problems = []
    for item in errors:
        item = item if isinstance(item, dict) else {"message": str(item)}
        path, message = str(item.get("property_path") or "#"), str(item.get("message") or "")
        problems.append(DefinitionProblem(source="twilio", path=path, message=message))
    return problems


def rejected_definition(exc: Any, what: str, problems: builtins.list[DefinitionProblem]) -> UpstreamError:
    """Twilio refused a flow definition: the error, with one fix step per problem it named."""
    error = translate_rest_error(exc, what)
    error.message = f"{what}: Twilio rejected the flow definition ({len(problems)} problem(s)). Nothing changed."
    error.remediation = [f"Fix {p.path}: {p.message}" for p in problems[:10]]
    error.remediation.append("Check the corrected definition with studio_flow_validate, then deploy again.")
    return error


class Studio(Area):
    async def _definition_call(self, call: Callable[[Client], Awaitable[Any]], what: str) -> Flow:
        from twilio.base.exceptions import TwilioRestException

        async def op(c: Client) -> dict[str, Any]:
            try:
                return record(await call(c))
            except TwilioRestException as exc:
                problems = definition_problems(exc)
                if problems is None:
                    raise
                raise rejected_definition(exc, what, problems) from None

        return Flow.from_api(await self.gw.run(op, what=what))

    async def list_flows(self, *, limit: int, cursor: str | None = None) -> Page[Flow]:
        return await self.page(
            lambda c: c.studio.v2.flows, "List Studio flows", into=Flow.from_api, limit=limit, cursor=cursor
        )

    async def fetch_flow(self, sid: str) -> FlowRevision:
        return FlowRevision.from_api(
            await self.one(lambda c: c.studio.v2.flows(sid).fetch_async(), "Fetch Studio flow")
        )

    async def fetch_revision(self, sid: str, revision: str) -> FlowRevision:
        raw = await self.one(
            lambda c: c.studio.v2.flows(sid).revisions(revision).fetch_async(), "Fetch Studio flow revision"
        )
        return FlowRevision.from_api(raw)

    async def validate(
        self, *, friendly_name: str, status: str, definition: JsonData
    ) -> builtins.list[DefinitionProblem]:
        """What Twilio's validator found wrong; empty when it accepts the definition."""
        from twilio.base.exceptions import TwilioRestException

        async def op(c: Client) -> builtins.list[DefinitionProblem]:
            try:
                answer = await c.studio.v2.flow_validate.update_async(
                    friendly_name=friendly_name, status=status, definition=definition
                )
            except TwilioRestException as exc:
                problems = definition_problems(exc)
                if problems is None:
                    raise
                return problems
            if answer.valid:
                return []
            return [DefinitionProblem(source="twilio", path="#", message="Twilio's validator found it invalid.")]

        return await self.gw.run(op, what="Validate Studio flow")

    async def create_flow(
        self, *, friendly_name: str, status: str, definition: JsonData, commit_message: str | None
    ) -> Flow:
        return await self._definition_call(
            lambda c: c.studio.v2.flows.create_async(
                friendly_name=friendly_name,
                status=status,
                definition=definition,
                **unset_none(commit_message=commit_message),
            ),
            "Create Studio flow",
        )

    async def update_flow(
        self, sid: str, *, status: str, friendly_name: str | None, definition: JsonData, commit_message: str | None
    ) -> Flow:
        return await self._definition_call(
            lambda c: c.studio.v2.flows(sid).update_async(
                status=status,
                definition=definition,
                **unset_none(friendly_name=friendly_name, commit_message=commit_message),
            ),
            "Update Studio flow",
        )

    async def start_execution(self, flow_sid: str, *, to: str, from_: str, parameters: JsonData | None) -> Execution:
        raw = await self.one(
            lambda c: c.studio.v2.flows(flow_sid).executions.create_async(
                to=to, from_=from_, **unset_none(parameters=parameters)
            ),
            "Start Studio execution",
        )
        return Execution.from_api(raw)

    async def list_executions(
        self,
        flow_sid: str,
        *,
        status: str | None = None,
        date_created_from: datetime | None = None,
        date_created_to: datetime | None = None,
        limit: int,
        cursor: str | None = None,
    ) -> Page[Execution]:
        return await self.page(
            lambda c: c.studio.v2.flows(flow_sid).executions,
            "List Studio executions",
            into=Execution.from_api,
            limit=limit,
            cursor=cursor,
            filters={"status": status, "date_created_from": date_created_from, "date_created_to": date_created_to},
        )

    async def fetch_execution(self, flow_sid: str, sid: str) -> Execution:
        raw = await self.one(
            lambda c: c.studio.v2.flows(flow_sid).executions(sid).fetch_async(), "Fetch Studio execution"
        )
        return Execution.from_api(raw)

    async def execution_steps(self, flow_sid: str, sid: str, *, limit: int) -> builtins.list[Step]:
        rows = await self.many(
            lambda c: c.studio.v2.flows(flow_sid).executions(sid).steps.list_async(limit=limit),
            "List Studio execution steps",
        )
        return [Step.from_api(row) for row in rows]

    async def execution_context(self, flow_sid: str, sid: str) -> JsonData:
        raw = await self.one(
            lambda c: c.studio.v2.flows(flow_sid).executions(sid).execution_context().fetch_async(),
            "Fetch Studio execution context",
        )
        context = raw.get("context")
        return context if isinstance(context, dict) else {}

    async def stop_execution(self, flow_sid: str, sid: str) -> Execution:
        raw = await self.one(
            lambda c: c.studio.v2.flows(flow_sid).executions(sid).update_async(status="ended"),
            "Stop Studio execution",
        )
        return Execution.from_api(raw)
