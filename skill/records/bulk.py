"""A bulk send: its dry-run report, the job and its progress."""

from __future__ import annotations

from pydantic import Field

from skill.records.base import Record
from skill.records.errors import ErrorBrief
from skill.records.pricing import Estimate

# The states of one recipient's row in the outbox.
ROW_STATES = ("queued", "sending", "sent", "failed", "skipped", "unknown")
# The states of a job.
JOB_STATES = ("running", "paused", "canceled", "completed")


class RecipientIssue(Record):
    row: int = Field(description="1-based position in the list or CSV data row.")
    phone_number: str = Field(description="The number as given (cut to 64 characters).")
    reason: str = Field(description="Why it will not be sent.")


class BulkReport(Record):
    recipients: int = Field(description="Rows given.")
    valid: int = Field(description="Recipients that will be queued.")
    invalid: int = Field(description="Rows refused: bad number, country not allowed, missing variable, too long.")
    opted_out: int = Field(description="Recipients on the opt-out list (skipped).")
    duplicate: int = Field(description="Repeats of an earlier row (skipped).")
    issues: list[RecipientIssue] = Field(description="The first refused rows with their reason.")
    segments: int = Field(description="SMS segments the valid recipients add up to.")
    cost: Estimate | None = Field(default=None, description="Estimated cost of the valid recipients.")
    cost_note: str | None = Field(default=None, description="Why there is no cost, or what it leaves out.")
    rate_segments_per_second: float = Field(description="The senders' combined rate, in segments per second.")
    seconds: int = Field(description="Estimated time to send everything at that rate (send windows aside).")
    countries: list[str] = Field(description="Destination countries (ISO codes).")


class BulkJob(Record):
    sid: str = Field(description="Job id (BJ...).")
    status: str = Field(description="running, paused, canceled or completed.")
    sender: str = Field(description="The 'from' number or the messaging_service_sid.")
    created_at: str = Field(description="When it was created (ISO 8601, UTC).")
    start_at: str | None = Field(default=None, description="Not before this time (ISO 8601, UTC).")
    send_window: str | None = Field(default=None, description="Local hours in each recipient's time zone.")
    approved: bool = Field(description="True when an operator approved it: it runs past the daily caps.")
    total: int = Field(description="Recipients queued when it was created.")
    held: str | None = Field(default=None, description="Why sending is held (e.g. a daily cap), if it is.")


class BulkCounts(Record):
    queued: int = Field(default=0, description="Waiting to be sent.")
    sending: int = Field(default=0, description="Handed to a worker.")
    sent: int = Field(default=0, description="Accepted by Twilio.")
    failed: int = Field(default=0, description="Refused by Twilio (permanent error).")
    skipped: int = Field(default=0, description="Opted out, not allowed at send time, or canceled.")
    unknown: int = Field(default=0, description="Outcome being reconciled with Twilio.")
    delivered: int = Field(default=0, description="Delivered, per status callbacks.")
    undelivered: int = Field(default=0, description="Undelivered or failed after sending, per status callbacks.")


class BulkError(Record):
    count: int = Field(description="Recipients that ended with this error.")
    error: ErrorBrief = Field(description="The error explained.")


class BulkProgress(BulkJob):
    counts: BulkCounts = Field(description="Recipients by state.")
    rate: float | None = Field(default=None, description="Achieved messages per second so far.")
    eta_seconds: int | None = Field(default=None, description="Estimated seconds until every recipient is handled.")
    last_errors: list[BulkError] = Field(description="The most frequent errors, explained.")


# What the outbox store keeps (plain rows, not tool output).
class JobRow(Record):
    id: str
    profile: str
    status: str
    sender: str | None
    service_sid: str | None
    status_callback: str | None
    window: str | None
    start_at: float | None
    approved: bool
    total: int
    created_at: float
    hold_reason: str | None = None
    hold_until: float | None = None


class OutboxRow(Record):
    job_id: str
    idx: int
    phone: str
    body: str
    segments: int
    country: str | None
    tz: str | None
    cost_micros: int
    state: str = "queued"
    not_before: float = 0.0
    attempts: int = 0
    attempted_at: float | None = None
    sid: str | None = None
    error_code: int | None = None
    error_message: str | None = None
