"""Tools for Programmable Voice: calls, recordings and conferences."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints

from skill.core import recordings
from skill.core import voice as core
from skill.core.context import Services
from skill.policy.tiers import Tier
from skill.records.approvals import Impact
from skill.records.calls import Call, CallReport, Conference, Recording
from skill.results import Deleted, ListResult, Model, ToolResult
from skill.server.registry import ToolSpec
from skill.tools.fields import After, Before, Cursor, HttpUrl, Limit, Phone

CallSid = Annotated[str, StringConstraints(pattern=r"^CA[0-9a-fA-F]{32}$", max_length=34), Field(description="CA...")]
RecordingSid = Annotated[
    str,
    StringConstraints(pattern=r"^RE[0-9a-fA-F]{32}$", max_length=34),
    Field(description="Recording SID (RE...)."),
]
Callee = Annotated[str, StringConstraints(min_length=1, max_length=256)]
Twiml = Annotated[str, StringConstraints(min_length=1, max_length=20000)]
CallStatus = Literal["queued", "ringing", "in-progress", "completed", "busy", "failed", "no-answer", "canceled"]
CallbackEvent = Literal["initiated", "ringing", "answered", "completed"]


class CallCreateInput(Model):
    to: Callee = Field(description="E.164 or national number, client:NAME, or sip:user@host.")
    from_: Phone = Field(alias="from", description="Caller ID: a voice-capable number of the account.")
    url: HttpUrl | None = Field(default=None, description="URL answering with TwiML. Give url or twiml, not both.")
    twiml: Twiml | None = Field(default=None, description="Inline TwiML, up to 4000 characters; instead of url.")
    status_callback: HttpUrl | None = Field(default=None, description="URL Twilio posts call progress to.")
    status_callback_events: list[CallbackEvent] | None = Field(
        default=None, max_length=4, description="Progress events to post (default: completed)."
    )
    record: bool | None = Field(default=None)
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
    return CallOutput(**created.model_dump())


def check_call_create(services: Services, args: CallCreateInput) -> None:
    core.check_call(
        services, to=args.to, from_=args.from_, url=args.url, twiml=args.twiml, status_callback=args.status_callback
    )


async def inspect_call_create(services: Services, args: CallCreateInput) -> Impact:
    return await core.describe_new_call(
        services,
        to=args.to,
        from_=args.from_,
        url=args.url,
        twiml=args.twiml,
        record=args.record,
        timeout=args.timeout,
    )


class CallGetInput(Model):
    sid: CallSid


class CallGetOutput(ToolResult, CallReport):
    pass


async def call_get(services: Services, args: CallGetInput) -> CallGetOutput:
    return CallGetOutput(**(await core.get_call(services, args.sid)).model_dump())


class CallsListInput(Model):
    to: Callee | None = Field(default=None, description="Only calls to this number or address.")
    from_: Phone | None = Field(default=None, alias="from", description="Only calls from this number.")
    status: CallStatus | None = Field(default=None)
    after: After | None = None
    before: Before | None = None
    limit: Limit = 50
    cursor: Cursor | None = None


class CallsListOutput(ListResult[Call]):
    pass


async def calls_list(services: Services, args: CallsListInput) -> CallsListOutput:
    page = await core.list_calls(
        services,
        to=args.to,
        from_=args.from_,
        status=args.status,
        after=args.after,
        before=args.before,
        limit=args.limit,
        cursor=args.cursor,
    )
    return CallsListOutput.of(page)


class CallUpdateInput(Model):
    sid: CallSid
    status: Literal["canceled", "completed"] | None = Field(
        default=None, description="canceled: end a queued/ringing call; completed: hang up. Or url/twiml."
    )
    url: HttpUrl | None = Field(default=None, description="Redirect the live call to TwiML at this URL.")
    twiml: Twiml | None = Field(default=None, description="Redirect the live call to this inline TwiML.")


def check_call_update(services: Services, args: CallUpdateInput) -> None:
    core.check_update(services, status=args.status, url=args.url, twiml=args.twiml)


async def inspect_call_update(services: Services, args: CallUpdateInput) -> Impact:
    return await core.describe_call_update(services, args.sid, status=args.status, url=args.url, twiml=args.twiml)


async def call_update(services: Services, args: CallUpdateInput) -> CallOutput:
    updated = await core.update_call(services, args.sid, status=args.status, url=args.url, twiml=args.twiml)
    return CallOutput(**updated.model_dump())


class RecordingsListInput(Model):
    call_sid: CallSid | None = Field(default=None, description="Only recordings of this call.")
    after: After | None = None
    before: Before | None = None
    limit: Limit = 50
    cursor: Cursor | None = None


class RecordingsListOutput(ListResult[Recording]):
    pass


async def recordings_list(services: Services, args: RecordingsListInput) -> RecordingsListOutput:
    page = await recordings.list_recordings(
        services, call_sid=args.call_sid, after=args.after, before=args.before, limit=args.limit, cursor=args.cursor
    )
    return RecordingsListOutput.of(page)


class RecordingDeleteInput(Model):
    sid: RecordingSid


async def inspect_recording_delete(services: Services, args: RecordingDeleteInput) -> Impact:
    return await recordings.describe_recording_delete(services, args.sid)


async def recording_delete(services: Services, args: RecordingDeleteInput) -> Deleted:
    return Deleted(sid=args.sid, deleted=await recordings.delete_recording(services, args.sid))


class ConferencesListInput(Model):
    status: Literal["init", "in-progress", "completed"] | None = Field(default=None)
    friendly_name: str | None = Field(default=None, max_length=128, description="Only conferences with this name.")
    after: After | None = None
    before: Before | None = None
    limit: Limit = 50
    cursor: Cursor | None = None


class ConferencesListOutput(ListResult[Conference]):
    pass


async def conferences_list(services: Services, args: ConferencesListInput) -> ConferencesListOutput:
    page = await recordings.list_conferences(
        services,
        status=args.status,
        friendly_name=args.friendly_name,
        after=args.after,
        before=args.before,
        limit=args.limit,
        cursor=args.cursor,
    )
    return ConferencesListOutput.of(page)


def _create_summary(args: dict[str, Any]) -> str:
    document = "inline TwiML" if args.get("twiml") else f"TwiML from {args.get('url')}"
    recorded = ", recorded" if args.get("record") else ""
    return f"Call {args.get('to')} from {args.get('from')} with {document}{recorded}."


def _update_summary(args: dict[str, Any]) -> str:
    if args.get("status"):
        return f"End call {args['sid']} (status {args['status']})."
    document = "inline TwiML" if args.get("twiml") else f"TwiML from {args.get('url')}"
    return f"Redirect live call {args['sid']} to {document}."


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
        inspect=inspect_call_create,
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
        inspect=inspect_call_update,
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
        output=Deleted,
        handler=recording_delete,
        summary=lambda a: f"Permanently delete recording {a['sid']} (the audio cannot be recovered).",
        inspect=inspect_recording_delete,
    ),
    ToolSpec(
        name="conferences_list",
        title="List conferences",
        description="Conferences newest first, filtered by status, name or creation time.",
        toolset="voice",
        tier=Tier.READ,
        input=ConferencesListInput,
        output=ConferencesListOutput,
        handler=conferences_list,
    ),
)
