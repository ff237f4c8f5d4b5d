"""Bulk sends: the dry-run report, the job queued in the outbox, and its control (pause, resume, cancel).

A job is created only after its report is made: every recipient checked (skill.core.bulk_recipients),
segments counted, the cost estimated from published prices, and the time it takes at the senders'
rate. The same rows the report counts are the rows queued, so the report is what will be sent.
Sending is the worker's (skill.core.bulk_worker).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from skill.core import phones, pricing
from skill.core.bulk_rates import seconds_for, sender_rate
from skill.core.bulk_recipients import (
    MAX_RECIPIENTS,
    Row,
    Sorted,
    parse_csv,
    read_import,
    sort_recipients,
    template_variables,
    too_many,
)
from skill.core.bulk_windows import next_open, parse_window
from skill.core.context import Services
from skill.core.optouts import opted_out
from skill.core.spend import sender_kind
from skill.core.timeutil import as_utc
from skill.core.urls import check_twilio_urls
from skill.errors import InputError, NotFoundError, PolicyError, SkillError
from skill.records.approvals import Fact, Impact
from skill.records.bulk import BulkJob, BulkReport, JobRow, OutboxRow
from skill.records.pricing import Estimate

MICROS = Decimal(1_000_000)


@dataclass(frozen=True)
class BulkRequest:
    """A bulk send as asked: recipients inline (number, variables) or a CSV file name, and the message."""

    body: str
    recipients: tuple[tuple[str, dict[str, str]], ...] = ()
    csv_file: str | None = None
    sender: str | None = None
    service_sid: str | None = None
    send_window: str | None = None
    start_at: datetime | None = None
    status_callback: str | None = None

    @property
    def sender_label(self) -> str:
        return self.sender or self.service_sid or ""


def check_request(services: Services, request: BulkRequest) -> None:
    """Every rule of the request's shape, before anything is read or asked.

    Raises:
        InputError: recipients and csv_file both or neither, sender missing or doubled, a bad template,
            window or callback URL.
    """
    if bool(request.recipients) == bool(request.csv_file):
        raise InputError(
            "Give the recipients either inline (recipients) or as a CSV file (csv_file), one of the two.",
            code="input.recipients_required",
            remediation=["Pass recipients with up to 10,000 numbers, or csv_file with a file's bare name."],
        )
    if bool(request.sender) == bool(request.service_sid):
        raise InputError(
            "Give either 'from' or messaging_service_sid, one of the two.",
            code="input.sender_required",
            remediation=["Pass 'from' with one of the account's numbers, or messaging_service_sid."],
        )
    if request.sender:
        phones.normalize_sender(request.sender, region=services.settings.default_region)
    template_variables(request.body)
    if request.send_window:
        parse_window(request.send_window)
    check_twilio_urls({"status_callback": request.status_callback})


def load_rows(services: Services, request: BulkRequest) -> list[Row]:
    """The rows as given, inline or read from the imports folder.

    Raises:
        InputError: the file cannot be used, or there are more than MAX_RECIPIENTS rows.
    """
    if request.csv_file:
        return parse_csv(read_import(services.settings.home, request.csv_file))
    if len(request.recipients) > MAX_RECIPIENTS:
        raise too_many(len(request.recipients))
    return [Row(phone=phone, variables={**variables, "phone_number": phone}) for phone, variables in request.recipients]


def recipient_count(services: Services, request: BulkRequest) -> int:
    """How many people the request would reach at most (its rows), for the gate's bulk limit.

    Raises:
        InputError: as load_rows.
    """
    return len(load_rows(services, request))


def sort(services: Services, request: BulkRequest, rows: list[Row]) -> Sorted:
    region = services.settings.default_region
    sender = request.sender_label
    return sort_recipients(
        rows,
        request.body,
        region=region,
        country_allowed=services.policy.country_allowed,
        opted_out=lambda number: opted_out(services, number, sender),
        now=services.clock.now(),
    )


async def unit_prices(
    services: Services, request: BulkRequest, sorted_: Sorted
) -> tuple[dict[str, Estimate], str | None]:
    """The price of one segment per destination country, and why some are missing (None if none is)."""
    sample: dict[str, str] = {}
    for recipient in sorted_.valid:
        if recipient.country:
            sample.setdefault(recipient.country, recipient.phone)
    prices: dict[str, Estimate] = {}
    missing: list[str] = []
    for country, phone in sorted(sample.items()):
        try:
            prices[country] = await pricing.message_price(
                services, phone, segments=1, sender_kind=sender_kind(request.sender)
            )
        except (NotFoundError, SkillError) as exc:
            missing.append(f"{country} ({exc.message[:80]})")
    note = f"no price for {', '.join(missing)}" if missing else None
    return prices, note


def _total(sorted_: Sorted, prices: dict[str, Estimate], note: str | None) -> tuple[Estimate | None, str | None]:
    currencies = {price.currency for price in prices.values()}
    if not prices or len(currencies) != 1 or note:
        return None, note or ("prices in several currencies" if len(currencies) > 1 else "no price found")
    segments: dict[str, int] = defaultdict(int)
    for recipient in sorted_.valid:
        segments[recipient.country or ""] += recipient.segments
    amount = sum((prices[country].value * count for country, count in segments.items()), Decimal(0))
    total_segments = sum(segments.values())
    basis = f"per segment x {total_segments} segments over {len(prices)} countr{'y' if len(prices) == 1 else 'ies'}"
    return Estimate(amount=pricing.money(amount), currency=currencies.pop(), basis=basis), None


async def make_report(services: Services, request: BulkRequest) -> tuple[Sorted, BulkReport, dict[str, Estimate]]:
    """Check every recipient and work out segments, cost and time; nothing is queued or sent.

    Raises:
        InputError: the request or its file is unusable.
        UpstreamError: a Messaging Service's senders could not be read.
    """
    check_request(services, request)
    rows = load_rows(services, request)
    sorted_ = sort(services, request, rows)
    prices, note = await unit_prices(services, request, sorted_)
    cost, cost_note = _total(sorted_, prices, note)
    rate = await sender_rate(services, sender=request.sender, service_sid=request.service_sid)
    segments = sum(recipient.segments for recipient in sorted_.valid)
    report = BulkReport(
        recipients=len(rows),
        valid=len(sorted_.valid),
        invalid=sorted_.invalid,
        opted_out=sorted_.opted_out,
        duplicate=sorted_.duplicate,
        issues=sorted_.issues,
        segments=segments,
        cost=cost,
        cost_note=cost_note,
        rate_segments_per_second=round(rate, 3),
        seconds=seconds_for(segments, rate),
        countries=sorted({recipient.country for recipient in sorted_.valid if recipient.country}),
    )
    return sorted_, report, prices


def impact(request: BulkRequest, report: BulkReport) -> Impact:
    """The report as an approval's impact: who is reached, what it costs, how long it takes."""
    facts = [
        Fact(label="recipients", value=f"{report.valid} to send of {report.recipients} given"),
        Fact(
            label="skipped",
            value=f"{report.invalid} invalid, {report.opted_out} opted out, {report.duplicate} repeated",
        ),
        Fact(label="segments", value=str(report.segments)),
        Fact(label="time at the senders' rate", value=f"about {report.seconds} seconds"),
    ]
    if request.send_window:
        facts.append(Fact(label="send window", value=f"{request.send_window} in each recipient's time zone"))
    cost = pricing.as_cost(report.cost) if report.cost else None
    return Impact(
        resource=f"A bulk send from {request.sender_label} to {report.valid} recipients",
        facts=facts,
        cost=cost,
        blast_radius=[Fact(label="countries", value=", ".join(report.countries) or "none")],
        reversibility="costs money",
    )


