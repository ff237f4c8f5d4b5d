"""Content templates (Content API v1) for WhatsApp and rich messages: list, read with WhatsApp approval,
create with their variables checked, and the check of a send's variables against its template.

A template's text carries numbered variables, {{1}}, {{2}}, ... Each needs a sample value when it is
created (WhatsApp reviews templates with them), and a value when it is sent: Twilio would fill a
missing one with the sample, so a send that leaves one out is refused here instead.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from skill.core.context import Services
from skill.errors import InputError
from skill.records.content import ContentTemplate, ContentTemplateDetail, JsonData, WhatsAppApproval
from skill.records.page import Page

# The content types of the Content API (each its own object of fields).
CONTENT_TYPES = (
    "twilio/text", "twilio/media", "twilio/location", "twilio/list-picker", "twilio/call-to-action",
    "twilio/quick-reply", "twilio/card", "twilio/catalog", "twilio/carousel", "twilio/flows", "twilio/schedule",
    "whatsapp/card", "whatsapp/authentication", "whatsapp/flows",
)  # fmt: skip
WHATSAPP_CATEGORIES = ("UTILITY", "MARKETING", "AUTHENTICATION")
MAX_VARIABLES = 100
MAX_VALUE_CHARACTERS = 1024
# WhatsApp template names: lowercase letters, digits and underscores.
WHATSAPP_NAME = re.compile(r"^[a-z0-9_]{1,512}$")
_PLACEHOLDER = re.compile(r"\{\{(.*?)\}\}")
_NUMBER = re.compile(r"^[1-9][0-9]{0,2}$")
_SINGLE_BRACES = re.compile(r"(?<!\{)\{\s*\d+\s*\}(?!\})")
# Templates made elsewhere may name their variables ({{first_name}}); a send fills those too.
_NAME = re.compile(r"^[A-Za-z0-9_]{1,64}$")


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def placeholders(types: JsonData) -> tuple[list[str], list[str]]:
    """(the variables the template's text uses, in number order; the malformed placeholders found)."""
    used: set[str] = set()
    malformed: list[str] = []
    for text in _strings(types):
        for match in _PLACEHOLDER.finditer(text):
            inner = match.group(1)
            if _NUMBER.match(inner):
                used.add(inner)
            else:
                malformed.append(match.group(0))
        rest = _PLACEHOLDER.sub(" ", text)
        for marker in ("{{", "}}"):
            at = rest.find(marker)
            if at >= 0:
                malformed.append(rest[max(0, at - 10) : at + 12])
        malformed.extend(match.group(0) for match in _SINGLE_BRACES.finditer(rest))
    return sorted(used, key=int), malformed


def variable_names(types: JsonData) -> list[str]:
    """Every variable a template's text uses, numbered or named: numbers in order, then names."""
    found = {
        match.group(1)
        for text in _strings(types)
        for match in _PLACEHOLDER.finditer(text)
        if _NAME.match(match.group(1))
    }
    return sorted(found, key=lambda name: (not name.isdigit(), int(name) if name.isdigit() else 0, name))


def _problem(message: str, *fixes: str, code: str = "input.invalid_template") -> InputError:
    return InputError(f"{message} Nothing was created.", code=code, remediation=list(fixes))


def check_template(types: JsonData, variables: dict[str, Any], whatsapp_name: str | None) -> dict[str, str]:
    """Every local rule of a new template: known content types, well-formed numbered variables from
    {{1}} on without gaps, a sample value for each and for nothing else; the samples as strings.

    Raises:
        InputError: input.invalid_template naming what to fix.
    """
    unknown_types = [name for name in types if name not in CONTENT_TYPES]
    if not types or unknown_types:
        raise _problem(
            f"types needs one or more content types; unknown: {', '.join(map(repr, unknown_types)) or 'none given'}.",
            f"Use keys among: {', '.join(CONTENT_TYPES)}.",
            'For plain text: {"twilio/text": {"body": "Hi {{1}}, your order {{2}} has shipped."}}.',
        )
    not_objects = [name for name, fields in types.items() if not isinstance(fields, dict)]
    if not_objects:
        raise _problem(
            f"Each content type must be an object of its fields; not: {', '.join(not_objects)}.",
            'Give each type its fields, e.g. {"twilio/text": {"body": "..."}}.',
        )
    used, malformed = placeholders(types)
    if malformed:
        raise _problem(
            f"Malformed variables in the template: {', '.join(repr(m) for m in malformed[:5])}.",
            "Write variables as {{1}}, {{2}}, ... (two braces, a number from 1, no spaces).",
        )
    if len(used) > MAX_VARIABLES:
        raise _problem(
            f"The template uses {len(used)} variables; at most {MAX_VARIABLES} are taken.",
            "Split it into several templates, or fold fixed text back into the body.",
        )
    expected = [str(n) for n in range(1, len(used) + 1)]
    if used != expected:
        raise _problem(
            f"Variables must be numbered from {{{{1}}}} without gaps; the template uses {_braced(used)}.",
            f"Renumber them {_braced(expected)}.",
        )
    given = {str(key): value for key, value in variables.items()}
    missing = [name for name in used if not (isinstance(given.get(name), str) and given[name].strip())]
    extra = sorted(set(given) - set(used))
    if missing or extra:
        parts = [f"no sample value for {_braced(missing)}"] if missing else []
        parts += [f"unused: {_braced(extra)}"] if extra else []
        raise _problem(
            f"variables must give a sample value for each variable the template uses; {'; '.join(parts)}.",
            f"Pass variables as a JSON object with a non-empty sample for each of {_braced(used) or 'none'}, "
            'e.g. {"1": "Alex"} (WhatsApp reviews the template with them).',
        )
    too_long = [name for name in used if len(given[name]) > MAX_VALUE_CHARACTERS]
    if too_long:
        raise _problem(
            f"Sample values over {MAX_VALUE_CHARACTERS} characters: {_braced(too_long)}.",
            "Shorten them: a sample only shows WhatsApp's reviewers what a value looks like.",
        )
    if whatsapp_name is not None and not WHATSAPP_NAME.match(whatsapp_name):
        raise _problem(
            f"WhatsApp needs a template name of lowercase letters, digits and underscores; got {whatsapp_name!r}.",
            "Rename friendly_name like order_update_v2, or leave whatsapp_category out to skip the submission.",
        )
    return {name: given[name] for name in used}


def _braced(names: list[str]) -> str:
    return ", ".join(f"{{{{{name}}}}}" for name in names)


async def list_templates(services: Services, *, limit: int, cursor: str | None) -> Page[ContentTemplateDetail]:
    """Content templates with their WhatsApp approval, as Twilio lists them.

    Raises:
        InputError: the cursor is not one of ours.
        UpstreamError: Twilio refused the list.
    """
    return await services.twilio.content.list(limit=limit, cursor=cursor)


async def get_template(services: Services, sid: str) -> ContentTemplateDetail:
    """One template with its WhatsApp approval ('unsubmitted' when it was never submitted).

    Raises:
        UpstreamError: twilio.20404 when there is no such template.
    """
    template = await services.twilio.content.fetch(sid)
    approval = await services.twilio.content.whatsapp_approval(sid)
    return ContentTemplateDetail(**template.model_dump(), whatsapp=approval or WhatsAppApproval(status="unsubmitted"))


async def create_template(
    services: Services,
    *,
    friendly_name: str,
    language: str,
    types: JsonData,
    variables: dict[str, Any],
    whatsapp_category: str | None,
) -> ContentTemplateDetail:
    """Create a template after the local checks; with a category, submit it to WhatsApp for approval.

    Raises:
        InputError: input.invalid_template when a rule is broken; nothing was created.
        UpstreamError: Twilio refused the template or its submission (the template then exists).
    """
    samples = check_template(types, variables, friendly_name if whatsapp_category else None)
    created = await services.twilio.content.create(
        friendly_name=friendly_name, language=language, variables=samples, types=types
    )
    approval = None
    if whatsapp_category:
        approval = await services.twilio.content.submit_whatsapp(
            created.sid, name=friendly_name, category=whatsapp_category
        )
    return ContentTemplateDetail(**created.model_dump(), whatsapp=approval or WhatsAppApproval(status="unsubmitted"))


def check_send_variables(template: ContentTemplate, values: dict[str, Any]) -> dict[str, str]:
    """The values a send fills the template with, once each variable it uses has one and no other is given.

    Raises:
        InputError: input.content_variables_missing / _unknown / input.invalid, naming the fix.
    """
    used = variable_names(template.types or {})
    given = {str(key): value for key, value in values.items()}
    unknown = sorted(set(given) - set(used))
    if unknown:
        raise InputError(
            f"content_variables names {_braced(unknown)}, which template {template.sid} does not use. "
            "Nothing was sent.",
            code="input.content_variables_unknown",
            remediation=[
                f"Give values only for {_braced(used) or 'no variables (leave content_variables out)'}.",
                "content_template_get shows the template's text and variables.",
            ],
        )
    missing = [name for name in used if name not in given]
    if missing:
        example = ", ".join(f'"{name}": "..."' for name in used)
        raise InputError(
            f"Template {template.sid} needs a value for {_braced(missing)}; Twilio would send its sample value "
            "instead. Nothing was sent.",
            code="input.content_variables_missing",
            remediation=[f"Pass content_variables as a JSON object with every variable: {{{example}}}."],
        )
    bad = [name for name in used if not isinstance(given[name], str) or not given[name].strip()]
    long = [name for name in used if isinstance(given[name], str) and len(given[name]) > MAX_VALUE_CHARACTERS]
    if bad or long:
        raise InputError(
            f"content_variables values must be non-empty strings of at most {MAX_VALUE_CHARACTERS} characters; "
            f"not so: {_braced(bad + long)}. Nothing was sent.",
            remediation=['Give each value as a JSON string, e.g. {"1": "Alex", "2": "42"}.'],
        )
    return {name: str(given[name]) for name in used}
