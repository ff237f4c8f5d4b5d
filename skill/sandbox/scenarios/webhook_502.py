"""webhook-502: the support line's SMS URL still points at a retired tunnel that answers 502, so
every incoming message ends in 11200; the app itself is healthy at its new address."""

from __future__ import annotations

from typing import TYPE_CHECKING

from skill.sandbox.scenarios import Scenario, Staged
from skill.sandbox.scenarios.hooks import set_hook
from skill.sandbox.scenarios.seeding import add_alert, number_sid

if TYPE_CHECKING:
    from skill.sandbox.app import Sandbox

PHONE = "+14155550142"


def stage(sandbox: Sandbox) -> Staged:
    state = sandbox.state
    stale = set_hook(sandbox, "old-tunnel-sms", "bad-gateway")
    app = set_hook(sandbox, "app-sms", "sms")
    state.numbers[number_sid(state, PHONE)]["sms_url"] = stale
    text = f"An attempt to retrieve content from {stale} returned the HTTP status code 502"
    for index, minutes in enumerate((3, 11, 26, 48)):
        add_alert(
            state,
            f"webhook-502-{index}",
            "11200",
            minutes,
            text,
            url=stale,
            status=502,
            body="<html><body>Bad Gateway</body></html>",
        )
    return Staged(
        arguments={"phone_number": PHONE, "error_code": "11200", "app_url": app},
        seeded=(
            f"number {PHONE}: sms_url {stale} (answers 502)",
            "4 alerts 11200 in the last hour, each naming that URL",
            f"the app's real endpoint {app} (answers TwiML)",
        ),
    )


SCENARIO = Scenario(
    name="webhook-502",
    runbook="webhook-failures",
    summary="A number's SMS URL points at a retired tunnel answering 502: 11200 on every message.",
    stage=stage,
)
