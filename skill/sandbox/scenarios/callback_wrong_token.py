"""callback-wrong-token: the staging subaccount's number reports message status to the app, which
checks X-Twilio-Signature with the parent account's auth token and answers 403 to every callback."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from skill.sandbox.callbacks import twilio_signature
from skill.sandbox.scenarios import Scenario, Staged
from skill.sandbox.scenarios.hooks import set_hook
from skill.sandbox.state import make_sid

if TYPE_CHECKING:
    from skill.sandbox.app import Sandbox


def stage(sandbox: Sandbox) -> Staged:
    state = sandbox.state
    staging = make_sid("AC", "sub", "staging")
    url = set_hook(sandbox, "app-status", "status")
    params = {
        "AccountSid": staging,
        "ApiVersion": "2010-04-01",
        "From": "+14155550190",
        "MessageSid": make_sid("SM", "scenario", "staging-status"),
        "MessageStatus": "delivered",
        "To": "+14155550191",
    }
    token = state.auth_token(staging)
    assert token is not None
    return Staged(
        arguments={
            "callback_url": url,
            "signature": twilio_signature(token, url, params),
            "params": json.dumps(params),
            "account_sid": state.parent_sid(),
            "request_account_sid": staging,
        },
        seeded=(
            f"a delivered-status callback from the staging subaccount {staging} to {url}, signed as Twilio signs it",
            "the app validates it with the parent account's auth token (and answers 403)",
        ),
    )


def use_subaccount_token(sandbox: Sandbox) -> str:
    return "The operator configured the app to validate each callback with the token of the AccountSid it carries."


SCENARIO = Scenario(
    name="callback-wrong-token",
    runbook="webhook-signature-mismatch",
    summary="A subaccount's status callbacks are checked with the parent's token: every one fails.",
    stage=stage,
    operator={"use_subaccount_token": use_subaccount_token},
)
