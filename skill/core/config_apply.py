"""A configuration plan applied step by step through the same core functions the tools use, each with
its own local checks; refused when the account changed since the plan was made, stopped at the
first failure, with what was done and what was not."""

from __future__ import annotations

from typing import Any

from skill.core import messaging_services as messaging
from skill.core import numbers as numbers_core
from skill.core import studio as studio_core
from skill.core import usage as usage_core
from skill.core import verify as verify_core
from skill.core.config_code import export_config, parse_document
from skill.core.config_plan import APPLY_TOOL, make_plan
from skill.core.context import Services
from skill.errors import InputError, PolicyError, SkillError
from skill.policy.tiers import Tier
from skill.records.messaging_services import ServiceChanges

COMMIT_MESSAGE = "config_apply"  # the note of each flow revision it deploys


def state_changed(plan_digest: str, now_digest: str) -> PolicyError:
    return PolicyError(
        f"The account changed since the plan was made (plan {plan_digest[:12]}, now {now_digest[:12]}). "
        "Nothing was applied.",
        code="policy.plan_stale",
        remediation=["Run config_plan again, review the new changes, and apply that plan."],
    )


def step_arguments(change: dict[str, Any]) -> dict[str, Any]:
    """The arguments the step's tool would be called with, as far as the plan knows them (for policy rules)."""
    args: dict[str, Any] = {f["field"]: f["after"] for f in change.get("fields", [])}
    args.update(change.get("criteria") or {})
    for key in ("sid", "status", "phone_number"):
        if change.get(key) is not None:
            args[key] = change[key]
    if change["kind"] in ("messaging_service", "studio_flow", "verify_service", "usage_trigger"):
        args.setdefault("friendly_name", change["name"])
    return args


def refuse_denied_steps(services: Services, steps: list[dict[str, Any]]) -> None:
    """The plan's approval stands for its steps' approvals, never for a denial: a step whose tool this
    account's policy denies refuses the whole apply before anything runs.

    Raises:
        PolicyError: policy.denied, naming the steps.
    """
    denied = []
    for change in steps:
        tool = change["tool"]
        if tool == APPLY_TOOL:
            continue  # done by config_apply itself, whose own policy already let this call through
        action, reason = services.policy.action_for(tool, Tier(change["tier"]), step_arguments(change))
        if action == "deny":
            denied.append(f"{change['action']} {change['kind']} {change['name']!r} via {tool} ({reason})")
    if denied:
        raise PolicyError(
            f"The policy denies {len(denied)} step(s) of this plan: {'; '.join(denied)[:600]}. Nothing was applied.",
            code="policy.denied",
            remediation=[
                "Leave those changes out of the document (or fill the role by hand), plan again and apply that plan.",
                "An operator can change the policy file (TWILIO_SKILL_POLICY) if they should be allowed.",
            ],
        )


class Run:
    """What the steps of one apply share: the desired document and the SIDs of what they created."""

    def __init__(self, desired: dict[str, Any], current: dict[str, Any]) -> None:
        self.desired = desired
        self.service_sids = {s["friendly_name"]: s["sid"] for s in current["messaging_services"]}
        self.flows = {f.get("friendly_name"): f for f in desired.get("studio_flows", [])}
        self.bought: dict[str, str] = {}  # role -> SID of the number bought for it


async def _buy(services: Services, change: dict[str, Any], run: Run) -> dict[str, Any]:
    """Search with the role's criteria, buy the first number offered, then set what buying does not."""
    criteria = change["criteria"]
    found = await numbers_core.search_numbers(
        services,
        country=criteria["country"],
        kind=criteria["type"],
        area_code=criteria.get("area_code"),
        contains=criteria.get("contains"),
        sms=None,
        voice=None,
        mms=None,
        limit=1,
    )
    if not found:
        raise InputError(
            f"No {criteria['type']} number is available in {criteria['country']} with these criteria; "
            "nothing was bought.",
            code="input.no_number_available",
            remediation=["Loosen the role's criteria (area_code, contains) in the document, plan and apply again."],
        )
    after = {f["field"]: f["after"] for f in change.get("fields", [])}
    bought = await numbers_core.buy_number(
        services,
        phone_number=found[0].phone_number,
        friendly_name=change["name"],
        sms_url=after.get("sms_url"),
        voice_url=after.get("voice_url"),
    )
    run.bought[change["name"]] = bought.sid
    rest = {k: v for k, v in after.items() if k not in ("sms_url", "voice_url") and v}
    if rest:
        await numbers_core.configure_number(services, bought.sid, rest)
    return {"sid": bought.sid, "phone_number": bought.phone_number}


