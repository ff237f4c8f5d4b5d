"""unregistered-10dlc-30034: a number bought for a campaign sends before it joined a registered
Messaging Service; US carriers block every message (30034) until it does."""

from __future__ import annotations

from typing import TYPE_CHECKING

from skill.sandbox.magic import is_north_america_toll_free
from skill.sandbox.scenarios import Scenario, Staged
from skill.sandbox.scenarios.seeding import add_message, add_number, registered_senders
from skill.sandbox.state import make_sid

if TYPE_CHECKING:
    from skill.sandbox.app import Sandbox

SENDER = "+14155550177"
BLOCKED = ("failed", 30034, "US A2P 10DLC - Message from an Unregistered Number")
BODY = "Acme Shoes: your order has shipped. Track it at https://acme.example.com/t/1. Reply STOP to opt out."


def stage(sandbox: Sandbox) -> Staged:
    state = sandbox.state
    add_number(state, SENDER, "Order updates", 2)

    def unregistered(sender: str | None, to: str, body: str) -> tuple[str, int, str] | None:
        us_long_code = bool(sender) and str(sender).startswith("+1") and not is_north_america_toll_free(str(sender))
        return BLOCKED if us_long_code and to.startswith("+1") and sender not in registered_senders(state) else None

    state.delivery_rules.append(unregistered)
    for index in range(5):
        add_message(state, f"unregistered-{index}", SENDER, f"+1415555{index + 300:04d}", BODY, 20 + 9 * index, BLOCKED)
    return Staged(
        arguments={
            "error_code": "30034",
            "from_number": SENDER,
            "service_sid": make_sid("MG", "seed", "service"),
            "test_recipient": "+14155550300",
        },
        seeded=(
            f"number {SENDER} bought 2 days ago, in no Messaging Service",
            "5 messages from it failed with 30034 in the last hour",
            "rule: US long codes outside a verified campaign's service are blocked (30034)",
        ),
    )


SCENARIO = Scenario(
    name="unregistered-10dlc-30034",
    runbook="unregistered-sender-blocks",
    summary="A new 10DLC number sends outside any registered campaign: every message fails 30034.",
    stage=stage,
)
