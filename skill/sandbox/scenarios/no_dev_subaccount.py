"""no-dev-subaccount: staging and production have subaccounts, development has none, so developers
test with the parent account's credentials."""

from __future__ import annotations

from typing import TYPE_CHECKING

from skill.sandbox.scenarios import Scenario, Staged
from skill.sandbox.scenarios.seeding import add_message

if TYPE_CHECKING:
    from skill.sandbox.app import Sandbox


def stage(sandbox: Sandbox) -> Staged:
    state = sandbox.state
    # The seeded estate has a dev subaccount; this incident is the one without it.
    for sid in [sid for sid, account in state.accounts.items() if account.get("friendly_name") == "dev"]:
        del state.accounts[sid]
    for index in range(3):
        add_message(
            sandbox.state, f"dev-test-{index}", "+15005550006", "+14155550123", "TEST please ignore", 90 + index
        )
    return Staged(
        arguments={"environments": "dev,staging,production", "missing_environment": "dev"},
        seeded=(
            "subaccounts for staging and production; none for dev",
            "3 'TEST please ignore' messages sent from the parent account",
        ),
    )


SCENARIO = Scenario(
    name="no-dev-subaccount",
    runbook="subaccount-per-environment",
    summary="Developers test with the parent account: no dev subaccount exists.",
    stage=stage,
)
