"""Call recordings (list, delete, and what a delete would destroy) and conferences (list)."""

from __future__ import annotations

from datetime import datetime

from skill.core.context import Services
from skill.core.timeutil import as_utc
from skill.errors import UpstreamError
from skill.records.approvals import Fact, Impact
from skill.records.calls import Conference, Recording
from skill.records.page import Page


async def list_recordings(
    services: Services,
    *,
    call_sid: str | None,
    after: datetime | None,
    before: datetime | None,
    limit: int,
    cursor: str | None,
) -> Page[Recording]:
    """Recordings, newest first, filtered at Twilio by call and creation time.

    Raises:
        InputError: the cursor is not one of ours, or was made with other filters.
    """
    return await services.twilio.calls.recordings(
        call_sid=call_sid,
        date_created_after=as_utc(after) if after else None,
        date_created_before=as_utc(before) if before else None,
        limit=limit,
        cursor=cursor,
    )


async def describe_recording_delete(services: Services, sid: str) -> Impact:
    """The recording a delete would destroy: its call, length and date.

    Raises:
        UpstreamError: twilio.20404 when there is no such recording.
    """
    recording = await services.twilio.calls.fetch_recording(sid)
    facts = []
    if recording.call_sid:
        facts.append(Fact(label="call", value=await _call_in_words(services, recording.call_sid)))
    if recording.conference_sid:
        facts.append(Fact(label="conference", value=recording.conference_sid))
    if recording.duration is not None:
        facts.append(Fact(label="duration", value=f"{recording.duration} s"))
    if recording.start_time or recording.date_created:
        facts.append(Fact(label="recorded", value=recording.start_time or recording.date_created or ""))
    if recording.status:
        facts.append(Fact(label="status", value=recording.status))
    return Impact(resource=f"recording {recording.sid}", facts=facts, reversibility="not reversible")


async def _call_in_words(services: Services, call_sid: str) -> str:
    """The call a recording belongs to, with its parties when Twilio still has the call."""
    try:
        call = await services.twilio.calls.fetch(call_sid)
    except UpstreamError:
        return call_sid  # the call log may be gone while its recording stays
    return f"{call_sid} from {call.from_} to {call.to}"


async def delete_recording(services: Services, sid: str) -> bool:
    """Delete a recording for good; True once Twilio has deleted it.

    Raises:
        UpstreamError: twilio.20404 when there is no such recording.
    """
    return await services.twilio.calls.delete_recording(sid)


async def list_conferences(
    services: Services,
    *,
    status: str | None,
    friendly_name: str | None,
    after: datetime | None,
    before: datetime | None,
    limit: int,
    cursor: str | None,
) -> Page[Conference]:
    """Conferences, newest first, filtered by status, name and creation time (the exact times are
    matched after fetching: the page says how many it scanned).

    Raises:
        InputError: the cursor is not one of ours, or was made with other filters.
    """
    return await services.twilio.calls.conferences(
        status=status,
        friendly_name=friendly_name,
        date_created_after=as_utc(after) if after else None,
        date_created_before=as_utc(before) if before else None,
        limit=limit,
        cursor=cursor,
    )
