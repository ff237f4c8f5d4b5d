"""A plan from a desired configuration document to an account: each change with its tool and tier,
field-level before/after, and what cannot be changed here (`skip`, with the reason).

Messaging services, Verify services, Studio flows and usage triggers match by friendly name,
numbers by role. Numbers are bought (for a role no number fills, from the role's search criteria) or
released (a role the document no longer has) only when the document says `numbers_manage: true`;
otherwise a plan only reconfigures the numbers that fill the roles and names the roles left unfilled.
The plan's digest covers the changes and the account's state when planned, so an apply made after
the account changed is refused (skill.core.config_apply).
"""

from __future__ import annotations

import contextlib
import re
from typing import Any

from skill.core.config_code import (
    NUMBER_FIELDS,
    SERVICE_FIELDS,
    TRIGGER_FIELDS,
    VERIFY_FIELDS,
    digest,
    export_config,
    parse_document,
)
from skill.core.context import Services
from skill.core.number_impact import country_and_kind
from skill.core.studio_schema import definition_problems
from skill.errors import InputError

FLOW_STATUSES = ("draft", "published")
# The tool named by a change no single tool makes (a Verify service's settings): config_apply does it.
APPLY_TOOL = "config_apply"
NUMBER_KINDS = ("local", "mobile", "toll_free")
COUNTRY = re.compile(r"^[A-Z]{2}$")
CONTAINS = re.compile(r"^[0-9A-Za-z*]{2,16}$")


def _fields(desired: dict[str, Any], current: dict[str, Any], names: tuple[str, ...]) -> list[dict[str, Any]]:
    return [
        {"field": name, "before": current.get(name), "after": desired.get(name)}
        for name in names
        if name in desired and desired.get(name) != current.get(name)
    ]


def _change(action: str, kind: str, name: str, tool: str | None, tier: str, **extra: Any) -> dict[str, Any]:
    return {"action": action, "kind": kind, "name": name, "tool": tool, "tier": tier, **extra}


def _criteria(index: int, number: dict[str, Any]) -> dict[str, Any]:
    """What to search for to fill a role: the entry's country, type, area_code and contains, else the country
    and kind of the number it was exported with (US local when there is none).

    Raises:
        InputError: a criterion is not of the form number_search takes.
    """
    country, kind = "US", "local"
    exported = number.get("phone_number")
    if isinstance(exported, str) and exported.startswith("+"):
        import phonenumbers

        with contextlib.suppress(phonenumbers.NumberParseException):
            country, kind = country_and_kind(exported)
    criteria = {
        "country": number.get("country") or country,
        "type": number.get("type") or (kind if kind in NUMBER_KINDS else "local"),
    }
    criteria.update({k: number[k] for k in ("area_code", "contains") if number.get(k) is not None})
    problems = []
    if not (isinstance(criteria["country"], str) and COUNTRY.match(criteria["country"])):
        problems.append("country must be an ISO code such as US")
    if criteria["type"] not in NUMBER_KINDS:
        problems.append("type must be local, mobile or toll_free")
    area = criteria.get("area_code")
    if area is not None and (isinstance(area, bool) or not isinstance(area, int) or not 100 <= area <= 999):
        problems.append("area_code must be a three-digit number")
    contains = criteria.get("contains")
    if contains is not None and not (isinstance(contains, str) and CONTAINS.match(contains)):
        problems.append("contains must be 2-16 digits, letters or *")
    if problems:
        raise InputError(
            f"numbers[{index}] ({str(number.get('role'))[:40]!r}): " + "; ".join(problems) + ".",
            code="input.invalid",
            remediation=["Fix the role's search criteria (as number_search takes them), or fill the role by hand."],
        )
    return criteria


def _plan_numbers(desired: dict[str, Any], current: dict[str, Any]) -> list[dict[str, Any]]:
    have = {n["role"]: n for n in current["numbers"] if n.get("role")}
    manage = desired.get("numbers_manage") is True
    changes = []
    wanted_roles = set()
    for index, number in enumerate(desired.get("numbers", [])):
        role = number.get("role")
        if not role:
            continue  # a number without a role is not managed
        wanted_roles.add(role)
        target = have.get(role)
        if target is None and manage:
            fields = [{"field": f, "before": None, "after": number[f]} for f in NUMBER_FIELDS if number.get(f)]
            criteria = _criteria(index, number)
            changes.append(_change("create", "number", role, "number_buy", "DESTRUCTIVE", criteria=criteria,
                                   fields=fields))  # fmt: skip
        elif target is None:
            reason = "no number has this role here; numbers_manage buys one"
            changes.append(_change("skip", "number", role, None, "DESTRUCTIVE", reason=reason))
        elif fields := _fields(number, target, NUMBER_FIELDS):
            changes.append(
                _change("update", "number", role, "number_configure", "WRITE", sid=target["sid"], fields=fields)
            )
    if manage:
        for role, target in have.items():
            if role not in wanted_roles:
                changes.append(_change("delete", "number", role, "number_release", "DESTRUCTIVE", sid=target["sid"],
                                       phone_number=target["phone_number"]))  # fmt: skip
    return changes


