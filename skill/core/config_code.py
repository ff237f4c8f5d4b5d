"""Configuration as code: an account's configuration as one JSON document, a plan from a desired
document to an account, and the plan applied step by step through the same core functions the
tools use.

Numbers are matched by the operator's `role` labels (roles map a label to a number of that account),
everything else by friendly name; never by phone number, since each environment has its own. A plan
never buys or releases numbers: a role with no number is reported, not filled (`numbers: manage`
is not offered yet). The plan's digest covers the changes and the account's state when planned, so
an apply made after the account changed is refused.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from skill.core import messaging_services as messaging
from skill.core import numbers as numbers_core
from skill.core import usage as usage_core
from skill.core import verify as verify_core
from skill.core.context import Services
from skill.errors import InputError, PolicyError, SkillError
from skill.records.messaging_services import ServiceChanges

FORMAT = "twilio-skill/config@1"
NUMBER_FIELDS = ("sms_url", "sms_method", "voice_url", "voice_method", "status_callback")
# The settings messaging_service_create and messaging_service_update set (ServiceChanges), in its order.
SERVICE_FIELDS = (
    "inbound_request_url",
    "fallback_url",
    "status_callback",
    "sticky_sender",
    "area_code_geomatch",
    "smart_encoding",
    "validity_period",
    "fallback_to_long_code",
)
VERIFY_FIELDS = ("code_length", "lookup_enabled")
TRIGGER_FIELDS = ("usage_category", "trigger_by", "trigger_value", "recurring", "callback_url")
MAX_ROLES = 50
LIST_LIMIT = 1000


def canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def digest(value: Any) -> str:
    return hashlib.sha256(canonical(value).encode()).hexdigest()


def parse_roles(items: list[str]) -> dict[str, str]:
    """`role=+E164` or `role=PN...` items as a mapping of role to number.

    Raises:
        InputError: an item is not role=number, or a role is given twice.
    """
    roles: dict[str, str] = {}
    for item in items[:MAX_ROLES]:
        role, sep, number = item.partition("=")
        role, number = role.strip(), number.strip()
        if not sep or not role or not number or role in roles:
            raise InputError(
                f"roles item {item[:80]!r} must be role=number (e.g. alerts=+18005550100), each role once.",
                code="input.invalid",
                remediation=["Give each role once as role=+E164 or role=PN... for a number of this account."],
            )
        roles[role] = number
    return roles


async def _numbers(services: Services, roles: dict[str, str]) -> list[dict[str, Any]]:
    raw = [number.model_dump() for number in await services.twilio.numbers.all(LIST_LIMIT)]
    by_key = {str(n.get("phone_number")): n for n in raw} | {str(n.get("sid")): n for n in raw}
    missing = [f"{role}={number}" for role, number in roles.items() if number not in by_key]
    if missing:
        raise InputError(
            f"roles name numbers this account does not have: {', '.join(missing)[:300]}.",
            code="input.unknown_number",
            remediation=["List the account's numbers with numbers_list (with the same account) and fix the roles."],
        )
    role_of = {str(by_key[number].get("sid")): role for role, number in roles.items()}
    out = []
    for number in raw:
        entry = {
            "role": role_of.get(str(number.get("sid"))),
            "sid": number.get("sid"),
            "phone_number": number.get("phone_number"),
        }
        entry.update({field: number.get(field) or None for field in NUMBER_FIELDS})
        out.append(entry)
    return sorted(out, key=lambda n: (n["role"] is None, n["role"] or "", str(n["sid"])))


async def _services(services: Services, numbers: list[dict[str, Any]]) -> list[dict[str, Any]]:
    role_of = {n["sid"]: n["role"] for n in numbers}
    out = []
    for listed in (await services.twilio.messaging_services.list(limit=LIST_LIMIT)).items:
        service = await messaging.get_service(services, listed.sid)
        senders = sorted(role_of.get(s.sid) or f"sid:{s.sid}" for s in service.senders)
        entry: dict[str, Any] = {"friendly_name": service.friendly_name, "sid": service.sid}
        entry.update({field: getattr(service, field) for field in SERVICE_FIELDS})
        entry["senders"] = senders
        out.append(entry)
    return sorted(out, key=lambda s: (str(s["friendly_name"]), str(s["sid"])))


async def _verify(services: Services) -> list[dict[str, Any]]:
    page = await verify_core.list_services(services, limit=LIST_LIMIT, cursor=None)
    out = [
        {
            "friendly_name": s.friendly_name,
            "sid": s.sid,
            "code_length": s.code_length,
            "lookup_enabled": s.lookup_enabled,
        }
        for s in page.items
    ]
    return sorted(out, key=lambda s: (str(s["friendly_name"]), s["sid"]))


async def _flows(services: Services) -> list[dict[str, Any]]:
    page = await services.twilio.studio.list_flows(limit=LIST_LIMIT)
    out = [
        {"friendly_name": f.friendly_name, "sid": f.sid, "status": f.status, "revision": f.revision} for f in page.items
    ]
    return sorted(out, key=lambda f: (str(f["friendly_name"]), f["sid"]))


async def _triggers(services: Services) -> list[dict[str, Any]]:
    out = []
    for record in (await services.twilio.usage.triggers(limit=LIST_LIMIT)).items:
        trigger = record.model_dump(mode="json")
        entry = {"friendly_name": trigger["friendly_name"], "sid": trigger["sid"]}
        entry.update({field: trigger.get(field) for field in TRIGGER_FIELDS})
        out.append(entry)
    return sorted(out, key=lambda t: (str(t["friendly_name"]), str(t["sid"])))


async def _templates(services: Services) -> list[dict[str, Any]] | None:
    try:
        listed = await services.sendgrid.list_templates(limit=LIST_LIMIT)
    except SkillError:
        return None  # no SendGrid for this profile: the section is left out, not failed
    out = [{"name": t.name, "sid": t.sid} for t in listed.items]
    return sorted(out, key=lambda t: (str(t["name"]), str(t["sid"])))


async def export_config(services: Services, roles: dict[str, str]) -> dict[str, Any]:
    """The account's configuration as one document: stable order, SIDs beside names, no secrets.

    Raises:
        InputError: a role names a number the account does not have.
        UpstreamError: a section could not be read.
    """
    numbers = await _numbers(services, roles)
    document: dict[str, Any] = {
        "format": FORMAT,
        "account_sid": services.twilio.account_sid,
        "numbers": numbers,
        "messaging_services": await _services(services, numbers),
        "verify_services": await _verify(services),
        "studio_flows": await _flows(services),
        "usage_triggers": await _triggers(services),
    }
    templates = await _templates(services) if services.scope is None else None
    if templates is not None:
        document["sendgrid_templates"] = templates
    return document


MAX_ITEMS = 1000
MAX_VALUE_CHARS = 2000


def _unfit(item: dict[str, Any]) -> str | None:
    """Why an item of a document cannot be planned from (None when it can): every value a string, number,
    boolean or null, or (senders) a list of strings, all bounded."""
    for key, value in item.items():
        if key == "senders":
            if (
                not isinstance(value, list)
                or len(value) > MAX_ITEMS
                or not all(isinstance(v, str) and len(v) <= MAX_VALUE_CHARS for v in value)
            ):
                return f"{str(key)[:40]} must be a list of role names"
        elif isinstance(value, str):
            if len(value) > MAX_VALUE_CHARS:
                return f"{str(key)[:40]} is over {MAX_VALUE_CHARS} characters"
        elif value is not None and not isinstance(value, bool | int | float):
            return f"{str(key)[:40]} must be a string, number, boolean or null"
    return None


def parse_document(text: str) -> dict[str, Any]:
    """A desired document, checked for the shape a plan reads.

    Raises:
        InputError: not JSON, not an object of this format, or a section is not a list of objects.
    """
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"document is not JSON: {exc.msg} at {exc.pos}.",
            code="input.invalid",
            remediation=["Pass the document config_export wrote (its `document`), as a JSON string."],
        ) from None
    problems = []
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        problems.append(f"it must be an object with format {FORMAT!r} (as config_export writes)")
    else:
        for section in ("numbers", "messaging_services", "verify_services", "usage_triggers"):
            items = document.get(section, [])
            if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
                problems.append(f"{section} must be a list of objects")
                continue
            problems.extend(f"{section}[{index}]: {bad}" for index, item in enumerate(items) if (bad := _unfit(item)))
    if problems:
        raise InputError(
            "document is not a configuration document: " + "; ".join(problems) + ".",
            code="input.invalid",
            remediation=["Start from config_export's document and edit it."],
        )
    return dict(document)


def _fields(desired: dict[str, Any], current: dict[str, Any], names: tuple[str, ...]) -> list[dict[str, Any]]:
    return [
        {"field": name, "before": current.get(name), "after": desired.get(name)}
        for name in names
        if name in desired and desired.get(name) != current.get(name)
    ]


def _change(action: str, kind: str, name: str, tool: str | None, tier: str, **extra: Any) -> dict[str, Any]:
    return {"action": action, "kind": kind, "name": name, "tool": tool, "tier": tier, **extra}


def _plan_numbers(desired: dict[str, Any], current: dict[str, Any]) -> list[dict[str, Any]]:
    have = {n["role"]: n for n in current["numbers"] if n.get("role")}
    changes = []
    for number in desired.get("numbers", []):
        role = number.get("role")
        if not role:
            continue  # a number without a role is not managed
        target = have.get(role)
        if target is None:
            changes.append(_change("skip", "number", role, None, "DESTRUCTIVE", reason="no number has this role here"))
            continue
        fields = _fields(number, target, NUMBER_FIELDS)
        if fields:
            changes.append(
                _change("update", "number", role, "number_configure", "WRITE", sid=target["sid"], fields=fields)
            )
    return changes


def _plan_services(desired: dict[str, Any], current: dict[str, Any]) -> list[dict[str, Any]]:
    have = {s["friendly_name"]: s for s in current["messaging_services"]}
    number_of = {n["role"]: n["sid"] for n in current["numbers"] if n.get("role")}
    changes = []
    for service in desired.get("messaging_services", []):
        name = str(service.get("friendly_name") or "")
        target = have.get(name)
        wanted = [s for s in service.get("senders", []) if isinstance(s, str) and not s.startswith("sid:")]
        if target is None:
            settings = [{"field": f, "before": None, "after": service[f]} for f in SERVICE_FIELDS if f in service]
            changes.append(
                _change("create", "messaging_service", name, "messaging_service_create", "WRITE", fields=settings)
            )
            present: list[str] = []
        else:
            fields = _fields(service, target, SERVICE_FIELDS)
            if fields:
                changes.append(
                    _change(
                        "update",
                        "messaging_service",
                        name,
                        "messaging_service_update",
                        "WRITE",
                        sid=target["sid"],
                        fields=fields,
                    )
                )
            present = list(target["senders"])
        for role in wanted:
            if role in present:
                continue
            if role not in number_of:
                changes.append(
                    _change("skip", "sender", f"{name}/{role}", None, "WRITE", reason="no number has this role here")
                )
                continue
            changes.append(
                _change(
                    "create",
                    "sender",
                    f"{name}/{role}",
                    "messaging_service_sender_add",
                    "WRITE",
                    number_sid=number_of[role],
                )
            )
    return changes


def _plan_verify(desired: dict[str, Any], current: dict[str, Any]) -> list[dict[str, Any]]:
    have = {s["friendly_name"]: s for s in current["verify_services"]}
    changes = []
    for service in desired.get("verify_services", []):
        name = str(service.get("friendly_name") or "")
        target = have.get(name)
        if target is None:
            fields = [{"field": f, "before": None, "after": service[f]} for f in VERIFY_FIELDS if f in service]
            changes.append(_change("create", "verify_service", name, "verify_service_create", "WRITE", fields=fields))
        elif fields := _fields(service, target, VERIFY_FIELDS):
            changes.append(
                _change("skip", "verify_service", name, None, "WRITE", sid=target["sid"], fields=fields,
                        reason="Verify service settings are not changed by config_apply yet")
            )  # fmt: skip
    return changes


def _plan_triggers(desired: dict[str, Any], current: dict[str, Any]) -> list[dict[str, Any]]:
    if "usage_triggers" not in desired:
        return []
    have = {t["friendly_name"]: t for t in current["usage_triggers"]}
    wanted = {str(t.get("friendly_name") or ""): t for t in desired["usage_triggers"]}
    changes = []
    for name, trigger in wanted.items():
        target = have.get(name)
        fields = [{"field": f, "before": None, "after": trigger.get(f)} for f in TRIGGER_FIELDS if f in trigger]
        if target is None:
            changes.append(_change("create", "usage_trigger", name, "usage_trigger_create", "WRITE", fields=fields))
        elif diff := _fields(trigger, target, TRIGGER_FIELDS):
            # A trigger cannot be edited in place: it is replaced.
            changes.append(_change("delete", "usage_trigger", name, "usage_trigger_delete", "WRITE", sid=target["sid"]))
            changes.append(
                _change("create", "usage_trigger", name, "usage_trigger_create", "WRITE", fields=fields, replaces=diff)
            )
    for name, target in have.items():
        if name not in wanted:
            changes.append(_change("delete", "usage_trigger", name, "usage_trigger_delete", "WRITE", sid=target["sid"]))
    return changes


def make_plan(desired: dict[str, Any], current: dict[str, Any]) -> dict[str, Any]:
    """The changes that take `current` (an export) to `desired`, and the digest that binds them to it."""
    changes = [
        *_plan_numbers(desired, current),
        *_plan_services(desired, current),
        *_plan_verify(desired, current),
        *_plan_triggers(desired, current),
    ]
    state = digest(current)
    return {
        "account_sid": current["account_sid"],
        "changes": changes,
        "state_digest": state,
        "plan_digest": digest({"changes": changes, "state": state}),
    }


async def plan_config(services: Services, document: str, roles: dict[str, str]) -> dict[str, Any]:
    """Raises:
    InputError: the document or roles are unusable.
    """
    desired = parse_document(document)
    return make_plan(desired, await export_config(services, roles))


def state_changed(plan_digest: str, now_digest: str) -> PolicyError:
    return PolicyError(
        f"The account changed since the plan was made (plan {plan_digest[:12]}, now {now_digest[:12]}). "
        "Nothing was applied.",
        code="policy.plan_stale",
        remediation=["Run config_plan again, review the new changes, and apply that plan."],
    )


async def _apply_one(services: Services, change: dict[str, Any], names: dict[str, str]) -> None:
    after = {f["field"]: f["after"] for f in change.get("fields", [])}
    kind = change["kind"]
    if kind == "number":
        await numbers_core.configure_number(services, change["sid"], {k: v or "" for k, v in after.items()})
    elif kind == "messaging_service" and change["action"] == "create":
        created = await messaging.create_service(services, change["name"], ServiceChanges(**after))
        names[change["name"]] = created.sid
    elif kind == "messaging_service":
        await messaging.update_service(services, change["sid"], ServiceChanges(**after))
    elif kind == "sender":
        service_name = change["name"].rsplit("/", 1)[0]
        await messaging.add_sender(services, names[service_name], change["number_sid"])
    elif kind == "verify_service":
        await verify_core.create_service(
            services,
            friendly_name=change["name"],
            code_length=after.get("code_length"),
            lookup_enabled=after.get("lookup_enabled"),
        )
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


async def apply_config(services: Services, document: str, roles: dict[str, str], plan_digest: str) -> dict[str, Any]:
    """Apply the plan made from this document, if the account is still as it was when planned; stops at the
    first failure and says what was done and what was not.

    Raises:
        InputError: the document or roles are unusable.
        PolicyError: policy.plan_stale when the account changed since the plan was made.
    """
    plan = await plan_config(services, document, roles)
    if plan["plan_digest"] != plan_digest:
        raise state_changed(plan_digest, plan["plan_digest"])
    current = await export_config(services, roles)
    names = {s["friendly_name"]: s["sid"] for s in current["messaging_services"]}
    steps = [c for c in plan["changes"] if c["action"] != "skip"]
    done: list[dict[str, Any]] = []
    for index, change in enumerate(steps):
        try:
            await _apply_one(services, change, names)
        except SkillError as exc:
            return {
                "plan_digest": plan_digest,
                "done": done,
                "failed": {**change, "error": f"{exc.code}: {exc.message}"[:500]},
                "not_done": steps[index + 1 :],
                "complete": False,
            }
        done.append(change)
    return {"plan_digest": plan_digest, "done": done, "failed": None, "not_done": [], "complete": True}
