"""sendgrid-key-scopes: the SendGrid key was recreated as a restricted key without Mail Send, so
every send answers 403 while reads still work."""

from __future__ import annotations

from typing import TYPE_CHECKING

from skill.config import SANDBOX_SENDGRID_KEY
from skill.sandbox.scenarios import Scenario, Staged
from skill.sandbox.sendgrid_state import ALL_SCOPES

if TYPE_CHECKING:
    from skill.sandbox.app import Sandbox


def stage(sandbox: Sandbox) -> Staged:
    sandbox.sendgrid.keys[SANDBOX_SENDGRID_KEY] = ALL_SCOPES - {"mail.send"}
    return Staged(
        arguments={"from_address": "receipts@acme.example", "test_recipient": "ops@acme.example"},
        seeded=("the SendGrid API key in use has every scope but mail.send",),
    )


def grant_mail_send(sandbox: Sandbox) -> str:
    sandbox.sendgrid.keys[SANDBOX_SENDGRID_KEY] = ALL_SCOPES
    return "The operator gave the key Mail Send: Full Access in SendGrid (Settings > API Keys)."


SCENARIO = Scenario(
    name="sendgrid-key-scopes",
    runbook="sendgrid-403-scopes",
    summary="The SendGrid key lacks the mail.send scope: every send answers 403, reads still work.",
    stage=stage,
    operator={"grant_mail_send": grant_mail_send},
)
