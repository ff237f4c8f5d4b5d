"""sendgrid-bounces: a campaign to an old list bounced hard and drew spam reports; one customer whose
mailbox was full is suppressed, and asks why the receipts stopped."""

from __future__ import annotations

from typing import TYPE_CHECKING

from skill.sandbox.scenarios import Scenario, Staged

if TYPE_CHECKING:
    from skill.sandbox.app import Sandbox

CUSTOMER = "dana@acme-customers.example"


def stage(sandbox: Sandbox) -> Staged:
    state = sandbox.sendgrid
    now = int(state.clock.now())
    bounces = state.suppressions["bounces"]
    for index in range(12):
        email = f"old-list-{index:02d}@acme-customers.example"
        bounces[email] = {
            "created": now - 3600 - index * 60,
            "email": email,
            "reason": "550 5.1.1 User unknown",
            "status": "5.1.1",
        }
    bounces[CUSTOMER] = {
        "created": now - 86400 * 3,
        "email": CUSTOMER,
        "reason": "552 5.2.2 Mailbox full",
        "status": "5.2.2",
    }
    for index in range(3):
        email = f"reader-{index}@acme-customers.example"
        state.suppressions["spam_reports"][email] = {
            "created": now - 1800 - index * 60,
            "email": email,
            "ip": "192.0.2.20",
        }
    return Staged(
        arguments={
            "symptom": "receipts stopped reaching a customer; bounces up",
            "recipient": CUSTOMER,
            "sending_domain": "acme.example",
            "from_address": "receipts@acme.example",
        },
        seeded=(
            "12 hard bounces (5.1.1) from an old list in the last hour",
            "3 spam reports in the last hour",
            f"{CUSTOMER} suppressed 3 days ago after a full mailbox (5.2.2), since emptied",
        ),
    )


SCENARIO = Scenario(
    name="sendgrid-bounces",
    runbook="sendgrid-deliverability",
    summary="An old list bounced hard and drew spam reports; a real customer sits on the bounce list.",
    stage=stage,
)
