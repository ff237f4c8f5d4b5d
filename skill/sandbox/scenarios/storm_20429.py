"""api-429-storm: a bulk job fires requests with no concurrency cap; while it runs, Twilio's REST API
answers 429/20429 (this server's requests included) and Monitor logs the storm as alerts."""

from __future__ import annotations

from typing import TYPE_CHECKING

from skill.sandbox.scenarios import Scenario, Staged
from skill.sandbox.scenarios.seeding import add_alert

if TYPE_CHECKING:
    from skill.sandbox.app import Sandbox

RETRY_AFTER = 30  # longer than the gateway waits, so the 429 reaches the caller as it would in a storm


def stage(sandbox: Sandbox) -> Staged:
    url = f"https://api.twilio.com/2010-04-01/Accounts/{sandbox.state.parent_sid()}/Messages.json"
    for index in range(40):
        add_alert(
            sandbox.state,
            f"storm-{index}",
            "20429",
            1 + index * 0.5,
            "Too Many Requests: concurrency limit exceeded",
            url=url,
            status=429,
            body='{"code": 20429, "message": "Too Many Requests", "status": 429}',
        )
    sandbox.faults.retry_after = RETRY_AFTER
    sandbox.faults.rate_429 = 1.0
    sandbox.faults.hosts = ("api.twilio.com",)
    return Staged(
        arguments={"error_code": "20429", "workload": "nightly reminder batch"},
        seeded=(
            "40 alerts 20429 in the last 20 minutes, on the Messages endpoint",
            f"fault: every api.twilio.com request answers 429 (Retry-After {RETRY_AFTER}) until the job is capped",
        ),
    )


def cap_concurrency(sandbox: Sandbox) -> str:
    sandbox.faults.rate_429 = 0.0
    return "The operator capped the batch at 10 concurrent requests with backoff on 429 and redeployed it."


SCENARIO = Scenario(
    name="api-429-storm",
    runbook="rate-limiting",
    summary="A bulk job without a concurrency cap draws 20429 on every burst, this server included.",
    stage=stage,
    operator={"cap_concurrency": cap_concurrency},
)
