"""The sandbox's seeded Verify service."""

from __future__ import annotations

from typing import TYPE_CHECKING

from skill.config import SANDBOX_ACCOUNT_SID
from skill.sandbox.state import make_sid

if TYPE_CHECKING:
    from skill.sandbox.state import SandboxState


def seed_verify_service(state: SandboxState) -> None:
    """One Verify service on the parent account, sending 6-digit codes."""
    now = state.clock.now()
    sid = make_sid("VA", "seed", "verify")
    state.verify_services[sid] = {
        "sid": sid,
        "account_sid": SANDBOX_ACCOUNT_SID,
        "friendly_name": "Sandbox login",
        "code_length": 6,
        "lookup_enabled": False,
        "created": now - 86400 * 90,
        "updated": now - 86400 * 9,
    }
