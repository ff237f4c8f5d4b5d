"""Sandbox routes for Recordings (list, fetch, delete) and Conferences (list), API v2010.

A call made with Record=true gets its recording when it completes; recordings are made lazily,
the first time any recording route runs after that moment.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from skill.sandbox.clock import rfc2822
from skill.sandbox.dates import DateWindow
from skill.sandbox.http import deleted, owned, page, request_account

if TYPE_CHECKING:
    from skill.sandbox.app import Sandbox

RECORDING_PRICE = "-0.00250"  # USD; the sandbox charges a flat price per recording
API_HOST = "https://api.twilio.com"


class CallTimeline(Protocol):
    status: str
    answered_at: float | None
    ended_at: float | None

    @property
    def talk_seconds(self) -> int | None: ...


TimelineOf = Callable[["Sandbox", dict[str, Any]], CallTimeline]


def make_due_recordings(sandbox: Sandbox, timeline: TimelineOf) -> None:
    """Give every completed call made with Record=true its recording, once."""
    state = sandbox.state
    for call in state.calls.values():
        if not call["record"] or call["recording_made"]:
            continue
        line = timeline(sandbox, call)
        if line.status != "completed" or line.answered_at is None or line.ended_at is None:
            continue
        sid = state.new_sid("RE")
        state.recordings[sid] = {
            "sid": sid,
            "account_sid": call["account_sid"],
            "call_sid": call["sid"],
            "conference_sid": None,
            "start": line.answered_at,
            "duration": line.talk_seconds or 0,
            "created": line.ended_at,
        }
        call["recording_made"] = True


def render_recording(recording: dict[str, Any]) -> dict[str, Any]:
    base = f"/2010-04-01/Accounts/{recording['account_sid']}/Recordings/{recording['sid']}"
    return {
        "account_sid": recording["account_sid"],
        "api_version": "2010-04-01",
        "call_sid": recording["call_sid"],
        "channels": 1,
        "conference_sid": recording["conference_sid"],
        "date_created": rfc2822(recording["created"]),
        "date_updated": rfc2822(recording["created"]),
        "duration": str(recording["duration"]),
        "encryption_details": None,
        "error_code": None,
        "media_url": f"{API_HOST}{base}",
        "price": RECORDING_PRICE,
        "price_unit": "USD",
        "sid": recording["sid"],
        "source": "OutboundAPI",
        "start_time": rfc2822(recording["start"]),
        "status": "completed",
        "subresource_uris": {
            "add_on_results": f"{base}/AddOnResults.json",
            "transcriptions": f"{base}/Transcriptions.json",
        },
        "uri": f"{base}.json",
    }


def render_conference(conference: dict[str, Any]) -> dict[str, Any]:
    base = f"/2010-04-01/Accounts/{conference['account_sid']}/Conferences/{conference['sid']}"
    return {
        "account_sid": conference["account_sid"],
        "api_version": "2010-04-01",
        "call_sid_ending_conference": None,
        "date_created": rfc2822(conference["created"]),
        "date_updated": rfc2822(conference["updated"]),
        "friendly_name": conference["friendly_name"],
        "reason_conference_ended": conference["reason_ended"],
        "region": "us1",
        "sid": conference["sid"],
        "status": conference["status"],
        "subresource_uris": {
            "participants": f"{base}/Participants.json",
            "recordings": f"{base}/Recordings.json",
        },
        "uri": f"{base}.json",
    }


def routes(sandbox: Sandbox, timeline: TimelineOf) -> list[Route]:
    state = sandbox.state

    def owned_recording(request: Request) -> dict[str, Any]:
        account_sid = request_account(state, request)
        make_due_recordings(sandbox, timeline)
        return owned(state, request, state.recordings, owner=account_sid)

    async def list_recordings(request: Request) -> Response:
        account_sid = request_account(state, request)
        make_due_recordings(sandbox, timeline)
        query = request.query_params
        window = DateWindow.from_query(query, "DateCreated")
        wanted = {key: query[key] for key in ("CallSid", "ConferenceSid") if key in query}
        matching = [
            recording
            for recording in sorted(state.recordings.values(), key=lambda r: (r["created"], r["sid"]), reverse=True)
            if recording["account_sid"] == account_sid
            and all(recording[key.replace("Sid", "_sid").lower()] == value for key, value in wanted.items())
            and window.admits(recording["created"])
        ]
        return page(request, "recordings", matching, render_recording)

    async def fetch_recording(request: Request) -> Response:
        return JSONResponse(render_recording(owned_recording(request)))

    async def delete_recording(request: Request) -> Response:
        del state.recordings[owned_recording(request)["sid"]]
        return deleted()

    async def list_conferences(request: Request) -> Response:
        account_sid = request_account(state, request)
        query = request.query_params
        window = DateWindow.from_query(query, "DateCreated")
        matching = [
            conference
            for conference in sorted(state.conferences.values(), key=lambda c: (c["created"], c["sid"]), reverse=True)
            if conference["account_sid"] == account_sid
            and query.get("Status", conference["status"]) == conference["status"]
            and query.get("FriendlyName", conference["friendly_name"]) == conference["friendly_name"]
            and window.admits(conference["created"])
        ]
        return page(request, "conferences", matching, render_conference)

    prefix = "/2010-04-01/Accounts/{AccountSid}"
    return [
        Route(f"{prefix}/Recordings.json", list_recordings, methods=["GET"]),
        Route(f"{prefix}/Recordings/{{Sid}}.json", fetch_recording, methods=["GET"]),
        Route(f"{prefix}/Recordings/{{Sid}}.json", delete_recording, methods=["DELETE"]),
        Route(f"{prefix}/Conferences.json", list_conferences, methods=["GET"]),
    ]
