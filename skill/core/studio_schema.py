"""The local check of a Studio flow definition: catches structural mistakes before anything is sent.

It covers the shape (a states array whose widgets have name, type and transitions; initial_state)
with a JSON Schema, then what a schema cannot say: exactly one trigger widget, unique widget
names, transitions only to widgets that exist, initial_state naming one. Twilio's validator
checks more (widget types and their properties); studio_flow_validate asks it too.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from skill.records.studio import DefinitionProblem

MAX_PROBLEMS = 50
MAX_TEXT = 300
DEFINITION_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["states", "initial_state"],
    "properties": {
        "description": {"type": "string"},
        "initial_state": {"type": "string", "minLength": 1},
        "flags": {"type": "object"},
        "states": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["name", "type", "transitions"],
                "properties": {
                    "name": {"type": "string", "minLength": 1},
                    "type": {"type": "string", "minLength": 1},
                    "properties": {"type": "object"},
                    "transitions": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["event"],
                            "properties": {"event": {"type": "string"}, "next": {"type": "string"}},
                        },
                    },
                },
            },
        },
    },
}


@cache
def _validator() -> Any:
    import jsonschema  # type: ignore[import-untyped]

    return jsonschema.Draft202012Validator(DEFINITION_SCHEMA)


def _pointer(path: Any) -> str:
    """A JSON pointer like Twilio's property_path: '#/states/1/transitions/0/next'."""
    return "#" + "".join(f"/{part}" for part in path)


def definition_problems(definition: Any) -> list[DefinitionProblem]:
    """Every structural problem found; empty when none was found."""
    errors = sorted(_validator().iter_errors(definition), key=lambda e: [str(p) for p in e.absolute_path])
    # The graph checks need a well-formed shape, so they run only when the schema found nothing.
    found = [(_pointer(e.absolute_path), e.message) for e in errors] if errors else _graph_problems(definition)
    return [_local(path, message) for path, message in found[:MAX_PROBLEMS]]


def _local(path: str, message: str) -> DefinitionProblem:
    # Messages quote parts of the definition, which is the agent's: kept short.
    return DefinitionProblem(source="local", path=path[:MAX_TEXT], message=message[:MAX_TEXT])


def _graph_problems(definition: dict[str, Any]) -> list[tuple[str, str]]:
    """What a schema cannot say: one trigger, unique names, transitions and initial_state to widgets."""
    problems: list[tuple[str, str]] = []
    states: list[dict[str, Any]] = definition["states"]
    names = [state["name"] for state in states]
    triggers = [state["name"] for state in states if state["type"] == "trigger"]
    if len(triggers) != 1:
        found = ", ".join(triggers) or "none"
        problems.append(("#/states", f"A flow needs exactly one widget of type 'trigger' (found: {found})."))
    for index, name in enumerate(names):
        if names.index(name) != index:
            problems.append((f"#/states/{index}/name", f"Widget name {name!r} is used twice."))
    for index, state in enumerate(states):
        for t_index, transition in enumerate(state["transitions"]):
            target = transition.get("next")
            if target and target not in names:
                problems.append(
                    (
                        f"#/states/{index}/transitions/{t_index}/next",
                        f"Transition '{transition['event']}' of {state['name']!r} goes to unknown widget {target!r}.",
                    )
                )
    if definition["initial_state"] not in names:
        problems.append(("#/initial_state", f"initial_state {definition['initial_state']!r} is not a widget."))
    return problems
