"""The bulk worker: claims outbox rows in small batches and sends them at each sender's rate.

For each row, in order: a row whose outcome is unknown is reconciled first (skill.core.send_keys
finds what Twilio created); the send window, the opt-out list and the country policy are checked
again; the day's send and spend caps are counted (an approved job runs past them, still counted;
any other job is held at the cap, its rows left queued); the sender's token bucket is waited on;
the row is marked attempted under its lease; then the message is created. A 429 or 5xx slows the
bucket and retries after a backoff, never before a Retry-After (the job is held and the sender's
bucket blocked till then); a permanent refusal marks the recipient; an unknown outcome is
reconciled before any resend. The buckets are rows of the store (skill.stores.buckets), so every
worker on the database, in this process or another, shares one rate per sender, its slowdown and its
Retry-After. Buckets run on the upstream clock (Twilio's time), everything else on the wall clock.
Between batches the worker also applies the policy's [retention] once a day (skill.core.daily_prune).
"""

from __future__ import annotations

import logging
import random
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from decimal import Decimal

import anyio

from skill.core.bulk_jobs import MICROS
from skill.core.bulk_rates import backoff, sender_rate
from skill.core.bulk_windows import next_open
from skill.core.context import Services
from skill.core.daily_prune import DailyPrune
from skill.core.messaging import SEND_TOOL
from skill.core.optouts import opted_out
from skill.core.send_keys import GRACE_SECONDS, find_sent
from skill.errors import SkillError, UpstreamError
from skill.ports.clock import Clock
from skill.ports.stores import BucketStore, OutboxStore
from skill.records.bulk import JobRow, OutboxRow

log = logging.getLogger("twilio_skill.bulk")

Sleep = Callable[[float], Awaitable[None]]
HOLD_SECONDS = 300.0  # a job held at a cap is looked at again after this long
RECHECK_SECONDS = 5.0  # an unfound unknown row is looked for again after this long
# Twilio refusing for load, not for the message: 20429 too many requests, 21611 the sender's queue is full.
PUSHED_BACK = (20429, 21611)


@dataclass(frozen=True)
class WorkerOptions:
    batch: int = 20
    lease_seconds: float = 30.0
    idle_seconds: float = 1.0
    reconcile_grace: float = GRACE_SECONDS
    concurrency: int = 8


def _permanent(exc: SkillError) -> bool:
    """A refusal that a retry cannot change (opted out, invalid number, ...): Twilio answered 4xx
    for the message itself, not for load (see PUSHED_BACK)."""
    status = getattr(exc, "http_status", None)
    return isinstance(exc, UpstreamError) and status is not None and 400 <= status < 500 and status != 429