async def _flow(services: Services, change: dict[str, Any], run: Run) -> None:
    flow = run.flows[change["name"]]
    creating = change["action"] == "create"
    await studio_core.deploy_flow(
        services,
        sid=None if creating else change["sid"],
        friendly_name=change["name"] if creating else None,
        definition=flow["definition"],
        status=(flow.get("status") or "draft") if creating else change["status"],
        commit_message=COMMIT_MESSAGE,
    )


async def _apply_one(services: Services, change: dict[str, Any], run: Run) -> dict[str, Any]:
    """Run one step; returns what the step made known (a bought number's SID and phone number)."""
    after = {f["field"]: f["after"] for f in change.get("fields", [])}
    kind = change["kind"]
    if kind == "number" and change["action"] == "create":
        return await _buy(services, change, run)
    if kind == "number" and change["action"] == "delete":
        await numbers_core.release_number(services, change["sid"])
    elif kind == "number":
        await numbers_core.configure_number(services, change["sid"], {k: v or "" for k, v in after.items()})
    elif kind == "messaging_service" and change["action"] == "create":
        created = await messaging.create_service(services, change["name"], ServiceChanges(**after))
        run.service_sids[change["name"]] = created.sid
    elif kind == "messaging_service":
        await messaging.update_service(services, change["sid"], ServiceChanges(**after))
    elif kind == "sender":
        service_name = change["name"].rsplit("/", 1)[0]
        number_sid = change.get("number_sid") or run.bought[change["number_role"]]
        await messaging.add_sender(services, run.service_sids[service_name], number_sid)
    elif kind == "verify_service" and change["action"] == "update":
        await verify_core.update_service(
            services, change["sid"], code_length=after.get("code_length"), lookup_enabled=after.get("lookup_enabled")
        )
    elif kind == "verify_service":
        await verify_core.create_service(
            services,
            friendly_name=change["name"],
            code_length=after.get("code_length"),
            lookup_enabled=after.get("lookup_enabled"),
        )
    elif kind == "studio_flow":
        await _flow(services, change, run)
    elif kind == "usage_trigger" and change["action"] == "delete":
        await usage_core.delete_trigger(services, change["sid"])
    elif kind == "usage_trigger":
        await usage_core.create_trigger(
            services,
            usage_category=str(after.get("usage_category")),
            trigger_value=str(after.get("trigger_value")),
            trigger_by=str(after.get("trigger_by") or "usage"),
            recurring=str(after.get("recurring") or ""),
            callback_url=str(after.get("callback_url") or ""),
            friendly_name=change["name"],
        )
    return {}


async def apply_config(services: Services, document: str, roles: dict[str, str], plan_digest: str) -> dict[str, Any]:
    """Apply the plan made from this document, if the account is still as it was when planned; stops at the
    first failure and says what was done and what was not.

    Raises:
        InputError: the document or roles are unusable.
        PolicyError: policy.plan_stale when the account changed since the plan was made; policy.denied
            when the policy denies a step's tool.
    """
    desired = parse_document(document)
    current = await export_config(services, roles)
    plan = make_plan(desired, current)
    if plan["plan_digest"] != plan_digest:
        raise state_changed(plan_digest, plan["plan_digest"])
    run = Run(desired, current)
    steps = [c for c in plan["changes"] if c["action"] != "skip"]
    refuse_denied_steps(services, steps)
    done: list[dict[str, Any]] = []
    for index, change in enumerate(steps):
        try:
            learned = await _apply_one(services, change, run)
        except SkillError as exc:
            return {
                "plan_digest": plan_digest,
                "done": done,
                "failed": {**change, "error": f"{exc.code}: {exc.message}"[:500]},
                "not_done": steps[index + 1 :],
                "complete": False,
            }
        done.append({**change, **learned})
    return {"plan_digest": plan_digest, "done": done, "failed": None, "not_done": [], "complete": True}