def _plan_services(desired: dict[str, Any], current: dict[str, Any]) -> list[dict[str, Any]]:
    have = {s["friendly_name"]: s for s in current["messaging_services"]}
    number_of = {n["role"]: n["sid"] for n in current["numbers"] if n.get("role")}
    buying = set()
    if desired.get("numbers_manage") is True:
        buying = {n.get("role") for n in desired.get("numbers", []) if n.get("role")} - set(number_of)
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
            if role in buying:  # filled by a number bought earlier in the same apply
                changes.append(_change("create", "sender", f"{name}/{role}", "messaging_service_sender_add", "WRITE",
                                       number_role=role))  # fmt: skip
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
            # No tool of its own: config_apply changes it through the Verify core.
            changes.append(
                _change("update", "verify_service", name, APPLY_TOOL, "WRITE", sid=target["sid"], fields=fields)
            )
    return changes


def definition_label(definition: Any) -> str | None:
    """A flow definition as a plan shows it: its widget count and digest (the document holds the rest)."""
    if not isinstance(definition, dict):
        return None
    states = definition.get("states")
    return f"{len(states) if isinstance(states, list) else 0} widget(s), sha256 {digest(definition)[:16]}"


def _checked_flow(index: int, flow: dict[str, Any]) -> tuple[str, dict[str, Any], str | None]:
    """The flow's name, definition and status, after the checks studio_flow_deploy makes.

    Raises:
        InputError: no name or definition, an unknown status, or input.invalid_flow_definition.
    """
    name, definition, status = flow.get("friendly_name"), flow.get("definition"), flow.get("status")
    where = f"studio_flows[{index}]"
    if not isinstance(name, str) or not name or not isinstance(definition, dict):
        raise InputError(
            f"{where} needs a friendly_name and a definition.",
            code="input.invalid",
            remediation=["Start from config_export's document, which writes each flow's definition."],
        )
    if status is not None and status not in FLOW_STATUSES:
        raise InputError(
            f"{where} status must be draft or published.",
            code="input.invalid",
            remediation=["Set status to draft or published."],
        )
    problems = definition_problems(definition)
    if problems:
        raise InputError(
            f"{where} ({name[:60]!r}) has {len(problems)} structural problem(s) in its definition.",
            code="input.invalid_flow_definition",
            remediation=[f"Fix {p.path}: {p.message}" for p in problems[:10]],
        )
    return name, definition, status


def _plan_flows(desired: dict[str, Any], current: dict[str, Any]) -> list[dict[str, Any]]:
    have = {f["friendly_name"]: f for f in current["studio_flows"]}
    changes = []
    seen: set[str] = set()
    for index, flow in enumerate(desired.get("studio_flows", [])):
        name, definition, status = _checked_flow(index, flow)
        if name in seen:
            raise InputError(
                f"studio_flows[{index}]: the flow {name[:60]!r} is given twice.",
                code="input.invalid",
                remediation=["Give each flow once: flows match across accounts by friendly name."],
            )
        seen.add(name)
        target = have.get(name)
        if target is None:
            fields = [
                {"field": "status", "before": None, "after": status or "draft"},
                {"field": "definition", "before": None, "after": definition_label(definition)},
            ]
            changes.append(_change("create", "studio_flow", name, "studio_flow_deploy", "WRITE", fields=fields))
            continue
        fields = []
        if status is not None and status != target["status"]:
            fields.append({"field": "status", "before": target["status"], "after": status})
        if definition != target["definition"]:
            before, after = definition_label(target["definition"]), definition_label(definition)
            fields.append({"field": "definition", "before": before, "after": after})
        if fields:
            keep = status or target["status"]
            changes.append(
                _change("update", "studio_flow", name, "studio_flow_deploy", "WRITE", sid=target["sid"],
                        status=keep, fields=fields)
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
    """The changes that take `current` (an export) to `desired`, and the digest that binds them to it.

    Raises:
        InputError: a flow of `desired` is unusable (see _checked_flow).
    """
    changes = [
        *_plan_numbers(desired, current),
        *_plan_services(desired, current),
        *_plan_verify(desired, current),
        *_plan_flows(desired, current),
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
