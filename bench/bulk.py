"""Bulk sends through the sandbox at the senders' published rates: achieved/allowed rate, duplicates, losses.

Run: .venv/bin/python bench/bulk.py [--recipients 2000] [--clock-rate 4] [--kills 2] [--service]

A sandbox (`twilio-skill sandbox --clock-rate R`, its clock R times faster than real time) holds three
toll-free senders at Twilio's 3 MPS each; three jobs split the recipients between them, queued in a
fresh home, and a `twilio-skill worker` (paced on the same clock) sends them. With --service, one job
sends through a Messaging Service holding the three: the worker goes at their sum, the sandbox spreads
the messages over them. Figures:
  rate       segments per second the worker handed over, on the sandbox clock, against the 9 allowed
  queue      the deepest sender queue the sandbox saw (a worker faster than allowed fills it)
  duplicates recipients with more than one message at the sandbox; lost: recipients with none
The second run kills the worker with SIGKILL `--kills` times mid-run and starts it again.
Budget: rate ratio >= 0.95 on the steady run; 0 duplicates and 0 lost on both. The figures depend on the
machine keeping up: at clock x4 the worker hands over 36 messages per real second.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import anyio
import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from skill.config import SANDBOX_ACCOUNT_SID, SANDBOX_AUTH_TOKEN, Settings  # noqa: E402
from skill.core.bulk_jobs import BulkRequest, create_job  # noqa: E402
from skill.sandbox.state import make_sid  # noqa: E402
from skill.wiring import build_services  # noqa: E402

SENDERS = ("+18005550123", "+18005550124", "+18005550125")
ALLOWED = 3.0 * len(SENDERS)
RATIO_BUDGET = 0.95
CLI = str(Path(sys.executable).with_name("twilio-skill"))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def environment(home: Path, base: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TWILIO_", "SENDGRID_"))}
    return {**env, "TWILIO_SKILL_HOME": str(home), "TWILIO_SKILL_SANDBOX_URL": base}


def start_sandbox(env: dict[str, str], port: int, rate: float) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        [CLI, "sandbox", "--port", str(port), "--clock-rate", str(rate), "--log-level", "warning"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(200):
        try:
            httpx.get(f"http://127.0.0.1:{port}/_sandbox/state", timeout=1).raise_for_status()
            return process
        except httpx.HTTPError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit("the sandbox did not start")


AUTH = (SANDBOX_ACCOUNT_SID, SANDBOX_AUTH_TOKEN)


def buy_senders(base: str) -> None:
    url = f"{base}/2010-04-01/Accounts/{SANDBOX_ACCOUNT_SID}/IncomingPhoneNumbers.json"
    for number in SENDERS[1:]:
        answer = httpx.post(url, data={"PhoneNumber": number}, auth=AUTH)
        answer.raise_for_status()


def make_service(base: str) -> str:
    """A Messaging Service holding the three senders; its SID."""
    messaging = {"X-Twilio-Host": "messaging.twilio.com"}
    listed = f"{base}/2010-04-01/Accounts/{SANDBOX_ACCOUNT_SID}/IncomingPhoneNumbers.json"
    numbers = httpx.get(listed, auth=AUTH, params={"PageSize": 50}).json()["incoming_phone_numbers"]
    created = httpx.post(f"{base}/v1/Services", data={"FriendlyName": "bench"}, auth=AUTH, headers=messaging)
    created.raise_for_status()
    service = str(created.json()["sid"])
    seeded = make_sid("MG", "seed", "service")  # the seeded service holds the first toll-free number
    for number in numbers:
        if number["phone_number"] == SENDERS[0]:
            httpx.delete(f"{base}/v1/Services/{seeded}/PhoneNumbers/{number['sid']}", auth=AUTH, headers=messaging)
        if number["phone_number"] in SENDERS:
            added = httpx.post(
                f"{base}/v1/Services/{service}/PhoneNumbers",
                data={"PhoneNumberSid": number["sid"]},
                auth=AUTH,
                headers=messaging,
            )
            added.raise_for_status()
    return service


async def queue_jobs(settings: Settings, recipients: int, service: str | None) -> list[str]:
    services = build_services(settings)
    numbers = [f"+1415{2000000 + index:07d}" for index in range(recipients)]
    jobs = []
    try:
        if service is not None:
            everyone = tuple((number, {"first_name": f"R{index}"}) for index, number in enumerate(numbers))
            body = "Hello {first_name}, your order shipped."
            request = BulkRequest(body=body, recipients=everyone, service_sid=service)
            job, _ = await create_job(services, request, approved=True, dry_run=False)
            assert job is not None
            return [job.sid]
        for lane, sender in enumerate(SENDERS):
            mine = tuple(
                (number, {"first_name": f"R{index}"}) for index, number in enumerate(numbers) if index % 3 == lane
            )
            request = BulkRequest(body="Hello {first_name}, your order shipped.", recipients=mine, sender=sender)
            job, _ = await create_job(services, request, approved=True, dry_run=False)
            assert job is not None
            jobs.append(job.sid)
    finally:
        await services.aclose()
    return jobs


def start_worker(env: dict[str, str], rate: float) -> subprocess.Popen[bytes]:
    command = [CLI, "worker", "--pace-rate", str(rate), "--lease-seconds", "5", "--reconcile-grace", "10"]
    return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def progress(settings: Settings, jobs: list[str]) -> tuple[int, bool]:
    from skill.wiring import open_stores

    stores = open_stores(settings)
    try:
        done = sum(stores.outbox.counts(job).get("sent", 0) for job in jobs)
        finished = all(
            (stores.outbox.job(job) or None) and stores.outbox.job(job).status == "completed" for job in jobs
        )  # type: ignore[union-attr]
        return done, finished
    finally:
        stores.close()


def achieved_rate(settings: Settings, jobs: list[str], clock_rate: float) -> float:
    """Messages handed over by all jobs together per second of the sandbox clock, first to last."""
    from skill.wiring import open_stores

    stores = open_stores(settings)
    try:
        spans = [stores.outbox.sent_span(job) for job in jobs]
    finally:
        stores.close()
    sent = sum(span[0] for span in spans)
    first = min(span[1] for span in spans if span[1] is not None)
    last = max(span[2] for span in spans if span[2] is not None)
    return (sent - 1) / ((last - first) * clock_rate) if last > first else 0.0


async def sandbox_messages(settings: Settings) -> Counter[str]:
    services = build_services(settings)
    seen: Counter[str] = Counter()
    cursor = None
    try:
        while True:
            page = await services.twilio.messages.list(limit=1000, cursor=cursor)
            seen.update(message.to or "" for message in page.items)
            if not page.has_more or not page.next_cursor:
                return seen
            cursor = page.next_cursor
    finally:
        await services.aclose()


def run(recipients: int, clock_rate: float, kills: int, through_service: bool = False) -> dict[str, Any]:
    home = Path(tempfile.mkdtemp(prefix="bulk-bench-"))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = environment(home, base)
    sandbox = start_sandbox(env, port, clock_rate)
    worker: subprocess.Popen[bytes] | None = None
    try:
        buy_senders(base)
        settings = Settings.from_env(env)
        jobs = anyio.run(queue_jobs, settings, recipients, make_service(base) if through_service else None)
        started = time.monotonic()
        worker = start_worker(env, clock_rate)
        kill_at = [recipients * (index + 1) // (kills + 1) for index in range(kills)]
        killed = 0
        while True:
            done, finished = progress(settings, jobs)
            if finished:
                break
            if kill_at and done >= kill_at[0]:
                worker.send_signal(signal.SIGKILL)
                worker.wait()
                killed += 1
                kill_at.pop(0)
                worker = start_worker(env, clock_rate)
            if time.monotonic() - started > 600:
                raise SystemExit("the jobs did not finish in 10 minutes")
            time.sleep(0.2)
        elapsed = time.monotonic() - started
        seen = anyio.run(sandbox_messages, settings)
        senders = httpx.get(f"{base}/_sandbox/senders", timeout=5).json()
        expected = {f"+1415{2000000 + index:07d}" for index in range(recipients)}
        return {
            "elapsed": elapsed,
            "killed": killed,
            "rate": achieved_rate(settings, jobs, clock_rate),
            "duplicates": sum(1 for number in expected if seen[number] > 1),
            "lost": sum(1 for number in expected if seen[number] == 0),
            "deepest_queue": max(s["deepest_queue_seconds"] for s in senders["senders"].values()),
            "refused_429": senders["api_concurrency_refused"],
        }
    finally:
        if worker is not None:
            worker.kill()
            worker.wait()
        sandbox.terminate()
        sandbox.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--recipients", type=int, default=2000)
    parser.add_argument("--clock-rate", type=float, default=4.0)
    parser.add_argument("--kills", type=int, default=2)
    parser.add_argument("--service", action="store_true", help="Send one job through a Messaging Service.")
    args = parser.parse_args()
    failed = False
    how = "senders in one Messaging Service" if args.service else "toll-free senders"
    for label, kills in (("steady", 0), (f"killed x{args.kills}", args.kills)):
        figures = run(args.recipients, args.clock_rate, kills, args.service)
        ratio = figures["rate"] / ALLOWED
        # The rate is budgeted on the steady run; a killed worker's restarts count against its run's rate.
        ok = (kills > 0 or ratio >= RATIO_BUDGET) and figures["duplicates"] == 0 and figures["lost"] == 0
        failed |= not ok
        print(
            f"{label:<10} {args.recipients} recipients, {len(SENDERS)} {how}, clock x{args.clock_rate:g}: "
            f"{figures['elapsed']:.1f} s real; rate {figures['rate']:.2f}/{ALLOWED:g} segments/s "
            f"(ratio {ratio:.3f}); duplicates {figures['duplicates']}; lost {figures['lost']}; "
            f"deepest sender queue {figures['deepest_queue']:.2f} s; API 429s {figures['refused_429']}; "
            f"worker kills {figures['killed']}: {'within budget' if ok else 'OVER BUDGET'}"
        )
    raise SystemExit(1 if failed else 0)


if __name__ == "__main__":
    main()
