"""studio-other-subaccount: the app starts a flow by SID with the parent account's credentials, but
the flow was built in the production subaccount; Studio answers 404 (20404)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from skill.sandbox.scenarios import Scenario, Staged
from skill.sandbox.scenarios.studio_http_500 import add_flow
from skill.sandbox.seed_studio import definition, trigger, widget
from skill.sandbox.state import make_sid

if TYPE_CHECKING:
    from skill.sandbox.app import Sandbox

NAME = "Delivery follow-up"


def stage(sandbox: Sandbox) -> Staged:
    production = make_sid("AC", "sub", "production")
    body = definition(
        NAME,
        [
            trigger("follow_up"),
            widget("follow_up", "send-message", [("sent", ""), ("failed", "")], body="Did your delivery arrive?"),
        ],
    )
    flow = add_flow(sandbox.state, "delivery-follow-up", NAME, body, production)
    return Staged(
        arguments={
            "flow_sid": flow,
            "flow_name": NAME,
            "flow_definition": json.dumps(body),
            "contact": "+14155550401",
            "sender": "+14155550142",
        },
        seeded=(
            f"flow {flow} '{NAME}' in the production subaccount {production}",
            "the app starts it with the parent account's credentials",
        ),
    )


SCENARIO = Scenario(
    name="studio-other-subaccount",
    runbook="studio-cross-account",
    summary="The app starts a flow that lives in another subaccount: Studio answers 404 (20404).",
    stage=stage,
)
