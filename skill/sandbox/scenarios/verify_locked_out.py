"""verify-max-sends: a customer whose codes were slow to arrive pressed "resend" five times in a few
minutes; the sixth request answers 60203 until the verification expires."""

from __future__ import annotations

from typing import TYPE_CHECKING

from skill.sandbox.scenarios import Scenario, Staged
from skill.sandbox.state import make_sid
from skill.sandbox.verify import make_code

if TYPE_CHECKING:
    from skill.sandbox.app import Sandbox

CUSTOMER = "+14155550166"


def stage(sandbox: Sandbox) -> Staged:
    state = sandbox.state
    service = make_sid("VA", "seed", "verify")
    now = state.clock.now()
    sid = make_sid("VE", "scenario", "locked-out")
    state.verifications[sid] = {
        "sid": sid,
        "service_sid": service,
        "account_sid": state.parent_sid(),
        "to": CUSTOMER,
        "channel": "sms",
        "status": "pending",
        "code": make_code(sid, 6),
        "locale": None,
        "sends": [
            {"attempt_sid": make_sid("VL", "scenario", i), "channel": "sms", "time": now - 240 + 40 * i}
            for i in range(5)
        ],
        "checks": 0,
        "created": now - 240,
        "updated": now - 80,
    }
    return Staged(
        arguments={"phone_number": CUSTOMER, "error_code": "60203", "service_sid": service},
        seeded=(f"a verification to {CUSTOMER} started 4 minutes ago, sent 5 times (the maximum)",),
    )


SCENARIO = Scenario(
    name="verify-max-sends",
    runbook="verify-locked-out-users",
    summary="A customer pressed resend five times: the next code request answers 60203 until expiry.",
    stage=stage,
)
