"""Studio v2: flows, their revisions, validation, and executions with their steps and context."""

from __future__ import annotations

import builtins
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from skill.errors import UpstreamError
from skill.gateways.area import Area, unset_none
from skill.gateways.translate import record, translate_rest_error

if TYPE_CHECKING:
    from twilio.rest import Client


def definition_problems(exc: Any) -> builtins.list[dict[str, str]] | None:
    """The validation failures Twilio listed under `details.errors`, or None when there are none."""
    details = exc.details if isinstance(getattr(exc, "details", None), dict) else {}
    errors = details.get("errors")
    if not isinstance(errors, builtins.list) or not errors:
        return None
    problems = []
    for item in errors:
        item = item if isinstance(item, dict) else {"message": str(item)}
        problems.append({"path": str(item.get("property_path") or "#"), "message": str(item.get("message") or "")})
    return problems


def rejected_definition(exc: Any, what: str, problems: builtins.list[dict[str, str]]) -> UpstreamError:
    """Twilio refused a flow definition: the error, with one fix step per problem it named."""
    error = translate_rest_error(exc, what)
    error.message = f"{what}: Twilio rejected the flow definition ({len(problems)} problem(s)). Nothing changed."
    error.remediation = [f"Fix {p['path']}: {p['message']}" for p in problems[:10]]
    error.remediation.append("Check the corrected definition with studio_flow_validate, then deploy again.")
    return error


class Studio(Area):
    async def _definition_call(self, call: Callable[[Client], Awaitable[Any]], what: str) -> dict[str, Any]:
        from twilio.base.exceptions import TwilioRestException

        async def op(c: Client) -> dict[str, Any]:
            try:
                return record(await call(c))
            except TwilioRestException as exc:
                problems = definition_problems(exc)
                if problems is None:
                    raise
                raise rejected_definition(exc, what, problems) from None

        return await self.gw.run(op, what=what)

    async def list_flows(self, *, limit: int) -> builtins.list[dict[str, Any]]:
        return await self.many(lambda c: c.studio.v2.flows.list_async(limit=limit), "List Studio flows")

    async def fetch_flow(self, sid: str) -> dict[str, Any]:
        return await self.one(lambda c: c.studio.v2.flows(sid).fetch_async(), "Fetch Studio flow")

    async def fetch_revision(self, sid: str, revision: str) -> dict[str, Any]:
        return await self.one(
            lambda c: c.studio.v2.flows(sid).revisions(revision).fetch_async(), "Fetch Studio flow revision"
        )

    async def validate(self, *, friendly_name: str, status: str, definition: dict[str, Any]) -> dict[str, Any]:
        """{"valid": True} or {"valid": False, "problems": [...]} as Twilio's validator answers."""
        from twilio.base.exceptions import TwilioRestException

        async def op(c: Client) -> dict[str, Any]:
            try:
                answer = await c.studio.v2.flow_validate.update_async(
                    friendly_name=friendly_name, status=status, definition=definition
                )
            except TwilioRestException as exc:
                problems = definition_problems(exc)
                if problems is None:
                    raise
                return {"valid": False, "problems": problems, "twilio_code": exc.code}
            return {"valid": bool(answer.valid), "problems": []}

        return await self.gw.run(op, what="Validate Studio flow")

    async def create_flow(
        self, *, friendly_name: str, status: str, definition: dict[str, Any], commit_message: str | None
    ) -> dict[str, Any]:
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
        self,
        sid: str,
        *,
        status: str,
        friendly_name: str | None,
        definition: dict[str, Any],
        commit_message: str | None,
    ) -> dict[str, Any]:
        return await self._definition_call(
            lambda c: c.studio.v2.flows(sid).update_async(
                status=status,
                definition=definition,
                **unset_none(friendly_name=friendly_name, commit_message=commit_message),
            ),
            "Update Studio flow",
        )

    async def start_execution(
        self, flow_sid: str, *, to: str, from_: str, parameters: dict[str, Any] | None
    ) -> dict[str, Any]:
        return await self.one(
            lambda c: c.studio.v2.flows(flow_sid).executions.create_async(
                to=to, from_=from_, **unset_none(parameters=parameters)
            ),
            "Start Studio execution",
        )

    async def list_executions(self, flow_sid: str, *, limit: int) -> builtins.list[dict[str, Any]]:
        return await self.many(
            lambda c: c.studio.v2.flows(flow_sid).executions.list_async(limit=limit), "List Studio executions"
        )

    async def fetch_execution(self, flow_sid: str, sid: str) -> dict[str, Any]:
        return await self.one(
            lambda c: c.studio.v2.flows(flow_sid).executions(sid).fetch_async(), "Fetch Studio execution"
        )

    async def execution_steps(self, flow_sid: str, sid: str, *, limit: int) -> builtins.list[dict[str, Any]]:
        return await self.many(
            lambda c: c.studio.v2.flows(flow_sid).executions(sid).steps.list_async(limit=limit),
            "List Studio execution steps",
        )

    async def execution_context(self, flow_sid: str, sid: str) -> dict[str, Any]:
        return await self.one(
            lambda c: c.studio.v2.flows(flow_sid).executions(sid).execution_context().fetch_async(),
            "Fetch Studio execution context",
        )

    async def stop_execution(self, flow_sid: str, sid: str) -> dict[str, Any]:
        return await self.one(
            lambda c: c.studio.v2.flows(flow_sid).executions(sid).update_async(status="ended"),
            "Stop Studio execution",
        )
