"""Studio flow definitions as the sandbox judges and runs them.

Checked like Twilio's validator does: exactly one trigger, unique widget names, known widget types,
transitions to existing widgets, initial_state naming a widget. A run follows the trigger's
incomingRequest transition and then each widget's first outgoing transition, and stops at a widget
that waits for the contact (a reply, a call).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

WIDGET_TYPES = frozenset(
    {
        "trigger", "send-message", "send-and-wait-for-reply", "split-based-on", "set-variables",
        "make-http-request", "run-function", "say-play", "gather-input-on-call", "connect-call-to",
        "record-voicemail", "enqueue-call", "send-to-flex", "make-outgoing-call-v2", "run-subflow",
        "add-twiml-redirect", "capture-payments", "connect-virtual-agent", "fork-stream", "record-call",
    }
)  # fmt: skip
# Widgets that wait for the contact: an execution reaching one stays active.
WAITING_TYPES = frozenset({"send-and-wait-for-reply", "gather-input-on-call", "connect-call-to", "record-voicemail"})
MAX_STEPS = 50


def definition_failures(body: Any) -> list[dict[str, str]]:
    """Twilio-style validation failures of a flow definition; empty when it is valid."""
    if not isinstance(body, dict) or not isinstance(body.get("states"), list) or not body["states"]:
        return [{"message": "Flow definition must have a non-empty states array", "property_path": "#/states"}]
    failures: list[dict[str, str]] = []
    states = body["states"]
    names = [s.get("name") if isinstance(s, dict) else None for s in states]
    for index, item in enumerate(states):
        where = f"#/states/{index}"
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            failures.append({"message": "Widget must have a name", "property_path": where})
            continue
        if item.get("type") not in WIDGET_TYPES:
            failures.append({"message": f"Unknown widget type {item.get('type')!r}", "property_path": f"{where}/type"})
        if names.count(item["name"]) > 1:
            failures.append({"message": f"Widget name {item['name']!r} is not unique", "property_path": where})
        failures.extend(_transition_failures(item.get("transitions"), names, f"{where}/transitions"))
    if sum(1 for s in states if isinstance(s, dict) and s.get("type") == "trigger") != 1:
        failures.append({"message": "Flow must have exactly one Trigger widget", "property_path": "#/states"})
    if body.get("initial_state") not in names:
        failures.append({"message": "initial_state must name a widget", "property_path": "#/initial_state"})
    return failures


def _transition_failures(transitions: Any, names: list[Any], where: str) -> list[dict[str, str]]:
    """A widget's transitions must be a list of objects whose `next`, when set, names a widget."""
    if transitions is None:
        return []
    if not isinstance(transitions, list):
        return [{"message": "Widget transitions must be an array", "property_path": where}]
    failures: list[dict[str, str]] = []
    for index, transition in enumerate(transitions):
        if not isinstance(transition, dict):
            failures.append({"message": "Transition must be an object", "property_path": f"{where}/{index}"})
            continue
        target = transition.get("next")
        if target is not None and (not isinstance(target, str) or (target and target not in names)):
            failures.append(
                {"message": f"Transition to unknown widget {target!r}", "property_path": f"{where}/{index}/next"}
            )
    return failures


def run(
    body: dict[str, Any], http_fails: Callable[[str], bool] = lambda url: False
) -> tuple[list[tuple[str, str, str, str]], str]:
    """(event, from, to, widget type) per transition taken, and the final status. An HTTP Request
    widget whose URL `http_fails` takes its `failed` transition."""
    by_name = {s["name"]: s for s in body["states"]}
    current = next(s for s in body["states"] if s["type"] == "trigger")
    event = "incomingRequest"
    steps: list[tuple[str, str, str, str]] = []
    while len(steps) < MAX_STEPS:
        transitions = current.get("transitions") or []
        chosen = next((t for t in transitions if t.get("event") == event), None) if event else None
        chosen = chosen or next((t for t in transitions if t.get("next")), None)
        chosen = chosen or (transitions[0] if transitions else {"event": "complete"})
        # The validator does not insist on an event name; such a transition is recorded as "complete".
        name = str(chosen.get("event") or "complete")
        target = by_name.get(chosen.get("next") or "")
        if target is None:
            steps.append((name, current["name"], "Ended", current["type"]))
            return steps, "ended"
        steps.append((name, current["name"], target["name"], current["type"]))
        if target["type"] in WAITING_TYPES:
            return steps, "active"
        current, event = target, ""
        if target["type"] == "make-http-request" and http_fails(str((target.get("properties") or {}).get("url", ""))):
            event = "failed"
    return steps, "ended"
