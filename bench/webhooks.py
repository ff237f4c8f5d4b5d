"""Webhook receiver throughput and latency against a bare Starlette endpoint, measured in one run.

Run: .venv/bin/python bench/webhooks.py [--requests 20000] [--concurrency 50] [--duplicates 0.3]
Both servers run under uvicorn on 127.0.0.1 ephemeral ports in subprocesses; the client is one
httpx.AsyncClient. Every request is a signed message status callback; the receiver commits each new
one to SQLite before answering. Budget: p95 <= 25 ms and throughput >= 40% of the bare endpoint's.
"""

from __future__ import annotations

import argparse
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

import anyio
import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from skill.config import SANDBOX_ACCOUNT_SID, SANDBOX_AUTH_TOKEN  # noqa: E402
from skill.webhooks.signatures import compute_signature  # noqa: E402

P95_BUDGET_MS = 25.0
RATIO_BUDGET = 0.40
RUN_TIMEOUT_SECONDS = 300

SERVER_SCRIPT = """
import sys, uvicorn
kind, port, home = sys.argv[1], int(sys.argv[2]), sys.argv[3]
if kind == "bare":
    from starlette.applications import Starlette
    from starlette.responses import Response
    from starlette.routing import Route
    async def ok(request):
        await request.body()
        return Response(status_code=200)
    app = Starlette(routes=[Route("/twilio/sms/status", ok, methods=["POST"])])
else:
    from pathlib import Path
    from skill.config import Settings
    from skill.webhooks.app import build_webhooks_app
    app = build_webhooks_app(Settings(home=Path(home)))
uvicorn.run(app, host="127.0.0.1", port=port, log_level="error", access_log=False)
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_server(kind: str, home: Path) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("TWILIO_")}
    process = subprocess.Popen(
        [sys.executable, "-c", SERVER_SCRIPT, kind, str(port), str(home)],
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the {kind} server exited early")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return process, port
        except OSError:
            time.sleep(0.05)
    process.kill()
    raise TimeoutError(f"the {kind} server did not listen within 30 s")


def requests_for(port: int, total: int, duplicates: float) -> list[tuple[bytes, dict[str, str]]]:
    rng = random.Random(1)
    url = f"http://127.0.0.1:{port}/twilio/sms/status"
    made: list[tuple[bytes, dict[str, str]]] = []
    for n in range(total):
        if made and rng.random() < duplicates:
            made.append(rng.choice(made))
            continue
        sid = "SM" + f"{n:032x}"
        params = {"AccountSid": SANDBOX_ACCOUNT_SID, "MessageSid": sid, "MessageStatus": "delivered",
                  "To": "+14155550100", "From": "+15005550006", "ApiVersion": "2010-04-01"}  # fmt: skip
        signature = compute_signature(SANDBOX_AUTH_TOKEN, url, {k: [v] for k, v in params.items()})
        made.append((urlencode(params).encode(), {"Content-Type": "application/x-www-form-urlencoded",
                                                  "X-Twilio-Signature": signature}))  # fmt: skip
    return made


async def load(port: int, batch: list[tuple[bytes, dict[str, str]]], concurrency: int) -> tuple[float, list[float]]:
    """(seconds for the whole batch, latency of each request in ms)."""
    url = f"http://127.0.0.1:{port}/twilio/sms/status"
    latencies: list[float] = []
    failures = 0
    pending = iter(batch)

    async def worker() -> None:
        nonlocal failures
        # One client (one keep-alive connection) per worker: a shared httpx pool of 50 connections
        # costs the client more than the servers under test do.
        async with httpx.AsyncClient(limits=httpx.Limits(max_connections=1), timeout=30) as client:
            for body, headers in pending:
                started = time.perf_counter()
                response = await client.post(url, content=body, headers=headers)
                latencies.append((time.perf_counter() - started) * 1000)
                failures += response.status_code >= 300

    started = time.perf_counter()
    with anyio.fail_after(RUN_TIMEOUT_SECONDS):
        async with anyio.create_task_group() as group:
            for _ in range(concurrency):
                group.start_soon(worker)
    if failures:
        raise RuntimeError(f"{failures} requests were not answered 2xx")
    return time.perf_counter() - started, latencies


def summary(name: str, seconds: float, latencies: list[float]) -> float:
    cuts = statistics.quantiles(latencies, n=100)
    rate = len(latencies) / seconds
    print(f"{name:10s} {rate:8.0f} req/s   p50 {cuts[49]:6.2f} ms   p95 {cuts[94]:6.2f} ms   p99 {cuts[98]:6.2f} ms")
    return rate


async def main(total: int, concurrency: int, duplicates: float) -> int:
    with tempfile.TemporaryDirectory() as home:
        results = {}
        for kind in ("bare", "receiver"):
            process, port = start_server(kind, Path(home))
            try:
                batch = requests_for(port, total, duplicates)
                await load(port, batch[: min(500, total)], concurrency)  # warm-up, not measured
                if kind == "receiver":
                    batch = requests_for(port, total + 1000, duplicates)[1000:]  # new SIDs after the warm-up
                results[kind] = await load(port, batch, concurrency)
            finally:
                process.terminate()
                process.wait(timeout=10)
    print(f"{total} signed status callbacks, concurrency {concurrency}, {duplicates:.0%} duplicates")
    bare_rate = summary("bare", *results["bare"])
    rate = summary("receiver", *results["receiver"])
    p95 = statistics.quantiles(results["receiver"][1], n=100)[94]
    ratio = rate / bare_rate
    print(f"receiver/bare throughput: {ratio:.0%} (budget >= {RATIO_BUDGET:.0%}); p95 budget {P95_BUDGET_MS} ms")
    return 0 if p95 <= P95_BUDGET_MS and ratio >= RATIO_BUDGET else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--duplicates", type=float, default=0.3)
    options = parser.parse_args()
    sys.exit(anyio.run(main, options.requests, options.concurrency, options.duplicates))
