"""Configuration as code: an account's configuration as one JSON document (export), and the checks a
desired document passes before a plan reads it. The plan is skill.core.config_plan, its apply
skill.core.config_apply.

Numbers are matched by the operator's `role` labels (roles map a label to a number of that account),
everything else by friendly name; never by phone number, since each environment has its own.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from skill.core import messaging_services as messaging
from skill.core import verify as verify_core
from skill.core.context import Services
from skill.errors import InputError, SkillError

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
            "type": number.get("kind"),
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
    out = []
    for listed in (await services.twilio.studio.list_flows(limit=LIST_LIMIT)).items:
        flow = await services.twilio.studio.fetch_flow(listed.sid)
        entry = {"friendly_name": flow.friendly_name, "sid": flow.sid, "status": flow.status}
        out.append({**entry, "revision": flow.revision, "definition": flow.definition})
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
        "numbers_manage": False,
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
# Flow definitions make documents large: a bound that holds a fleet's flows, still far from harmful.
MAX_DOCUMENT_CHARS = 1_000_000
MAX_DEFINITION_CHARS = 300_000
SECTIONS = ("numbers", "messaging_services", "verify_services", "studio_flows", "usage_triggers")


def _unfit(section: str, item: dict[str, Any]) -> str | None:
    """Why an item of a document cannot be planned from (None when it can): every value a string, number,
    boolean or null, or (senders) a list of strings, or (a flow's definition) a JSON object, all bounded."""
    for key, value in item.items():
        if key == "definition" and section == "studio_flows":
            if not isinstance(value, dict) or len(canonical(value)) > MAX_DEFINITION_CHARS:
                return f"definition must be a JSON object of at most {MAX_DEFINITION_CHARS} characters"
        elif key == "senders":
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
    elif not isinstance(document.get("numbers_manage", False), bool):
        problems.append("numbers_manage must be true or false")
    else:
        for section in SECTIONS:
            items = document.get(section, [])
            if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
                problems.append(f"{section} must be a list of objects")
                continue
            problems.extend(
                f"{section}[{index}]: {bad}" for index, item in enumerate(items) if (bad := _unfit(section, item))
            )
    if problems:
        raise InputError(
            "document is not a configuration document: " + "; ".join(problems) + ".",
            code="input.invalid",
            remediation=["Start from config_export's document and edit it."],
        )
    return dict(document)
