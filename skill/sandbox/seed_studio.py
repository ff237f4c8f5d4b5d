"""The sandbox's seeded Studio flows: reminders (draft, published, then a draft edit) and a survey."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from skill.config import SANDBOX_ACCOUNT_SID
from skill.sandbox.state import make_sid

if TYPE_CHECKING:
    from skill.sandbox.state import SandboxState


def widget(name: str, kind: str, transitions: list[tuple[str, str]], **properties: Any) -> dict[str, Any]:
    return {
        "name": name,
        "type": kind,
        "transitions": [{"event": event, **({"next": target} if target else {})} for event, target in transitions],
        "properties": properties,
    }


def trigger(first_widget: str) -> dict[str, Any]:
    return widget(
        "Trigger",
        "trigger",
        [("incomingMessage", ""), ("incomingCall", ""), ("incomingRequest", first_widget)],
        offset={"x": 0, "y": 0},
    )


def definition(description: str, states: list[dict[str, Any]]) -> dict[str, Any]:
    return {"description": description, "states": states, "initial_state": "Trigger", "flags": {}}


def seed_flows(state: SandboxState) -> None:
    """Two flows: reminders (draft, then published, then a draft edit) and a published survey."""
    now = state.clock.now()
    reminder = definition(
        "Appointment reminder",
        [
            trigger("send_reminder"),
            widget("send_reminder", "send-message", [("sent", ""), ("failed", "")], body="See you tomorrow."),
        ],
    )
    reminder_v3 = definition(
        "Appointment reminder with confirmation",
        [
            trigger("ask_confirm"),
            widget("ask_confirm", "send-and-wait-for-reply", [("incomingMessage", ""), ("timeout", "")], body="Y/N?"),
        ],
    )
    survey = definition(
        "Satisfaction survey",
        [
            trigger("ask_score"),
            widget("ask_score", "send-and-wait-for-reply", [("incomingMessage", "thanks"), ("timeout", "")]),
            widget("thanks", "send-message", [("sent", ""), ("failed", "")], body="Thank you!"),
        ],
    )
    reminder_revisions = [("draft", reminder), ("published", reminder), ("draft", reminder_v3)]
    for key, name, revisions, age in (
        ("reminders", "Appointment reminders", reminder_revisions, 60),
        ("survey", "Satisfaction survey", [("published", survey)], 30),
    ):
        sid = make_sid("FW", "seed", key)
        flow: dict[str, Any] = {
            "sid": sid,
            "account_sid": SANDBOX_ACCOUNT_SID,
            "created": now - 86400 * age,
            "updated": now - 86400 * (age - len(revisions)),
            "revisions": [],
        }
        for number, (status, body) in enumerate(revisions, start=1):
            flow["revisions"].append(
                {
                    "revision": number,
                    "friendly_name": name,
                    "status": status,
                    "definition": body,
                    "commit_message": f"Revision {number}",
                    "created": now - 86400 * (age - number),
                }
            )
        state.flows[sid] = flow
