"""A bulk job's progress: recipients by state, the rate achieved, the time left and its errors explained."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import anyio

from skill.catalog import brief
from skill.core.bulk_jobs import get_job, job_record
from skill.core.context import ProgressReport, Services
from skill.records.bulk import BulkCounts, BulkError, BulkProgress
from skill.records.errors import ErrorBrief

ERRORS_SHOWN = 5
LOCAL_ERROR = 0  # rows skipped here (opted out, canceled) carry no Twilio code


def job_progress(services: Services, job_id: str) -> BulkProgress:
    """Raises:
    NotFoundError: not_found.bulk_job when there is no such job.
    """
    job = get_job(services, job_id)
    outbox = services.stores.outbox
    counts = BulkCounts.model_validate(outbox.counts(job_id))
    sent, first, last = outbox.sent_span(job_id)
    rate = round((sent - 1) / (last - first), 3) if sent > 1 and first is not None and last and last > first else None
    left = counts.queued + counts.sending + counts.unknown
    eta = int(left / rate) if rate and job.status == "running" else (0 if left == 0 else None)
    errors = []
    for code, message, count in outbox.errors(job_id, ERRORS_SHOWN):
        if code:
            errors.append(BulkError(count=count, error=brief(code, services.settings, message)))
        elif message:
            errors.append(BulkError(count=count, error=local_brief(message)))
    base = job_record(job).model_dump()
    return BulkProgress(**base, counts=counts, rate=rate, eta_seconds=eta, last_errors=errors)


def local_brief(message: str) -> ErrorBrief:
    return ErrorBrief(
        code=LOCAL_ERROR,
        title="Skipped here",
        meaning=message[:200],
        remediation=["Nothing was sent to these recipients; see the reason."],
        docs_url="https://www.twilio.com/docs/messaging",
    )


FINISHED = ("canceled", "completed")
POLL_SECONDS = 1.0


async def follow(
    services: Services,
    job_id: str,
    wait_seconds: float,
    report: ProgressReport | None,
    sleep: Callable[[float], Awaitable[None]] = anyio.sleep,
) -> BulkProgress:
    """The job's progress once it is finished or `wait_seconds` have passed, reporting each poll.

    Raises:
        NotFoundError: not_found.bulk_job when there is no such job.
    """
    progress = job_progress(services, job_id)
    with anyio.move_on_after(wait_seconds):
        while True:
            counts = progress.counts
            done = counts.sent + counts.failed + counts.skipped
            if report is not None:
                rate = f", {progress.rate:g}/s" if progress.rate else ""
                await report(float(done), float(progress.total), f"{counts.sent} sent, {counts.failed} failed{rate}")
            if progress.status in FINISHED or progress.status == "paused" or done >= progress.total:
                break
            await sleep(POLL_SECONDS)
            progress = job_progress(services, job_id)
    return progress
