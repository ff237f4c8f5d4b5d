"""A runbook's machine-readable steps: which tool to call with which arguments, what to look for, and
a check a rehearsal can run on the result.

In the front matter:

    steps:
      - tool: alerts_list
        phase: diagnose
        args:
          error_code: "11200"
        save: alerts
        look_for: "11200 alerts naming the URL Twilio fetched"
        expect: "alerts.*.request_url contains /hooks/"
      - operator: redeploy_app
        phase: fix
        look_for: "The app validates with the subaccount's auth token"

An argument's value may name a prompt argument ({{phone_number}}) or an earlier step's result by
its `save` name and a dotted path (${alerts.alerts.0.resource_sid}); `*` in a path takes every
item of a list. `wait: "5"` lets five seconds pass before the step. An `operator` step is an
action only a person can take (an app's configuration, a key's scopes); a rehearsal plays it from
the scenario; `gated: true` marks a call that waits for an operator's approval. `expect` is
`PATH OP VALUE` with OP one of ==, !=, contains, >=, <=, or `PATH is empty` / `PATH is not
empty`; a path that reaches several values holds when any of them does (`is empty` and `!=` when
none does, so also when it reaches nothing).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from skill.errors import ConfigError
from skill.server.prompts import PLACEHOLDER

PHASES = ("diagnose", "fix", "confirm")
STEP_KEYS = frozenset({"tool", "operator", "phase", "args", "save", "look_for", "expect", "gated", "wait"})
REFERENCE = re.compile(r"\$\{([a-z][a-z0-9_]*)((?:\.[A-Za-z0-9_*-]+)*)\}")
_EXPECT = re.compile(
    r"^(?P<path>[A-Za-z0-9_.*-]+)\s+(?P<op>==|!=|contains|>=|<=|is not empty|is empty)(?:\s+(?P<value>.+))?$"
)
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


@dataclass(frozen=True)
class Step:
    number: int
    phase: str
    look_for: str
    tool: str | None = None  # an MCP tool the agent calls
    operator: str | None = None  # or an action a person takes outside the tools
    args: tuple[tuple[str, Any], ...] = ()
    save: str | None = None
    expect: str | None = None
    gated: bool = False  # the call opens an approval request before it runs
    wait: float = 0.0  # seconds to let pass first (a message or call moving through its statuses)

    @property
    def arguments(self) -> dict[str, Any]:
        return dict(self.args)


def _bad(where: str, why: str) -> ConfigError:
    return ConfigError(
        f"Runbook steps {where}: {why}.",
        code="config.prompt_invalid",
        remediation=["Each step names a tool or an operator action, a phase and what to look for."],
    )


def parse_steps(raw: Any, where: str = "(text)") -> tuple[Step, ...]:
    """The steps of a front matter's `steps:` list, checked for shape (not against the registry).

    Raises:
        ConfigError: a step is malformed, refers to a result not saved before it, or has a bad check.
    """
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise _bad(where, "'steps' must be a list")
    steps: list[Step] = []
    saved: set[str] = set()
    for number, item in enumerate(raw, start=1):
        at = f"{where} step {number}"
        if not isinstance(item, dict):
            raise _bad(at, "a step is a mapping")
        unknown = sorted(set(item) - STEP_KEYS)
        if unknown:
            raise _bad(at, f"unknown key(s) {', '.join(unknown)}")
        tool, operator = item.get("tool"), item.get("operator")
        if (tool is None) == (operator is None):
            raise _bad(at, "name exactly one of 'tool' and 'operator'")
        name = tool if tool is not None else operator
        if not isinstance(name, str) or not _NAME.match(name):
            raise _bad(at, f"{name!r} is not a tool or action name")
        phase = item.get("phase")
        if phase not in PHASES:
            raise _bad(at, f"'phase' must be one of {', '.join(PHASES)}")
        look_for = item.get("look_for")
        if not isinstance(look_for, str) or not look_for.strip():
            raise _bad(at, "'look_for' must say what to look for")
        args = item.get("args") or {}
        if not isinstance(args, dict) or (operator is not None and args):
            raise _bad(at, "'args' is a mapping, for tool steps only")
        for value in args.values():
            for ref, _ in REFERENCE.findall(str(value)):
                if ref not in saved:
                    raise _bad(at, f"${{{ref}...}} names no result saved by an earlier step")
        expect = item.get("expect")
        if expect is not None and (not isinstance(expect, str) or not _EXPECT.match(expect.strip())):
            raise _bad(at, f"'expect' must read 'PATH OP VALUE', got {expect!r}")
        save = item.get("save")
        if save is not None:
            if not isinstance(save, str) or not _NAME.match(save) or tool is None:
                raise _bad(at, "'save' names a tool step's result in snake_case")
            saved.add(save)
        gated = item.get("gated", False)
        if not isinstance(gated, bool):
            raise _bad(at, "'gated' is true or false")
        wait = item.get("wait", "0")
        try:
            seconds = float(wait)
        except (TypeError, ValueError):
            seconds = -1.0
        if not 0 <= seconds <= 3600:
            raise _bad(at, "'wait' is a number of seconds from 0 to 3600, quoted")
        steps.append(
            Step(
                number=number,
                phase=phase,
                look_for=look_for.strip(),
                tool=tool,
                operator=operator,
                args=tuple(args.items()),
                save=save,
                expect=expect.strip() if isinstance(expect, str) else None,
                gated=gated,
                wait=seconds,
            )
        )
    return tuple(steps)


def collect(data: Any, path: str) -> list[Any]:
    """Every value at a dotted path; `*` fans out over a list, a number indexes one."""
    found = [data]
    for part in path.split(".") if path else []:
        following: list[Any] = []
        for value in found:
            if part == "*" and isinstance(value, list):
                following.extend(value)
            elif isinstance(value, dict) and part in value:
                following.append(value[part])
            elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
                following.append(value[int(part)])
        found = following
    return found


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _text(value: Any) -> str:
    """A value as a check compares it: JSON's spelling for booleans and null."""
    if isinstance(value, bool) or value is None:
        return {True: "true", False: "false", None: "null"}[value]
    return str(value)


