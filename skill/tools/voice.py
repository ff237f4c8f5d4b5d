"""Tools for Programmable Voice: calls, recordings and conferences."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints

from skill.core import voice as core
from skill.core.context import Services
from skill.policy.tiers import Tier
from skill.results import ErrorBrief, Model, ToolResult
from skill.server.registry import ToolSpec
from skill.tools.fields import HttpUrl, Limit, Phone

CallSid = Annotated[str, StringConstraints(pattern=r"^CA[0-9a-fA-F]{32}$"), Field(description="Call SID (CA...).")]
RecordingSid = Annotated[
    str, StringConstraints(pattern=r"^RE[0-9a-fA-F]{32}$"), Field(description="Recording SID (RE...).")
]
Callee = Annotated[str, StringConstraints(min_length=1, max_length=256)]
Twiml = Annotated[str, StringConstraints(min_length=1, max_length=20000)]
CallStatus = Literal["queued", "ringing", "in-progress", "completed", "busy", "failed", "no-answer", "canceled"]
CallbackEvent = Literal["initiated", "ringing", "answered", "completed"]


class Call(Model):
    sid: str = Field(description="Call SID.")
    status: str | None = Field(default=None, description="queued, ringing, in-progress, completed, busy, ...")
    to: str | None = Field(default=None, description="Who was called.")
    from_: str | None = Field(default=None, alias="from", description="Caller ID used.")
    direction: str | None = Field(default=None, description="outbound-api, inbound, ...")
    answered_by: str | None = Field(default=None, description="human or machine_*, with machine_detection.")
    parent_call_sid: str | None = Field(default=None, description="The call that created this one, if any.")
    start_time: str | None = Field(default=None, description="When it was dialled.")
    end_time: str | None = Field(default=None, description="When it ended.")
    duration: int | None = Field(default=None, description="Seconds connected, once ended.")
    price: str | None = Field(default=None, description="Cost (negative), once ended.")
    price_unit: str | None = Field(default=None, description="Currency of price.")
    date_created: str | None = Field(default=None, description="When it was created.")
    date_updated: str | None = Field(default=None, description="Last change.")


class CallCreateInput(Model):
    to: Callee = Field(description="Who to call: E.164 or national number, client:NAME, or sip:user@host.")
    from_: Phone = Field(alias="from", description="Caller ID: a voice-capable number of the account.")
    url: HttpUrl | None = Field(default=None, description="URL answering with the call's TwiML; or twiml.")
    twiml: Twiml | None = Field(default=None, description="Inline TwiML (up to 4000 characters); or url.")
    status_callback: HttpUrl | None = Field(default=None, description="URL Twilio posts call progress to.")
    status_callback_events: list[CallbackEvent] | None = Field(
        default=None, description="Progress events to post (default: completed only)."
    )
    record: bool | None = Field(default=None, description="Record the call.")
    timeout: int | None = Field(default=None, ge=1, le=600, description="Seconds to let it ring.")
    machine_detection: Literal["Enable", "DetectMessageEnd"] | None = Field(
        default=None, description="Detect answering machines (sets answered_by)."
    )


class CallOutput(ToolResult, Call):
    pass


async def call_create(services: Services, args: CallCreateInput) -> CallOutput:
    created = await core.create_call(
        services,
        to=args.to,
        from_=args.from_,
        url=args.url,
        twiml=args.twiml,
        status_callback=args.status_callback,
        status_callback_events=list(args.status_callback_events) if args.status_callback_events else None,
        record=args.record,
        timeout=args.timeout,
        machine_detection=args.machine_detection,
    )
    return CallOutput.model_validate(created)


def check_call_create(services: Services, args: CallCreateInput) -> None:
    core.check_call(
        services, to=args.to, from_=args.from_, url=args.url, twiml=args.twiml, status_callback=args.status_callback
    )


class CallGetInput(Model):
    sid: CallSid


class CallGetOutput(ToolResult, Call):
    error: ErrorBrief | None = Field(default=None, description="Why it failed, explained, when it failed.")


async def call_get(services: Services, args: CallGetInput) -> CallGetOutput:
    return CallGetOutput.model_validate(await core.get_call(services, args.sid))


class CallsListInput(Model):
    to: Callee | None = Field(default=None, description="Only calls to this number or address.")
    from_: Phone | None = Field(default=None, alias="from", description="Only calls from this number.")
    status: CallStatus | None = Field(default=None, description="Only calls with this status.")
    started_after: datetime | None = Field(default=None, description="Started at or after this ISO 8601 time.")
    started_before: datetime | None = Field(default=None, description="Started at or before this ISO 8601 time.")
    limit: Limit = 50


class CallsListOutput(ToolResult):
    calls: list[Call] = Field(description="Matching calls, newest first.")
    count: int = Field(description="Number returned.")


async def calls_list(services: Services, args: CallsListInput) -> CallsListOutput:
    items = await core.list_calls(
        services,
        to=args.to,
        from_=args.from_,
        status=args.status,
        started_after=args.started_after,
        started_before=args.started_before,
        limit=args.limit,
    )
    return CallsListOutput(calls=[Call.model_validate(item) for item in items], count=len(items))


class CallUpdateInput(Model):
    sid: CallSid
    status: Literal["canceled", "completed"] | None = Field(
        default=None, description="canceled: end a queued/ringing call; completed: hang up a live one."
    )
    url: HttpUrl | None = Field(default=None, description="Redirect the live call to TwiML at this URL.")
    twiml: Twiml | None = Field(default=None, description="Redirect the live call to this inline TwiML.")


def check_call_update(services: Services, args: CallUpdateInput) -> None:
    core.check_update(services, status=args.status, url=args.url, twiml=args.twiml)


async def call_update(services: Services, args: CallUpdateInput) -> CallOutput:
    updated = await core.update_call(services, args.sid, status=args.status, url=args.url, twiml=args.twiml)
    return CallOutput.model_validate(updated)


class Recording(Model):
    sid: str = Field(description="Recording SID.")
    call_sid: str | None = Field(default=None, description="Call it belongs to.")
    conference_sid: str | None = Field(default=None, description="Conference it belongs to, if any.")
    status: str | None = Field(default=None, description="processing, completed, absent, ...")
    source: str | None = Field(default=None, description="How it was made: OutboundAPI, RecordVerb, ...")
    duration: int | None = Field(default=None, description="Length in seconds.")
    channels: int | None = Field(default=None, description="1 mono, 2 dual-channel.")
    price: str | None = Field(default=None, description="Cost (negative).")
    price_unit: str | None = Field(default=None, description="Currency of price.")
    start_time: str | None = Field(default=None, description="When recording started.")
    date_created: str | None = Field(default=None, description="When it was created.")
    media_url: str | None = Field(default=None, description="Where the audio is (needs account credentials).")


class RecordingsListInput(Model):
    call_sid: CallSid | None = Field(default=None, description="Only recordings of this call.")
    date_created_after: datetime | None = Field(default=None, description="Created at or after this time.")
    date_created_before: datetime | None = Field(default=None, description="Created at or before this time.")
    limit: Limit = 50


class RecordingsListOutput(ToolResult):
    recordings: list[Recording] = Field(description="Matching recordings, newest first.")
    count: int = Field(description="Number returned.")


async def recordings_list(services: Services, args: RecordingsListInput) -> RecordingsListOutput:
    items = await core.list_recordings(
        services,
        call_sid=args.call_sid,
        created_after=args.date_created_after,
        created_before=args.date_created_before,
        limit=args.limit,
    )
    return RecordingsListOutput(recordings=[Recording.model_validate(item) for item in items], count=len(items))


class RecordingDeleteInput(Model):
    sid: RecordingSid


class RecordingDeleteOutput(ToolResult):
    sid: str = Field(description="The recording deleted.")
    deleted: bool = Field(description="True once Twilio has deleted it.")


async def recording_delete(services: Services, args: RecordingDeleteInput) -> RecordingDeleteOutput:
    return RecordingDeleteOutput.model_validate(await core.delete_recording(services, args.sid))


class Conference(Model):
    sid: str = Field(description="Conference SID.")
    friendly_name: str | None = Field(default=None, description="Name given in <Conference>.")
    status: str | None = Field(default=None, description="init, in-progress or completed.")
    region: str | None = Field(default=None, description="Where it is mixed.")
    reason_conference_ended: str | None = Field(default=None, description="Why it ended, once completed.")
    date_created: str | None = Field(default=None, description="When it started.")
    date_updated: str | None = Field(default=None, description="Last change.")


class ConferencesListInput(Model):
    status: Literal["init", "in-progress", "completed"] | None = Field(default=None, description="Only this status.")
    friendly_name: str | None = Field(default=None, max_length=128, description="Only conferences with this name.")
    limit: Limit = 50


class ConferencesListOutput(ToolResult):
    conferences: list[Conference] = Field(description="Matching conferences, newest first.")
    count: int = Field(description="Number returned.")


async def conferences_list(services: Services, args: ConferencesListInput) -> ConferencesListOutput:
    items = await core.list_conferences(
        services, status=args.status, friendly_name=args.friendly_name, limit=args.limit
    )
    return ConferencesListOutput(conferences=[Conference.model_validate(item) for item in items], count=len(items))


def _create_summary(args: dict[str, Any]) -> str:
    document = "inline TwiML" if args.get("twiml") else f"TwiML from {args.get('url')}"
    recorded = ", recorded" if args.get("record") else ""
    return f"Call {args.get('to')} from {args.get('from')} with {document}{recorded}."


def _update_summary(args: dict[str, Any]) -> str:
    if args.get("status"):
        return f"End call {args['sid']} (status {args['status']})."
    return f"Redirect live call {args['sid']} to new TwiML."


TOOLS: tuple[ToolSpec, ...] = (
    ToolSpec(
        name="call_create",
        title="Place call",
        description="Place an outbound call that runs TwiML from a URL or inline. Costs money per minute.",
        toolset="voice",
        tier=Tier.SEND,
        input=CallCreateInput,
        output=CallOutput,
        handler=call_create,
        summary=_create_summary,
        destination="to",
        precheck=check_call_create,
    ),
    ToolSpec(
        name="call_get",
        title="Get call",
        description="One call's status, duration and price, with the error explained if it failed.",
        toolset="voice",
        tier=Tier.READ,
        input=CallGetInput,
        output=CallGetOutput,
        handler=call_get,
    ),
    ToolSpec(
        name="calls_list",
        title="List calls",
        description="Calls newest first, filtered by number, status or start time.",
        toolset="voice",
        tier=Tier.READ,
        input=CallsListInput,
        output=CallsListOutput,
        handler=calls_list,
    ),
    ToolSpec(
        name="call_update",
        title="End or redirect call",
        description="Hang up or cancel a call, or redirect a live call to new TwiML.",
        toolset="voice",
        tier=Tier.WRITE,
        input=CallUpdateInput,
        output=CallOutput,
        handler=call_update,
        summary=_update_summary,
        precheck=check_call_update,
    ),
    ToolSpec(
        name="recordings_list",
        title="List recordings",
        description="Call recordings newest first, filtered by call or creation time.",
        toolset="voice",
        tier=Tier.READ,
        input=RecordingsListInput,
        output=RecordingsListOutput,
        handler=recordings_list,
    ),
    ToolSpec(
        name="recording_delete",
        title="Delete recording",
        description="Delete a call recording permanently; the audio cannot be recovered.",
        toolset="voice",
        tier=Tier.DESTRUCTIVE,
        input=RecordingDeleteInput,
        output=RecordingDeleteOutput,
        handler=recording_delete,
        summary=lambda a: f"Permanently delete recording {a['sid']} (the audio cannot be recovered).",
    ),
    ToolSpec(
        name="conferences_list",
        title="List conferences",
        description="Conferences newest first, filtered by status or name.",
        toolset="voice",
        tier=Tier.READ,
        input=ConferencesListInput,
        output=ConferencesListOutput,
        handler=conferences_list,
    ),
)
