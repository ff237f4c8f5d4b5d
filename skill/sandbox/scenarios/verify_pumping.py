"""verify-pumping: a script requests codes for sequential premium-rate numbers through the public
sign-up form overnight; Fraud Guard blocks most (60410), some got through and were billed."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import quote

from skill.sandbox.scenarios import Scenario, Staged
from skill.sandbox.scenarios.seeding import add_alert
from skill.sandbox.state import make_sid

if TYPE_CHECKING:
    from skill.sandbox.app import Sandbox

PREFIXES = ("+88213", "+23276")


def stage(sandbox: Sandbox) -> Staged:
    service = make_sid("VA", "seed", "verify")
    url = f"https://verify.twilio.com/v2/Services/{service}/Verifications"
    for index in range(36):
        to = f"{PREFIXES[index % 2]}{5550100 + index}"
        add_alert(
            sandbox.state,
            f"pumping-{index}",
            "60410",
            5 + index * 3,
            "Verification delivery attempt blocked by Fraud Guard: suspected SMS pumping",
            url=url,
            status=403,
            body='{"code": 60410, "message": "Verification delivery attempt blocked", "status": 403}',
            request_variables=f"To={quote(to)}&Channel=sms",
            resource_sid=service,
        )
    return Staged(
        arguments={
            "service_name": "Sandbox login",
            "error_code": "60410",
            "suspect_prefix": "88213",
            "real_user": "+14155550167",
            "unserved_number": "+12045550168",
        },
        seeded=(
            f"36 alerts 60410 over the last 2 hours: sequential numbers under {' and '.join(PREFIXES)}",
            "the Verify service 'Sandbox login' has Fraud Guard on and every country allowed",
        ),
    )


def restrict_geo(sandbox: Sandbox) -> str:
    sandbox.state.verify_geo_allowed = {"US"}
    return "The operator limited Verify geo permissions to the US, the one country served, and added a bot check."


SCENARIO = Scenario(
    name="verify-pumping",
    runbook="verify-abuse",
    summary="Sequential premium-rate numbers request codes overnight: Fraud Guard blocks them (60410).",
    stage=stage,
    operator={"restrict_geo_permissions": restrict_geo},
)