def _number(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def holds(expect: str, data: Any) -> bool:
    """Whether a step's check holds on its result (the structured content of the tool's answer)."""
    match = _EXPECT.match(expect.strip())
    if match is None:
        return False
    values = collect(data, match["path"])
    op, wanted = match["op"], (match["value"] or "").strip().strip('"')
    if op == "is empty":
        return all(_empty(value) for value in values)
    if op == "is not empty":
        return any(not _empty(value) for value in values)
    if op == "==":
        return any(_text(value) == wanted for value in values)
    if op == "!=":
        return all(_text(value) != wanted for value in values)
    if op == "contains":
        return any(wanted in str(value) for value in values)
    bound = _number(wanted)
    numbers = [n for n in (_number(value) for value in values) if n is not None]
    if bound is None:
        return False
    return any(n >= bound for n in numbers) if op == ">=" else any(n <= bound for n in numbers)


def fill(value: Any, arguments: dict[str, str], results: dict[str, Any]) -> Any:
    """A step argument with its {{prompt arguments}} and ${earlier.results} put in. A value that is a
    single reference keeps the referenced value's type.

    Raises:
        LookupError: a reference reaches nothing in the saved results.
    """
    if not isinstance(value, str):
        return value

    def lookup(name: str, path: str) -> Any:
        found = collect(results.get(name), path.lstrip("."))
        if name not in results or not found:
            raise LookupError(f"${{{name}{path}}} reaches nothing in the results so far")
        return found[0]

    whole = REFERENCE.fullmatch(value)
    if whole:
        return lookup(whole.group(1), whole.group(2))
    text = PLACEHOLDER.sub(lambda m: arguments.get(m.group(1), ""), value)
    return REFERENCE.sub(lambda m: str(lookup(m.group(1), m.group(2))), text)


def _types(schema: dict[str, Any]) -> set[str]:
    kinds = {schema["type"]} if isinstance(schema.get("type"), str) else set(schema.get("type") or ())
    for option in schema.get("anyOf", ()):
        kinds |= _types(option)
    return kinds


def coerce(value: Any, schema: dict[str, Any]) -> Any:
    """A front-matter string as the JSON type the tool's input schema wants (front matter numbers are
    quoted, so YAML and our reader agree on them; a list is written comma-separated, an object as JSON)."""
    if not isinstance(value, str):
        return value
    kinds = _types(schema)
    if "object" in kinds and "string" not in kinds and value.lstrip().startswith("{"):
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    if "array" in kinds and "string" not in kinds:
        return [part.strip() for part in value.split(",") if part.strip()]
    if "string" in kinds:
        return value
    if "integer" in kinds and re.fullmatch(r"-?\d+", value):
        return int(value)
    if "number" in kinds and _number(value) is not None:
        return float(value)
    if "boolean" in kinds and value in ("true", "false"):
        return value == "true"
    return value


def problems(steps: tuple[Step, ...], schemas: dict[str, dict[str, Any]], tools: tuple[str, ...]) -> list[str]:
    """What is wrong with these steps against the registry's input schemas (tool name -> JSON schema)
    and the runbook's own `tools:` list; empty when nothing is."""
    found: list[str] = []
    for step in steps:
        if step.tool is None:
            continue
        schema = schemas.get(step.tool)
        if schema is None:
            found.append(f"step {step.number}: no tool named {step.tool}")
            continue
        if step.tool not in tools:
            found.append(f"step {step.number}: {step.tool} is not in the runbook's tools list")
        properties = schema.get("properties", {})
        for name in step.arguments:
            if name not in properties:
                found.append(f"step {step.number}: {step.tool} has no argument {name}")
            elif name == "approval_id":
                found.append(f"step {step.number}: approval_id comes from the operator, not the runbook")
        missing = [name for name in schema.get("required", ()) if name not in step.arguments]
        if missing:
            found.append(f"step {step.number}: {step.tool} needs {', '.join(missing)}")
    return found