def job_record(row: JobRow, held: str | None = None) -> BulkJob:
    return BulkJob(
        sid=row.id,
        status=row.status,
        sender=row.sender or row.service_sid or "",
        created_at=datetime.fromtimestamp(row.created_at, UTC).isoformat(),
        start_at=datetime.fromtimestamp(row.start_at, UTC).isoformat() if row.start_at else None,
        send_window=row.window,
        approved=row.approved,
        total=row.total,
        held=held if held is not None else row.hold_reason,
    )


async def create_job(
    services: Services, request: BulkRequest, *, approved: bool, dry_run: bool
) -> tuple[BulkJob | None, BulkReport]:
    """The report, and unless dry_run, the job with one queued row per valid recipient.

    Raises:
        InputError: as make_report; or nothing valid to send.
        UpstreamError: as make_report.
    """
    sorted_, report, prices = await make_report(services, request)
    if dry_run:
        return None, report
    if not sorted_.valid:
        raise InputError(
            "No recipient is left to send to; nothing was queued.",
            code="input.no_recipients",
            remediation=["See the report's issues, fix the rows and create the job again."],
        )
    now = services.clock.now()
    start = as_utc(request.start_at).timestamp() if request.start_at else now
    job_id = "BJ" + uuid.uuid4().hex
    job = JobRow(
        id=job_id,
        profile=services.profile,
        status="running",
        sender=phones.normalize_sender(request.sender, region=services.settings.default_region)
        if request.sender
        else None,
        service_sid=request.service_sid,
        status_callback=request.status_callback,
        window=request.send_window,
        start_at=start if request.start_at else None,
        approved=approved,
        total=len(sorted_.valid),
        created_at=now,
    )
    rows = [
        OutboxRow(
            job_id=job_id,
            idx=recipient.row,
            phone=recipient.phone,
            body=recipient.body,
            segments=recipient.segments,
            country=recipient.country,
            tz=recipient.tz,
            cost_micros=int(prices[recipient.country].value * recipient.segments * MICROS)
            if recipient.country in prices
            else 0,
            not_before=next_open(start, recipient.tz, request.send_window) if request.send_window else start,
        )
        for recipient in sorted_.valid
    ]
    services.stores.outbox.create_job(job, rows)
    return job_record(job), report