class BulkWorker:
    """One worker; several (in one process or many) may share a store."""

    def __init__(
        self,
        services: Services,
        *,
        options: WorkerOptions | None = None,
        sleep: Sleep | None = None,
        worker_id: str | None = None,
        rng: random.Random | None = None,
        pace: Clock | None = None,
    ) -> None:
        self.services = services
        self.options = options or WorkerOptions()
        self.worker_id = worker_id or f"w-{uuid.uuid4().hex[:12]}"
        self.pace = pace or services.upstream_clock  # sender rates are kept on Twilio's time
        self._sleep = sleep or self._real_sleep
        self.rng = rng or random.Random()
        self.rates: dict[str, float] = {}  # each bucket's configured rate, looked up once per worker
        self.jobs: dict[str, JobRow] = {}
        self.held: set[str] = set()
        self._country_limits: dict[str, anyio.CapacityLimiter] = {}
        self._limiter = anyio.CapacityLimiter(self.options.concurrency)
        self.daily_prune = DailyPrune(services)

    async def _real_sleep(self, seconds: float) -> None:
        rate = getattr(self.pace, "rate", 1.0) or 1.0
        await anyio.sleep(max(seconds, 0.0) / rate)

    @property
    def outbox(self) -> OutboxStore:
        return self.services.stores.outbox

    @property
    def buckets(self) -> BucketStore:
        return self.services.stores.buckets

    async def run(self) -> None:
        """Work until cancelled: a batch at a time, resting when nothing is ready; pruning once a day."""
        while True:
            try:
                await anyio.to_thread.run_sync(self.daily_prune.run_if_due)
            except Exception:
                log.exception("retention prune failed; trying again later")
            try:
                done = await self.run_once()
            except Exception:
                log.exception("bulk worker round failed; trying again")
                done = 0
            if not done:
                await self._sleep(self.options.idle_seconds)

    async def run_once(self) -> int:
        """Claim one batch and handle every row of it; the number of rows handled."""
        rows = await anyio.to_thread.run_sync(
            lambda: self.outbox.claim(
                self.worker_id, limit=self.options.batch, lease_seconds=self.options.lease_seconds
            )
        )
        self.jobs.clear()
        self.held.clear()
        lanes: dict[str, list[OutboxRow]] = {}
        for row in rows:
            lanes.setdefault(row.job_id, []).append(row)  # one lane per job, so senders never wait on each other
        if rows:
            async with anyio.create_task_group() as group:
                for lane in lanes.values():
                    group.start_soon(self._lane, lane, group)
        await anyio.to_thread.run_sync(self.outbox.complete_finished)
        return len(rows)

    async def _lane(self, rows: list[OutboxRow], group: anyio.abc.TaskGroup) -> None:
        for row in rows:
            await self._handle(row, group)

    async def _job(self, job_id: str) -> JobRow | None:
        if job_id not in self.jobs:
            job = await anyio.to_thread.run_sync(self.outbox.job, job_id)
            if job is None:
                return None
            self.jobs[job_id] = job
        return self.jobs[job_id]

    async def _bucket(self, job: JobRow) -> tuple[str, float]:
        """The job's bucket key (its sender or service) and that bucket's configured rate."""
        key = job.sender or job.service_sid or ""
        if key not in self.rates:
            self.rates[key] = await sender_rate(self.services, sender=job.sender, service_sid=job.service_sid)
        return key, self.rates[key]

    async def _take(self, bucket: tuple[str, float], segments: int) -> float:
        """Take a message's tokens from the shared bucket: 0 when taken, else the seconds to wait."""
        key, rate = bucket
        return await anyio.to_thread.run_sync(lambda: self.buckets.take(key, rate, segments, self.pace.now()))

    def _country(self, country: str | None) -> anyio.CapacityLimiter:
        key = country or ""
        if key not in self._country_limits:
            self._country_limits[key] = anyio.CapacityLimiter(self.services.policy.bulk.country_concurrency)
        return self._country_limits[key]

    def _requeue(self, row: OutboxRow, delay: float, *, forget: bool) -> None:
        now = self.services.clock.now()
        self.outbox.requeue(
            row.job_id, row.idx, not_before=now + delay, forget_attempt=forget, owner=self.worker_id
        )  # only a row this worker still holds: one taken over is the other worker's

    async def _handle(self, row: OutboxRow, group: anyio.abc.TaskGroup) -> None:
        services = self.services
        job = await self._job(row.job_id)
        if job is None or job.id in self.held:
            self._requeue(row, 0.0, forget=row.state == "sending")
            return
        if row.state == "unknown":
            await self._reconcile(job, row)
            return
        now = services.clock.now()
        if job.window:
            opens = next_open(now, row.tz, job.window)
            if opens > now:
                self._requeue(row, opens - now, forget=True)
                return
        label = job.sender or job.service_sid or ""
        if opted_out(services, row.phone, label):
            self.outbox.finish(job.id, row.idx, "skipped", error_message="opted out (STOP) after the job was created")
            return
        if not services.policy.country_allowed(row.country):
            self.outbox.finish(
                job.id, row.idx, "skipped", error_message=f"{row.country} is no longer an allowed destination"
            )
            return
        if not self._count(job, row):
            return
        bucket = await self._bucket(job)
        while wait := await self._take(bucket, row.segments):
            if job.id in self.held or wait > self.options.lease_seconds / 2:
                # Held, or told to wait long (Retry-After): back to the queue rather than sit on the lease.
                self._give_back(job, row)
                self._requeue(row, 0.0 if job.id in self.held else wait, forget=True)
                return
            await self._sleep(max(wait, 0.001))
        attempted = await anyio.to_thread.run_sync(
            lambda: self.outbox.mark_attempted(job.id, row.idx, self.worker_id, self.options.lease_seconds)
        )
        if not attempted:
            # Paused, canceled or taken over: nothing was sent for it here.
            self._give_back(job, row)
            self._requeue(row, 0.0, forget=True)
            return
        borrower = (row.job_id, row.idx)
        await self._country(row.country).acquire_on_behalf_of(borrower)
        await self._limiter.acquire_on_behalf_of(borrower)
        group.start_soon(self._send, job, row, bucket)

    def _count(self, job: JobRow, row: OutboxRow) -> bool:
        """Count the message against the day's caps; False (job held) when a cap stops it."""
        services, policy = self.services, self.services.policy
        counter, spend = services.stores.send_counter, services.stores.spend
        amount = Decimal(row.cost_micros) / MICROS
        if job.approved:
            counter.increment(job.profile, SEND_TOOL)
            if policy.spend_capped:
                spend.add(job.profile, amount)
            return True
        if not counter.try_reserve(job.profile, SEND_TOOL, policy.sends_per_day):
            return self._hold(job, row, f"daily limit of {policy.sends_per_day} messages reached")
        if policy.spend_capped:
            counted, _ = spend.try_reserve(
                job.profile, amount, per_day=policy.spend_per_day, per_month=policy.spend_per_month
            )
            if not counted:
                counter.release(job.profile, SEND_TOOL)
                return self._hold(job, row, "spend cap reached")
        return True

    def _hold(self, job: JobRow, row: OutboxRow, reason: str) -> bool:
        self.held.add(job.id)
        self.outbox.hold(
            job.id, f"{reason}; the rest stay queued (an operator's approval lets it run past the cap)",
            self.services.clock.now() + HOLD_SECONDS,
        )  # fmt: skip
        self._requeue(row, 0.0, forget=True)
        return False

    def _give_back(self, job: JobRow, row: OutboxRow) -> None:
        services = self.services
        services.stores.send_counter.release(job.profile, SEND_TOOL)
        if services.policy.spend_capped:
            services.stores.spend.release(job.profile, Decimal(row.cost_micros) / MICROS, _today(services))

    async def _send(self, job: JobRow, row: OutboxRow, bucket: tuple[str, float]) -> None:
        try:
            message = await self.services.twilio.messages.create(
                to=row.phone,
                body=row.body,
                from_=job.sender,
                messaging_service_sid=job.service_sid,
                media_url=None,
                status_callback=job.status_callback,
                validity_period=None,
            )
        except SkillError as exc:
            await anyio.to_thread.run_sync(self._failed, job, row, bucket, exc)
            return
        finally:
            self._limiter.release_on_behalf_of((row.job_id, row.idx))
            self._country(row.country).release_on_behalf_of((row.job_id, row.idx))
        key, rate = bucket
        await anyio.to_thread.run_sync(lambda: self.buckets.speed_up(key, rate, self.pace.now()))
        await anyio.to_thread.run_sync(lambda: self.outbox.finish(job.id, row.idx, "sent", sid=message.sid))
        if job.hold_reason:
            self.outbox.hold(job.id, None, None)

    def _failed(self, job: JobRow, row: OutboxRow, bucket: tuple[str, float], exc: SkillError) -> None:
        status = exc.http_status or 0
        if exc.code == "upstream.outcome_unknown":
            if status >= 500:
                self._slow(job, bucket, exc.retry_after)
            self._requeue(row, exc.retry_after or 0.0, forget=False)  # reconciled before any resend
            return
        self._give_back(job, row)
        if status == 429 or exc.twilio_code in PUSHED_BACK or status >= 500:
            self._slow(job, bucket, exc.retry_after)
            self._requeue(row, backoff(row.attempts + 1, exc.retry_after, self.rng), forget=True)
        elif _permanent(exc):
            self.outbox.finish(job.id, row.idx, "failed", error_code=exc.twilio_code, error_message=exc.message[:300])
        else:
            self._requeue(row, backoff(row.attempts + 1, None, self.rng), forget=True)

    def _slow(self, job: JobRow, bucket: tuple[str, float], retry_after: float | None) -> None:
        """Twilio pushed back: the sender slows down, and waits out a Retry-After (the job held till then)."""
        key, rate = bucket
        now = self.pace.now()
        self.buckets.slow_down(key, rate, now)
        if retry_after:
            self.buckets.block(key, rate, now + retry_after, now)
            self.held.add(job.id)
            reason = f"Twilio asked to wait {retry_after:g} s (Retry-After); sending resumes after it"
            self.outbox.hold(job.id, reason, self.services.clock.now() + retry_after)

    async def _reconcile(self, job: JobRow, row: OutboxRow) -> None:
        """A row whose send may have happened: found at Twilio, it is sent; not found within the
        grace period, it is looked for again; after it, it is sent anew."""
        request = {"to": row.phone, "from": job.sender, "messaging_service_sid": job.service_sid, "body": row.body}
        claimed = row.attempted_at or self.services.clock.now()
        try:
            search = await find_sent(self.services, request, claimed)
        except SkillError:
            self._requeue(row, RECHECK_SECONDS, forget=False)
            return
        if search.found is not None:
            self.outbox.finish(job.id, row.idx, "sent", sid=search.found.sid)
            return
        if not search.complete:
            # Too many messages to the recipient to look through: never resent blindly, looked at again.
            self._requeue(row, RECHECK_SECONDS, forget=False)
            return
        waited = self.services.clock.now() - claimed
        if waited < self.options.reconcile_grace:
            self._requeue(row, min(RECHECK_SECONDS, self.options.reconcile_grace - waited), forget=False)
            return
        # The first attempt never reached Twilio: its count is given back, and the row sends again.
        self._give_back(job, row)
        self._requeue(row, 0.0, forget=True)


def _today(services: Services) -> str:
    from skill.core.spend import utc_today

    return utc_today(services).isoformat()
