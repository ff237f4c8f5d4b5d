"""optout-not-honoured: a customer texted STOP; Twilio refuses every send to them (21610), but the
app's list never learnt it and keeps trying from the support line."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import quote

from skill.sandbox.scenarios import Scenario, Staged
from skill.sandbox.scenarios.seeding import add_alert

if TYPE_CHECKING:
    from skill.sandbox.app import Sandbox

SENDER = "+14155550142"
OPTED_OUT = "+15005550004"  # Twilio's magic unsubscribed recipient: sends to it answer 21610


def stage(sandbox: Sandbox) -> Staged:
    url = f"https://api.twilio.com/2010-04-01/Accounts/{sandbox.state.parent_sid()}/Messages.json"
    for index, hours in enumerate((1, 5, 9, 20)):
        add_alert(
            sandbox.state,
            f"optout-{index}",
            "21610",
            hours * 60,
            "Attempt to send to unsubscribed recipient",
            url=url,
            status=400,
            body='{"code": 21610, "message": "Attempt to send to unsubscribed recipient", "status": 400}',
            request_variables=f"To={quote(OPTED_OUT)}&From={quote(SENDER)}&Body=Weekly+deals",
        )
    return Staged(
        arguments={"sender": SENDER, "phone_number": OPTED_OUT, "since": "last 24 hours"},
        seeded=(
            f"4 alerts 21610 in the last day: sends from {SENDER} to {OPTED_OUT}, who texted STOP",
            "the local opt-out list does not have the number",
        ),
    )


SCENARIO = Scenario(
    name="optout-not-honoured",
    runbook="opt-out-audit",
    summary="A customer texted STOP; the app keeps sending and Twilio refuses each one (21610).",
    stage=stage,
)