def get_job(services: Services, job_id: str) -> JobRow:
    """Raises:
    NotFoundError: not_found.bulk_job when there is no such job for this profile.
    """
    job = services.stores.outbox.job(job_id)
    if job is None or job.profile != services.profile:
        raise NotFoundError(
            f"There is no bulk job {job_id[:40]!r}.",
            code="not_found.bulk_job",
            remediation=["List the jobs with bulk_list and use one of their ids."],
        )
    return job


def _refuse_change(job: JobRow, action: str) -> PolicyError:
    return PolicyError(
        f"Bulk job {job.id} is {job.status}; it cannot be {action}.",
        code="policy.bulk_state",
        remediation=["Check its state with bulk_status.", "A canceled or completed job cannot be changed."],
    )


def pause_job(services: Services, job_id: str) -> BulkJob:
    """Raises: NotFoundError: no such job. PolicyError: policy.bulk_state when it is not running."""
    job = get_job(services, job_id)
    if job.status == "paused":
        return job_record(job)
    if not services.stores.outbox.set_status(job_id, "paused", allowed_from=("running",)):
        raise _refuse_change(get_job(services, job_id), "paused")
    return job_record(get_job(services, job_id))


def resume_job(services: Services, job_id: str) -> BulkJob:
    """Raises: NotFoundError: no such job. PolicyError: policy.bulk_state when it is not paused."""
    job = get_job(services, job_id)
    if job.status == "running":
        return job_record(job)
    if not services.stores.outbox.set_status(job_id, "running", allowed_from=("paused",)):
        raise _refuse_change(get_job(services, job_id), "resumed")
    return job_record(get_job(services, job_id))


def cancel_job(services: Services, job_id: str) -> tuple[BulkJob, int]:
    """Stop what has not been handed to Twilio; the job and how many recipients were skipped.

    Raises:
        NotFoundError: no such job.
        PolicyError: policy.bulk_state when it is already completed.
    """
    job = get_job(services, job_id)
    if job.status == "canceled":
        return job_record(job), 0
    if not services.stores.outbox.set_status(job_id, "canceled", allowed_from=("running", "paused")):
        raise _refuse_change(get_job(services, job_id), "canceled")
    skipped = services.stores.outbox.cancel_pending(job_id)
    return job_record(get_job(services, job_id)), skipped


def list_jobs(services: Services, limit: int, before: tuple[float, str] | None) -> list[BulkJob]:
    return [job_record(row) for row in services.stores.outbox.jobs(services.profile, limit=limit, before=before)]


def window_open(now: float, zone: str | None, window: str | None) -> float:
    """When a row may go out: now, or when its window next opens."""
    return next_open(now, zone, window) if window else now


def request_from_args(args: dict[str, Any]) -> BulkRequest:
    """A request from a tool call's arguments as JSON (wire names), as the gate and estimators see them."""
    recipients = tuple(
        (str(item.get("phone_number") or ""), {str(k): str(v) for k, v in (item.get("variables") or {}).items()})
        for item in args.get("recipients") or []
    )
    start_at = args.get("start_at")
    return BulkRequest(
        body=str(args.get("body") or ""),
        recipients=recipients,
        csv_file=args.get("csv_file"),
        sender=args.get("from"),
        service_sid=args.get("messaging_service_sid"),
        send_window=args.get("send_window"),
        start_at=datetime.fromisoformat(start_at) if isinstance(start_at, str) else None,
        status_callback=args.get("status_callback"),
    )
