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


class RecordingsResource:
    """/Recordings and /Recordings/{Sid}: list, fetch, delete; recordings due are made first."""

    def __init__(self, sandbox: Sandbox, timeline: TimelineOf) -> None:
        self.sandbox = sandbox
        self.state = sandbox.state
        self.timeline = timeline

    def owned(self, request: Request) -> dict[str, Any]:
        account_sid = request_account(self.state, request)
        make_due_recordings(self.sandbox, self.timeline)
        return owned(self.state, request, self.state.recordings, owner=account_sid)

    async def listing(self, request: Request) -> Response:
        account_sid = request_account(self.state, request)
        make_due_recordings(self.sandbox, self.timeline)
        query = request.query_params
        window = DateWindow.from_query(query, "DateCreated")
        wanted = {key: query[key] for key in ("CallSid", "ConferenceSid") if key in query}
        newest_first = sorted(self.state.recordings.values(), key=lambda r: (r["created"], r["sid"]), reverse=True)
        matching = [
            recording
            for recording in newest_first
            if recording["account_sid"] == account_sid
            and all(recording[key.replace("Sid", "_sid").lower()] == value for key, value in wanted.items())
            and window.admits(recording["created"])
        ]
        return page(request, "recordings", matching, render_recording)

    async def fetch(self, request: Request) -> Response:
        return JSONResponse(render_recording(self.owned(request)))

    async def delete(self, request: Request) -> Response:
        del self.state.recordings[self.owned(request)["sid"]]
        return deleted()

    def routes(self) -> list[Route]:
        prefix = "/2010-04-01/Accounts/{AccountSid}"
        return [
            Route(f"{prefix}/Recordings.json", self.listing, methods=["GET"]),
            Route(f"{prefix}/Recordings/{{Sid}}.json", self.fetch, methods=["GET"]),
            Route(f"{prefix}/Recordings/{{Sid}}.json", self.delete, methods=["DELETE"]),
        ]


class ConferencesResource:
    """/Conferences: list, by status, name and creation date."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.state = sandbox.state

    async def listing(self, request: Request) -> Response:
        account_sid = request_account(self.state, request)
        query = request.query_params
        window = DateWindow.from_query(query, "DateCreated")
        newest_first = sorted(self.state.conferences.values(), key=lambda c: (c["created"], c["sid"]), reverse=True)
        matching = [
            conference
            for conference in newest_first
            if conference["account_sid"] == account_sid
            and query.get("Status", conference["status"]) == conference["status"]
            and query.get("FriendlyName", conference["friendly_name"]) == conference["friendly_name"]
            and window.admits(conference["created"])
        ]
        return page(request, "conferences", matching, render_conference)

    def routes(self) -> list[Route]:
        return [Route("/2010-04-01/Accounts/{AccountSid}/Conferences.json", self.listing, methods=["GET"])]


def routes(sandbox: Sandbox, timeline: TimelineOf) -> list[Route]:
    return RecordingsResource(sandbox, timeline).routes() + ConferencesResource(sandbox).routes()
