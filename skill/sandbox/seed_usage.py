"""The sandbox's seeded usage: a steady daily usage per category for the parent and its subaccounts."""

from __future__ import annotations

from typing import TYPE_CHECKING

from skill.config import SANDBOX_ACCOUNT_SID
from skill.sandbox.state import make_sid

if TYPE_CHECKING:
    from skill.sandbox.state import SandboxState


def seed_usage(state: SandboxState) -> None:
    """Daily usage: the parent sends SMS, MMS and calls; 'prod' sends a little SMS; 'dev' makes a few test
    calls; 'staging' is idle."""
    state.usage_rates[SANDBOX_ACCOUNT_SID] = {
        "sms": {"count": 38, "usage": 41, "price": 0.3239},
        "mms": {"count": 2, "usage": 2, "price": 0.04},
        "calls": {"count": 6, "usage": 19, "price": 0.266},
        "phonenumbers": {"count": 3, "usage": 3, "price": 0.115},
        "lookups": {"count": 4, "usage": 4, "price": 0.02},
    }
    state.usage_rates[make_sid("AC", "sub", "prod")] = {
        "sms": {"count": 5, "usage": 5, "price": 0.0395},
        "phonenumbers": {"count": 1, "usage": 1, "price": 0.0383},
    }
    state.usage_rates[make_sid("AC", "sub", "dev")] = {"calls": {"count": 1, "usage": 2, "price": 0.028}}
