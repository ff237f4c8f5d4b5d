"""The sandbox's seeded voice history: past calls (two recorded, one unanswered) and conferences."""

from __future__ import annotations

from typing import TYPE_CHECKING

from skill.config import SANDBOX_ACCOUNT_SID
from skill.sandbox.state import make_sid

if TYPE_CHECKING:
    from skill.sandbox.state import SandboxState


def seed_voice(state: SandboxState, now: float) -> None:
    """Past calls (two recorded, one unanswered), one running and one finished conference."""
    parent = SANDBOX_ACCOUNT_SID
    support, alerts = "+14155550142", "+18005550123"
    past = [
        (support, "+14155550199", 3, 95, "completed", True),
        (support, "+14155550188", 2, 310, "completed", True),
        (alerts, "+14155550177", 1, 42, "completed", False),
        (support, "+14155550166", 1, 0, "no-answer", False),
    ]
    for index, (sender, to, days_ago, talk, outcome, recorded) in enumerate(past):
        created = now - 86400 * days_ago - 3600 * index
        sid = make_sid("CA", "seed", "call", index)
        state.calls[sid] = {
            "sid": sid,
            "account_sid": parent,
            "to": to,
            "from": sender,
            "url": "https://example.com/voice",
            "twiml": None,
            "status_callback": None,
            "status_callback_events": [],
            "record": recorded,
            "recording_made": recorded,
            "timeout": 60,
            "machine_detection": None,
            "outcome": outcome,
            "failure": None,
            "talk_seconds": float(talk),
            "ended_at": None,
            "end_status": None,
            "created": created,
            "updated": created + talk + 2,
        }
        if recorded:
            recording_sid = make_sid("RE", "seed", "recording", index)
            state.recordings[recording_sid] = {
                "sid": recording_sid,
                "account_sid": parent,
                "call_sid": sid,
                "conference_sid": None,
                "start": created + 2,
                "duration": talk,
                "created": created + talk + 2,
            }
    for name, minutes_ago, status in (("Support escalation", 20, "in-progress"), ("Weekly review", 1500, "completed")):
        sid = make_sid("CF", "seed", name)
        state.conferences[sid] = {
            "sid": sid,
            "account_sid": parent,
            "friendly_name": name,
            "status": status,
            "reason_ended": "last-participant-left" if status == "completed" else None,
            "created": now - 60 * minutes_ago,
            "updated": now - 60 * (minutes_ago - 15 if status == "completed" else minutes_ago),
        }
