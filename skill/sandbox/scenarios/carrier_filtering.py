"""carrier-filtering-30007: a carrier filters every message to one destination prefix that carries a
public link shortener; the same sender delivers elsewhere, and a branded link goes through."""

from __future__ import annotations

from typing import TYPE_CHECKING

from skill.sandbox.scenarios import Scenario, Staged
from skill.sandbox.scenarios.seeding import add_message

if TYPE_CHECKING:
    from skill.sandbox.app import Sandbox

SENDER = "+14155550142"
PREFIX = "+1312555"  # the destinations one carrier serves in the drill
SHORTENERS = ("bit.ly/", "tinyurl.com/")
FILTERED = ("undelivered", 30007, "Message filtered by the carrier")
SHORT_BODY = "FLASH SALE!!! 50% off today only: bit.ly/3xYz9"
BRANDED_BODY = "Acme Shoes: your spring offer is at https://acme.example.com/spring. Reply STOP to opt out."


def filtered(sender: str | None, to: str, body: str) -> tuple[str, int, str] | None:
    return FILTERED if to.startswith(PREFIX) and any(short in body for short in SHORTENERS) else None


def stage(sandbox: Sandbox) -> Staged:
    state = sandbox.state
    for index in range(6):
        to = f"{PREFIX}{index + 1:04d}"
        add_message(state, f"carrier-filtered-{index}", SENDER, to, SHORT_BODY, 30 + index * 7, FILTERED)
    for index in range(4):
        to = f"+1646555{index + 1:04d}"
        add_message(state, f"carrier-delivered-{index}", SENDER, to, SHORT_BODY, 32 + index * 7)
    state.delivery_rules.append(filtered)
    return Staged(
        arguments={
            "error_code": "30007",
            "from_number": SENDER,
            "since": "last 2 hours",
            "revised_body": BRANDED_BODY,
        },
        seeded=(
            f"6 messages from {SENDER} to {PREFIX}xxxx undelivered with 30007, each with a bit.ly link",
            "4 messages with the same body to +1646555xxxx delivered",
            f"rule: messages to {PREFIX}xxxx carrying a public link shortener are filtered (30007)",
        ),
    )


SCENARIO = Scenario(
    name="carrier-filtering-30007",
    runbook="carrier-delivery-failures",
    summary="One carrier filters messages with a link shortener to the +1312555 prefix: 30007.",
    stage=stage,
)
