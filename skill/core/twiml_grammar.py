"""The grammar of the JSON that twiml_build and the IVR tools take, and the parsing of it.

    grammar(part)                  one verb or menu part: what it does, its fields and an example
    parse_verbs(text)              twiml_build's verbs (a JSON array) as checked verb models
    parse_menu(name, text)         ivr_build's and ivr_deploy's menu (a JSON object) as a checked Menu

The tools list these arguments as plain strings, so the catalogue a model reads every turn stays
small; the grammar is read on request (the twiml_grammar tool), and a value that does not fit comes
back with the grammar of the parts that went wrong, as ordered remediation.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import cache
from typing import Any

from pydantic import BaseModel, TypeAdapter, ValidationError

from skill.core import twiml_build
from skill.core.display import escape_text
from skill.core.ivr import Menu, MenuAction, MenuNode, MenuOption
from skill.errors import InputError
from skill.records.twiml import GrammarField, GrammarPart

MAX_VERBS = 100
VERBS_IN = "twiml_build verbs"
MENU_IN = "ivr_build and ivr_deploy menu"
MESSAGING_VERBS = frozenset({"Message", "Redirect"})
MENU_PARTS: dict[str, tuple[type[BaseModel], str]] = {
    "menu": (Menu, "The whole menu: where it is served, its nodes, the first node, retries."),
    "node": (MenuNode, "One step of the menu: a prompt, then options (a menu) or an action (an end)."),
    "option": (MenuOption, "A choice at a menu node: keys (and words) that lead to another node."),
    "action": (MenuAction, "What ends the call at a node: dial, enqueue, voicemail or hangup."),
}
# The model name a nested field refers to, as the part that describes it.
PART_OF_MODEL = {model.__name__: part for part, (model, _) in MENU_PARTS.items()}
EXAMPLES: dict[str, Any] = {
    "Say": {"verb": "Say", "text": "Welcome to Acme.", "voice": "Polly.Joanna"},
    "Play": {"verb": "Play", "url": "https://example.com/hold.mp3", "loop": 2},
    "Pause": {"verb": "Pause", "length": 2},
    "Gather": {
        "verb": "Gather",
        "num_digits": 1,
        "action": "https://example.com/menu",
        "verbs": [{"verb": "Say", "text": "Press 1 for sales."}],
    },
    "Dial": {"verb": "Dial", "numbers": ["+14155550100"], "timeout": 20},
    "Record": {"verb": "Record", "action": "https://example.com/recorded", "max_length": 120},
    "Enqueue": {"verb": "Enqueue", "queue": "support"},
    "Redirect": {"verb": "Redirect", "url": "https://example.com/next"},
    "Hangup": {"verb": "Hangup"},
    "Reject": {"verb": "Reject", "reason": "busy"},
    "Message": {"verb": "Message", "body": "Thanks, we got it."},
    "menu": {
        "base_url": "https://hooks.example.com/twilio/voice/ivr",
        "start": "main",
        "nodes": [
            {"id": "main", "prompt": "Press 1 for sales.", "options": [{"digits": "1", "goto": "sales"}]},
            {"id": "sales", "prompt": "Connecting you.", "action": {"kind": "dial", "number": "+14155550100"}},
        ],
    },
    "node": {"id": "main", "prompt": "Press 1 for sales.", "options": [{"digits": "1", "goto": "sales"}]},
    "option": {"digits": "1", "speech": "sales", "goto": "sales"},
    "action": {"kind": "voicemail", "max_length": 120},
}
VERB_NAMES = tuple(model.__name__ for model in twiml_build.VERB_MODELS)
PARTS: tuple[str, ...] = (*VERB_NAMES, *MENU_PARTS)
_VERBS = TypeAdapter(list[twiml_build.Verb])


def _kind_of(prop: dict[str, Any]) -> str:
    """A property's type and bounds in words, e.g. 'integer 1-600' or 'one of: GET, POST'."""
    options = [option for option in prop.get("anyOf", [prop]) if option.get("type") != "null"]
    prop = {**options[0], **{key: value for key, value in prop.items() if key != "anyOf"}} if options else prop
    if "$ref" in prop:
        name = prop["$ref"].rsplit("/", 1)[-1]
        return f"{PART_OF_MODEL.get(name, name)} object"
    if "enum" in prop:
        return "one of: " + ", ".join(str(value) for value in prop["enum"])
    kind = str(prop.get("type", "any"))
    if kind == "array":
        items = prop.get("items", {})
        inner = _kind_of(items) if items.get("type") != "object" or "$ref" in items else "verb object"
        return f"array of {inner}" + (f", up to {prop['maxItems']} items" if "maxItems" in prop else "")
    if "minimum" in prop or "maximum" in prop:
        return f"{kind} {prop.get('minimum', '')}-{prop.get('maximum', '')}"
    if "pattern" in prop:
        return f"{kind} matching {prop['pattern']}"
    if "maxLength" in prop:
        return f"{kind} up to {prop['maxLength']} chars"
    return kind


