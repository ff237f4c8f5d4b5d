"""Studio v2: list, export, validate and deploy flows; start, read and stop executions."""

from __future__ import annotations

import json
from typing import Any

from skill.core import phones
from skill.core.context import Services
from skill.core.exports import write_export
from skill.core.studio_schema import definition_problems
from skill.errors import InputError
from skill.ports.clock import utc

MAX_STEPS = 200


def public_flow(raw: dict[str, Any]) -> dict[str, Any]:
    return {
        "sid": raw.get("sid"),
        "friendly_name": raw.get("friendly_name"),
        "status": raw.get("status"),
        "revision": raw.get("revision"),
        "commit_message": raw.get("commit_message"),
        "valid": raw.get("valid"),
        "date_created": raw.get("date_created"),
        "date_updated": raw.get("date_updated"),
    }


def public_execution(raw: dict[str, Any]) -> dict[str, Any]:
    return {
        "sid": raw.get("sid"),
        "flow_sid": raw.get("flow_sid"),
        "status": raw.get("status"),
        "contact_channel_address": raw.get("contact_channel_address"),
        "flow_version": raw.get("flow_version"),
        "date_created": raw.get("date_created"),
        "date_updated": raw.get("date_updated"),
    }


def public_step(raw: dict[str, Any]) -> dict[str, Any]:
    return {
        "sid": raw.get("sid"),
        "name": raw.get("name"),
        "transitioned_from": raw.get("transitioned_from"),
        "transitioned_to": raw.get("transitioned_to"),
        "date_created": raw.get("date_created"),
    }


async def list_flows(services: Services, limit: int) -> list[dict[str, Any]]:
    return [public_flow(item) for item in await services.twilio.studio.list_flows(limit=limit)]


async def export_flow(services: Services, *, sid: str, revision: int | None, save: bool = False) -> dict[str, Any]:
    """A flow's definition (latest revision, or the one asked for); with save, also written to a new
    file in <home>/exports under a name made of the SID, the revision and the time (see core.exports).

    Raises:
        UpstreamError: twilio.20404 when there is no such flow or revision.
        ConfigError: save was asked and the exports folder cannot be used (see write_export).
    """
    studio = services.twilio.studio
    raw = await (studio.fetch_revision(sid, str(revision)) if revision else studio.fetch_flow(sid))
    definition = raw.get("definition")
    result = {**public_flow(raw), "definition": definition, "path": None}
    if save:
        text = json.dumps(definition, indent=2, ensure_ascii=False) + "\n"
        label = f"r{raw.get('revision')}" if isinstance(raw.get("revision"), int) else "latest"
        moment = utc(services.clock)  # a name the operator reads: wall-clock time
        result["path"] = str(write_export(services.settings.home, sid=sid, label=label, text=text, moment=moment))
    return result


def _invalid_definition(problems: list[dict[str, str]]) -> InputError:
    return InputError(
        f"The flow definition has {len(problems)} structural problem(s); nothing was sent to Twilio.",
        code="input.invalid_flow_definition",
        remediation=[f"Fix {p['path']}: {p['message']}" for p in problems[:10]]
        + ["Check the corrected definition with studio_flow_validate before deploying."],
    )


async def validate_definition(services: Services, definition: dict[str, Any], friendly_name: str) -> dict[str, Any]:
    """The local structural check; when it passes, Twilio's validator as well."""
    local = definition_problems(definition)
    if local:
        problems = [{"source": "local", **p} for p in local]
        return {"valid": False, "checked_by_twilio": False, "problems": problems}
    answer = await services.twilio.studio.validate(friendly_name=friendly_name, status="draft", definition=definition)
    problems = [{"source": "twilio", **p} for p in answer["problems"]]
    return {"valid": bool(answer["valid"]) and not problems, "checked_by_twilio": True, "problems": problems}


def check_deploy(*, sid: str | None, friendly_name: str | None, definition: dict[str, Any]) -> None:
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
    definition: dict[str, Any],
    status: str,
    commit_message: str | None,
) -> dict[str, Any]:
    """Create a flow (no sid) or add a revision to one; the definition is checked locally first.

    Raises:
        InputError: no target, or input.invalid_flow_definition.
        UpstreamError: Twilio refused (twilio.81022 lists its validation failures as remediation).
    """
    check_deploy(sid=sid, friendly_name=friendly_name, definition=definition)
    studio = services.twilio.studio
    if sid:
        raw = await studio.update_flow(
            sid, status=status, friendly_name=friendly_name, definition=definition, commit_message=commit_message
        )
    else:
        assert friendly_name is not None
        raw = await studio.create_flow(
            friendly_name=friendly_name, status=status, definition=definition, commit_message=commit_message
        )
    return {**public_flow(raw), "created": not sid}


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
    services: Services, *, flow_sid: str, to: str, from_: str, parameters: dict[str, Any] | None
) -> dict[str, Any]:
    """Start the flow's published revision for one contact; parameters become flow.data.

    Raises:
        InputError: input.invalid_phone for `to` or `from`.
        UpstreamError: Twilio refused (no such flow, nothing published, bad contact).
    """
    to_address, sender = check_execution(services, to=to, from_=from_)
    raw = await services.twilio.studio.start_execution(flow_sid, to=to_address, from_=sender, parameters=parameters)
    return public_execution(raw)


async def list_executions(services: Services, *, flow_sid: str, limit: int) -> list[dict[str, Any]]:
    return [public_execution(item) for item in await services.twilio.studio.list_executions(flow_sid, limit=limit)]


async def get_execution(services: Services, *, flow_sid: str, sid: str) -> dict[str, Any]:
    """One execution with the steps it took and its context (flow.data holds the parameters).

    Raises:
        UpstreamError: twilio.20404 when there is no such execution in this flow.
    """
    studio = services.twilio.studio
    execution = public_execution(await studio.fetch_execution(flow_sid, sid))
    steps = await studio.execution_steps(flow_sid, sid, limit=MAX_STEPS)
    context = await studio.execution_context(flow_sid, sid)
    return {**execution, "steps": [public_step(step) for step in steps], "context": context.get("context") or {}}


async def stop_execution(services: Services, *, flow_sid: str, sid: str) -> dict[str, Any]:
    return public_execution(await services.twilio.studio.stop_execution(flow_sid, sid))
