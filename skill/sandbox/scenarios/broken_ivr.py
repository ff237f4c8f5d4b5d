"""broken-ivr: the support line's menu document has a misspelt verb inside its Gather and no path
for callers who press nothing, so callers hear silence and are cut off."""

from __future__ import annotations

from typing import TYPE_CHECKING

from skill.sandbox.scenarios import Scenario, Staged
from skill.sandbox.scenarios.hooks import BROKEN_IVR, set_hook
from skill.sandbox.scenarios.seeding import add_alert, number_sid

if TYPE_CHECKING:
    from skill.sandbox.app import Sandbox

PHONE = "+14155550142"


def stage(sandbox: Sandbox) -> Staged:
    state = sandbox.state
    menu = set_hook(sandbox, "ivr-main", "broken-ivr")
    set_hook(sandbox, "ivr-choice", "voice")
    state.numbers[number_sid(state, PHONE)]["voice_url"] = menu
    for index, minutes in enumerate((8, 25, 70)):
        add_alert(
            state,
            f"broken-ivr-{index}",
            "12200",
            minutes,
            "Schema validation warning: element 'Sya' is not allowed",
            url=menu,
            status=200,
            body=BROKEN_IVR,
            resource_sid=None,
        )
    return Staged(
        arguments={"phone_number": PHONE, "twiml_url": menu},
        seeded=(
            f"number {PHONE}: voice_url {menu}, a menu with <Sya> in its Gather and no no-input path",
            "3 alerts 12200 in the last 70 minutes with that document as the response body",
        ),
    )


def deploy_menu(sandbox: Sandbox) -> str:
    set_hook(sandbox, "ivr-main", "ivr-menu")
    return "The operator's app now serves the rebuilt menu at the same URL."


SCENARIO = Scenario(
    name="broken-ivr",
    runbook="ivr-twiml-review",
    summary="The IVR's first document has a misspelt verb and no no-input path (12200).",
    stage=stage,
    operator={"deploy_menu": deploy_menu},
)
