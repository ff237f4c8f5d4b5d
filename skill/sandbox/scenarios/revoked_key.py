"""revoked-key-20003: a key was revoked yesterday while the billing worker still used it; every
request the worker makes fails with 401/20003."""

from __future__ import annotations

from typing import TYPE_CHECKING

from skill.sandbox.scenarios import Scenario, Staged
from skill.sandbox.scenarios.seeding import add_alert
from skill.sandbox.state import make_sid

if TYPE_CHECKING:
    from skill.sandbox.app import Sandbox


def stage(sandbox: Sandbox) -> Staged:
    revoked = make_sid("SK", "scenario", "billing-worker")
    url = f"https://api.twilio.com/2010-04-01/Accounts/{sandbox.state.parent_sid()}/Messages.json"
    for index, minutes in enumerate((2, 7, 12, 17, 22, 27)):
        add_alert(
            sandbox.state,
            f"revoked-key-{index}",
            "20003",
            minutes,
            f"Authentication Error - API key {revoked} does not exist or was revoked",
            url=url,
            status=401,
            body='{"code": 20003, "message": "Authenticate", "status": 401}',
        )
    return Staged(
        arguments={"error_code": "20003", "key_sid": revoked, "service_name": "billing worker"},
        seeded=(
            f"API key {revoked} revoked yesterday (no longer listed)",
            "6 alerts 20003 in the last half hour, each naming that key",
        ),
    )


def deploy(sandbox: Sandbox) -> str:
    return "The operator put the new key in the billing worker's secrets and restarted it."


SCENARIO = Scenario(
    name="revoked-key-20003",
    runbook="auth-failures",
    summary="A worker still uses an API key revoked yesterday: every request fails 401/20003.",
    stage=stage,
    operator={"deploy_new_key": deploy},
)
