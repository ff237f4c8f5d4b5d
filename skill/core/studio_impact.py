"""What a Studio call waiting for an operator would do: the flow in human terms, what is live on it
now, how much traffic it carries, and how the change is undone. Each one fetches its target first, so
an operator is never asked about a flow that does not exist or could not run."""

from __future__ import annotations

from datetime import UTC, datetime

from skill.core.context import Services
from skill.core.pricing import as_cost
from skill.core.spend import estimate_call
from skill.core.timeutil import upstream_now
from skill.errors import InputError, SkillError, UpstreamError
from skill.records.approvals import Cost, Fact, Impact
from skill.records.studio import FlowRevision

DAY = 86400
RECENT_DAYS = 30
# Executions counted for the blast radius: one page, so the count stays cheap; beyond it, "N or more".
RECENT_COUNT = 200


async def _published(services: Services, sid: str) -> FlowRevision | None:
    """The revision live traffic runs now, or None when none was ever published.

    Raises:
        UpstreamError: anything but Twilio's "no such revision".
    """
    try:
        return await services.twilio.studio.fetch_revision(sid, "LatestPublished")
    except UpstreamError as error:
        if error.http_status == 404:
            return None
        raise


async def _recent_executions(services: Services, sid: str) -> str:
    since = datetime.fromtimestamp(upstream_now(services) - RECENT_DAYS * DAY, UTC)
    page = await services.twilio.studio.list_executions(sid, date_created_from=since, limit=RECENT_COUNT)
    return f"{len(page.items)} or more" if page.has_more else str(len(page.items))


def _flow_name(flow: FlowRevision) -> str:
    return f"Studio flow {flow.friendly_name or '(unnamed)'} ({flow.sid})"


async def deploy_impact(services: Services, *, sid: str, friendly_name: str | None) -> Impact:
    """Publishing a new revision over an existing flow: the flow, its current and live revisions, its
    executions in the last 30 days, and how to go back.

    Raises:
        UpstreamError: twilio.20404 when there is no such flow.
    """
    flow = await services.twilio.studio.fetch_flow(sid)
    live = await _published(services, sid)
    facts = [
        Fact(label="current revision", value=f"{flow.revision} ({flow.status})"),
        Fact(label="live revision", value=str(live.revision) if live else "none published yet"),
    ]
    if friendly_name and friendly_name != flow.friendly_name:
        facts.append(Fact(label="renamed to", value=friendly_name))
    if live:
        undo = f"republish revision {live.revision} (studio_flow_export it, then studio_flow_deploy it as published)"
    else:
        undo = "no revision is live now; a later revision can replace this one"
    facts.append(Fact(label="reversible", value=undo))
    recent = Fact(label=f"executions in the last {RECENT_DAYS} days", value=await _recent_executions(services, sid))
    return Impact(resource=_flow_name(flow), facts=facts, blast_radius=[recent], reversibility="reversible")


async def _estimated_cost(services: Services, to: str) -> Cost | None:
    try:
        return as_cost(await estimate_call(services, "studio_execution_start", {"to": to}))
    except SkillError:
        return None  # no price to show; the spend caps, when set, judge the cost on their own


async def execution_impact(services: Services, *, flow_sid: str, to: str) -> Impact:
    """Running a flow for one contact: which flow and which of its revisions runs, and its estimated
    cost (one SMS segment to the contact).

    Raises:
        UpstreamError: twilio.20404 when there is no such flow.
        InputError: input.flow_not_published when the flow has no published revision to run.
    """
    flow = await services.twilio.studio.fetch_flow(flow_sid)
    live = await _published(services, flow_sid)
    if live is None:
        raise InputError(
            f"Flow {flow_sid} has no published revision, and an execution runs the published one. Nothing was done.",
            code="input.flow_not_published",
            remediation=[
                "Publish a revision with studio_flow_deploy (status published), then start the execution.",
            ],
        )
    return Impact(
        resource=_flow_name(flow),
        facts=[Fact(label="runs revision", value=str(live.revision))],
        cost=await _estimated_cost(services, to),
        reversibility="costs money",
    )
