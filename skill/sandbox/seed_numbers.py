"""The sandbox's seeded phone numbers of the parent account: Twilio's valid test number, a support
line and a toll-free number."""

from __future__ import annotations

from typing import TYPE_CHECKING

from skill.config import SANDBOX_ACCOUNT_SID
from skill.sandbox.magic import VALID
from skill.sandbox.state import make_sid

if TYPE_CHECKING:
    from skill.sandbox.state import SandboxState

DAY = 86400
SEEDED = (
    (VALID, "Sandbox valid sender", "local"),
    ("+14155550142", "Support line", "local"),
    ("+18005550123", "Toll-free alerts", "toll_free"),
)


def seed_numbers(state: SandboxState) -> None:
    now = state.clock.now()
    for index, (phone, name, kind) in enumerate(SEEDED):
        sid = make_sid("PN", "seed", phone)
        state.numbers[sid] = {
            "sid": sid,
            "account_sid": SANDBOX_ACCOUNT_SID,
            "phone_number": phone,
            "friendly_name": name,
            "kind": kind,
            "sms_url": "https://example.com/sms" if index == 0 else "",
            "sms_method": "POST",
            "voice_url": "https://example.com/voice" if index < 2 else "",
            "voice_method": "POST",
            "status_callback": "",
            "created": now - DAY * (100 + index),
            "updated": now - DAY * (10 + index),
        }