def _fields(model: type[BaseModel], skip: Sequence[str] = ()) -> list[GrammarField]:
    schema = model.model_json_schema(by_alias=True)
    required = set(schema.get("required", []))
    fields = []
    for name, prop in schema.get("properties", {}).items():
        if name in skip:
            continue
        default = prop.get("default")
        fields.append(
            GrammarField(
                name=name,
                kind=f'"{prop["const"]}"' if "const" in prop else _kind_of(prop),
                required=name in required,
                description="Names the verb." if "const" in prop else str(prop.get("description", "")),
                default=json.dumps(default) if default not in (None, []) else None,
            )
        )
    return sorted(fields, key=lambda field: not field.required)


@cache
def grammar(part: str) -> GrammarPart:
    """One verb or menu part: what it does, its fields, and an example.

    Raises:
        KeyError: no such part (the tool's input allows only PARTS).
    """
    example = json.dumps(EXAMPLES[part], separators=(",", ":"))
    if part in MENU_PARTS:
        model, description = MENU_PARTS[part]
        # A menu's name is the tools' own `name` argument.
        fields = _fields(model, skip=("name",) if part == "menu" else ())
        return GrammarPart(part=part, used_in=MENU_IN, description=description, fields=fields, example=example)
    verb_model = twiml_build.VERB_MODELS[VERB_NAMES.index(part)]
    kind = "voice and messaging" if part == "Redirect" else "messaging" if part in MESSAGING_VERBS else "voice"
    description = str(verb_model.model_fields["verb"].description or "")
    return GrammarPart(
        part=part, used_in=f"{VERBS_IN} ({kind})", description=description, fields=_fields(verb_model), example=example
    )


def grammar_text(part: str) -> str:
    """One part's grammar on one line, as an error's remediation gives it."""
    found = grammar(part)
    fields = "; ".join(
        f"{field.name} ({field.kind}{', required' if field.required else ''}): {field.description.rstrip('.')}"
        for field in found.fields
    )
    return f"{part}: {found.description} Fields: {fields}. Example: {found.example}"


def _where(prefix: str, loc: Sequence[int | str]) -> str:
    """A validation error's location as a path, without the union tags pydantic adds (e.g. 'Say')."""
    path = prefix
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        elif part not in VERB_NAMES:
            path += f".{escape_text(part, 64)}"  # an unknown key is the agent's own text
    return path


def _loaded(text: str | Any, what: str, expected: type, example: str) -> Any:
    """The JSON value of an argument (given as text, or already as JSON).

    Raises:
        InputError: input.invalid when it is not JSON of the expected kind.
    """
    value = text
    if isinstance(text, str):
        try:
            value = json.loads(text)
        except ValueError as exc:
            raise InputError(
                f"{what} is not valid JSON ({exc}).",
                code="input.invalid",
                remediation=[f"Pass {what} as JSON text, e.g. {example}"],
            ) from None
    if not isinstance(value, expected):
        shape = "array ([...])" if expected is list else "object ({...})"
        raise InputError(
            f"{what} must be a JSON {shape}.", code="input.invalid", remediation=[f"For example: {example}"]
        )
    return value


def parse_verbs(text: str | Any) -> list[twiml_build.Verb]:
    """twiml_build's verbs, checked against the grammar.

    Raises:
        InputError: input.invalid naming every problem, with the grammar of each verb concerned.
    """
    example = json.dumps([EXAMPLES["Say"], EXAMPLES["Hangup"]], separators=(",", ":"))
    raw = _loaded(text, "verbs", list, example)
    if len(raw) > MAX_VERBS:
        raise InputError(
            f"verbs has {len(raw)} items; at most {MAX_VERBS} fit one document.",
            code="input.invalid",
            remediation=["Split the flow into several documents joined by Redirect verbs."],
        )
    try:
        return _VERBS.validate_python(raw)
    except ValidationError as exc:
        problems = exc.errors(include_url=False)
        named = [str(part) for item in problems for part in item["loc"] if part in VERB_NAMES]
        steps = [grammar_text(part) for part in dict.fromkeys(named)]
        if not steps:
            steps = [f"Each verb is an object naming its verb: one of {', '.join(VERB_NAMES)}."]
        raise InputError(
            "verbs do not fit the TwiML grammar: "
            + "; ".join(f"{_where('verbs', item['loc'])}: {item['msg']}" for item in problems)[:2000],
            code="input.invalid",
            remediation=[*steps, "twiml_grammar gives any verb's fields; fix the verbs listed and call again."],
        ) from None


def _menu_part(loc: Sequence[int | str]) -> str:
    """The menu part a validation error's location is in."""
    part = "menu"
    for key in loc:
        part = {"nodes": "node", "options": "option", "action": "action"}.get(str(key), part)
    return part


def parse_menu(name: str, text: str | Any) -> Menu:
    """ivr_build's and ivr_deploy's menu, checked against the grammar; `name` is the menu's name.

    Raises:
        InputError: input.invalid_menu naming every problem, with the grammar of each part concerned.
    """
    raw = _loaded(text, "menu", dict, json.dumps(EXAMPLES["menu"], separators=(",", ":")))
    try:
        return Menu.model_validate({**raw, "name": name})
    except ValidationError as exc:
        problems = exc.errors(include_url=False)
        parts = dict.fromkeys(_menu_part(item["loc"]) for item in problems)
        raise InputError(
            "The menu does not fit the grammar: "
            + "; ".join(f"{_where('menu', item['loc'])}: {item['msg']}" for item in problems)[:2000],
            code="input.invalid_menu",
            remediation=[*(grammar_text(part) for part in parts), "Fix the fields listed and call again."],
        ) from None
