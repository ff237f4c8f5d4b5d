"""sender-onboarding: a local number bought for appointment reminders sits outside every Messaging
Service, so it has no A2P 10DLC registration yet; nothing has been sent from it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from skill.sandbox.scenarios import Scenario, Staged
from skill.sandbox.scenarios.seeding import add_number
from skill.sandbox.state import make_sid

if TYPE_CHECKING:
    from skill.sandbox.app import Sandbox

NUMBER = "+14155550188"


def stage(sandbox: Sandbox) -> Staged:
    add_number(sandbox.state, NUMBER, "Appointment reminders", 1)
    return Staged(
        arguments={"phone_number": NUMBER, "use_case": "appointment reminders (account notifications)"},
        seeded=(
            f"number {NUMBER} bought yesterday, in no Messaging Service (unregistered)",
            f"service {make_sid('MG', 'seed', 'service')} has a VERIFIED ACCOUNT_NOTIFICATION campaign",
        ),
    )


SCENARIO = Scenario(
    name="sender-onboarding",
    runbook="us-sender-registration",
    summary="A new local number is in no registered Messaging Service yet: onboard it before sending.",
    stage=stage,
)
