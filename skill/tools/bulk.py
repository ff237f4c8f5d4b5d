"""Tools for bulk sends: create a job (or only its dry-run report), follow it, pause, resume, cancel."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import Field, StringConstraints

from skill.core import bulk_jobs as core
from skill.core import bulk_status
from skill.core.bulk_recipients import MAX_RECIPIENTS
from skill.core.context import Services, approval_in_use
from skill.errors import InputError
from skill.policy.tiers import Tier
from skill.records.approvals import Impact
from skill.records.bulk import BulkJob, BulkProgress, BulkReport
from skill.records.page import CursorError, Page, Position, decode_cursor, encode_cursor, filters_digest
from skill.results import ListResult, Model, ToolResult
from skill.server.progress import report_progress
from skill.server.registry import ToolSpec
from skill.tools.fields import Cursor, HttpUrl, JsonObject, Limit, Phone, ServiceSid

JobSid = Annotated[str, StringConstraints(pattern=r"^BJ[0-9a-f]{32}$", max_length=34), Field(description="BJ...")]
WaitSeconds = Annotated[int, Field(ge=0, le=300, description="Seconds to wait, with progress.")]


class BulkRecipient(Model):
    phone_number: Phone = Field(description="E.164 or national number.")
    variables: JsonObject | None = Field(default=None, description='JSON object string, e.g. {"first_name":"Ana"}.')


class BulkSendCreateInput(Model):
    body: str = Field(min_length=1, max_length=1600, description="Template, e.g. 'Hi {first_name}'.")
    recipients: list[BulkRecipient] | None = Field(
        default=None, max_length=MAX_RECIPIENTS, description="Recipients; or csv_file."
    )
    csv_file: str | None = Field(
        default=None,
        max_length=128,
        description="Name of a CSV in the imports folder (phone_number + variable columns).",
    )
    from_: Phone | None = Field(default=None, alias="from", description="Sender number; or messaging_service_sid.")
    messaging_service_sid: ServiceSid | None = Field(default=None, description="Messaging Service; instead of from.")
    send_window: str | None = Field(
        default=None, max_length=11, description="Recipient's local hours, e.g. 09:00-20:00."
    )
    start_at: datetime | None = Field(default=None, description="Not before this ISO 8601 time.")
    status_callback: HttpUrl | None = Field(default=None)
    dry_run: bool = Field(default=False, description="Report only; queue nothing.")
    wait_seconds: WaitSeconds = 0


class BulkSendCreateOutput(ToolResult):
    sid: str | None = Field(default=None, description="Job id (BJ...); null for a dry run, when nothing is queued.")
    status: str | None = Field(default=None, description="running, or null for a dry run.")
    approved: bool | None = Field(default=None, description="True when an operator approved it (runs past caps).")
    total: int | None = Field(default=None, description="Recipients queued.")
    report: BulkReport = Field(description="Recipients checked, segments, cost and time.")
    progress: BulkProgress | None = Field(default=None, description="Progress when asked to wait.")


def _request(args: BulkSendCreateInput) -> core.BulkRequest:
    recipients = tuple(
        (item.phone_number, {str(k): str(v) for k, v in (item.variables or {}).items()})
        for item in args.recipients or []
    )
    return core.BulkRequest(
        body=args.body,
        recipients=recipients,
        csv_file=args.csv_file,
        sender=args.from_,
        service_sid=args.messaging_service_sid,
        send_window=args.send_window,
        start_at=args.start_at,
        status_callback=args.status_callback,
    )


async def bulk_send_create(services: Services, args: BulkSendCreateInput) -> BulkSendCreateOutput:
    approved = approval_in_use.get() is not None
    job, report = await core.create_job(services, _request(args), approved=approved, dry_run=args.dry_run)
    progress = None
    if job is not None and args.wait_seconds:
        progress = await bulk_status.follow(services, job.sid, args.wait_seconds, report_progress)
    if job is None:
        return BulkSendCreateOutput(report=report)
    return BulkSendCreateOutput(
        sid=job.sid, status=job.status, approved=job.approved, total=job.total, report=report, progress=progress
    )


def check_bulk_send(services: Services, args: BulkSendCreateInput) -> None:
    core.check_request(services, _request(args))


def count_bulk_send(services: Services, args: BulkSendCreateInput) -> int:
    # A dry run reaches nobody; the gate's bulk limit counts the rows of a real one.
    return 1 if args.dry_run else core.recipient_count(services, _request(args))


async def inspect_bulk_send(services: Services, args: BulkSendCreateInput) -> Impact | None:
    request = _request(args)
    _, report, _ = await core.make_report(services, request)
    return core.impact(request, report)


def _create_summary(args: dict[str, Any]) -> str:
    sender = args.get("from") or args.get("messaging_service_sid")
    source = (
        f"the file {args['csv_file']}" if args.get("csv_file") else f"{len(args.get('recipients') or [])} recipients"
    )
    return f"Send a bulk message from {sender} to {source}: {args.get('body')}."


class BulkStatusInput(Model):
    sid: JobSid
    wait_seconds: WaitSeconds = 0


class BulkStatusOutput(ToolResult, BulkProgress):
    pass


async def bulk_status_tool(services: Services, args: BulkStatusInput) -> BulkStatusOutput:
    progress = await bulk_status.follow(services, args.sid, args.wait_seconds, report_progress)
    return BulkStatusOutput(**progress.model_dump())


class BulkListInput(Model):
    limit: Limit = 50
    cursor: Cursor | None = None


class BulkListOutput(ListResult[BulkJob]):
    pass


async def bulk_list(services: Services, args: BulkListInput) -> BulkListOutput:
    before: tuple[float, str] | None = None
    if args.cursor:
        try:
            position = decode_cursor(args.cursor, {})
        except CursorError as exc:
            raise InputError(
                f"The cursor cannot be used: {exc}.",
                code="input.invalid_cursor",
                remediation=["Call bulk_list again without cursor, then pass its next_cursor."],
            ) from None
        stamp, _, job_id = str(position.key or "").partition("|")
        try:
            before = (float(stamp), job_id)
        except ValueError:
            raise InputError("The cursor cannot be used.", code="input.invalid_cursor") from None
    rows = services.stores.outbox.jobs(services.profile, limit=args.limit + 1, before=before)
    more = len(rows) > args.limit
    rows = rows[: args.limit]
    cursor = None
    if more:
        cursor = encode_cursor(Position(key=f"{rows[-1].created_at!r}|{rows[-1].id}", filters=filters_digest({})))
    items = [core.job_record(row) for row in rows]
    return BulkListOutput.of(Page(items=items, has_more=more, next_cursor=cursor))


class BulkJobInput(Model):
    sid: JobSid


class BulkJobOutput(ToolResult, BulkJob):
    pass


class BulkCancelOutput(ToolResult, BulkJob):
    skipped: int = Field(description="Recipients not handed to Twilio that are now skipped.")


async def bulk_pause(services: Services, args: BulkJobInput) -> BulkJobOutput:
    return BulkJobOutput(**core.pause_job(services, args.sid).model_dump())


async def bulk_resume(services: Services, args: BulkJobInput) -> BulkJobOutput:
    return BulkJobOutput(**core.resume_job(services, args.sid).model_dump())


async def bulk_cancel(services: Services, args: BulkJobInput) -> BulkCancelOutput:
    job, skipped = core.cancel_job(services, args.sid)
    return BulkCancelOutput(**job.model_dump(), skipped=skipped)


def _job_exists(services: Services, args: BulkJobInput) -> None:
    core.get_job(services, args.sid)


TOOLS: tuple[ToolSpec, ...] = (
    ToolSpec(
        name="bulk_send_create",
        title="Create bulk send",
        description="Queue one templated SMS to up to 10,000 recipients at the senders' rate; dry_run reports "
        "valid/invalid/opted-out recipients, segments, cost and time.",
        toolset="bulk",
        tier=Tier.SEND,
        input=BulkSendCreateInput,
        output=BulkSendCreateOutput,
        handler=bulk_send_create,
        summary=_create_summary,
        precheck=check_bulk_send,
        audience=count_bulk_send,
        inspect=inspect_bulk_send,
        metered=True,
        webhook_args=("status_callback",),
    ),
    ToolSpec(
        name="bulk_status",
        title="Bulk send status",
        description="A bulk job's recipients by state, rate achieved, ETA and errors explained; can wait.",
        toolset="bulk",
        tier=Tier.READ,
        input=BulkStatusInput,
        output=BulkStatusOutput,
        handler=bulk_status_tool,
        open_world=False,
    ),
    ToolSpec(
        name="bulk_list",
        title="List bulk sends",
        description="Bulk jobs, newest first.",
        toolset="bulk",
        tier=Tier.READ,
        input=BulkListInput,
        output=BulkListOutput,
        handler=bulk_list,
        open_world=False,
    ),
    ToolSpec(
        name="bulk_pause",
        title="Pause bulk send",
        description="Stop a bulk job handing out more messages until bulk_resume.",
        toolset="bulk",
        tier=Tier.WRITE,
        input=BulkJobInput,
        output=BulkJobOutput,
        handler=bulk_pause,
        idempotent=True,
        open_world=False,
        summary=lambda a: f"Pause bulk job {a['sid']}.",
        precheck=_job_exists,
    ),
    ToolSpec(
        name="bulk_resume",
        title="Resume bulk send",
        description="Let a paused bulk job send again.",
        toolset="bulk",
        tier=Tier.WRITE,
        input=BulkJobInput,
        output=BulkJobOutput,
        handler=bulk_resume,
        idempotent=True,
        open_world=False,
        summary=lambda a: f"Resume bulk job {a['sid']}.",
        precheck=_job_exists,
    ),
    ToolSpec(
        name="bulk_cancel",
        title="Cancel bulk send",
        description="Cancel a bulk job: recipients not yet handed to Twilio are skipped.",
        toolset="bulk",
        tier=Tier.WRITE,
        input=BulkJobInput,
        output=BulkCancelOutput,
        handler=bulk_cancel,
        idempotent=True,
        open_world=False,
        summary=lambda a: f"Cancel bulk job {a['sid']}: recipients not yet sent to are skipped.",
        precheck=_job_exists,
    ),
)
