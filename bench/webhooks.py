"""Webhook receiver throughput and latency against a bare Starlette endpoint, measured in one run.

Run: .venv/bin/python bench/webhooks.py [--seconds 10] [--concurrency 50] [--duplicates 0.3] [--python]
Each server runs under uvicorn (one worker) in its own process on a 127.0.0.1 ephemeral port.
The load comes from `wrk` (Debian package wrk) with a Lua script that cycles through pre-signed
message status callbacks, a share of them repeated to exercise deduplication; without wrk (or with
--python) a pure-Python client is used instead, which saturates a small machine before the
servers do and so reports its own limits more than theirs. The receiver commits each new callback
to SQLite before answering. Budget: p95 <= 25 ms and throughput >= 40% of the bare endpoint's.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from skill.config import SANDBOX_ACCOUNT_SID, SANDBOX_AUTH_TOKEN  # noqa: E402
from skill.core.signing import compute_signature  # noqa: E402

P95_BUDGET_MS = 25.0
RATIO_BUDGET = 0.40
RUN_TIMEOUT_SECONDS = 300
PATH = "/twilio/sms/status"

SERVER_SCRIPT = """
import sys, uvicorn
kind, port, home = sys.argv[1], int(sys.argv[2]), sys.argv[3]
if kind == "bare":
    from starlette.applications import Starlette
    from starlette.responses import Response
    from starlette.routing import Route
    async def ok(request):
        await request.body()
        return Response(status_code=204)
    app = Starlette(routes=[Route("/twilio/sms/status", ok, methods=["POST"])])
else:
    from pathlib import Path
    from skill.config import Settings
    from skill.webhooks.app import build_webhooks_app
    app = build_webhooks_app(Settings(home=Path(home)))
uvicorn.run(app, host="127.0.0.1", port=port, log_level="error", access_log=False)
"""

# Each wrk thread takes every n-th line of the file (signature TAB body) and cycles through them;
# done() prints the figures on one line for the parent to read.
WRK_SCRIPT = """
local lines, index, counter = {}, 0, 0
local threads = {}
function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end
function init(args)
  local n, i = tonumber(args[2]), 0
  for line in io.lines(args[1]) do
    if i % n == id then
      local tab = line:find("\\t")
      table.insert(lines, {line:sub(1, tab - 1), line:sub(tab + 1)})
    end
    i = i + 1
  end
end
function request()
  index = index % #lines + 1
  local item = lines[index]
  return wrk.format("POST", nil, {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["X-Twilio-Signature"] = item[1],
  }, item[2])
end
function done(summary, latency, requests)
  local bad = summary.errors.status + summary.errors.connect + summary.errors.read
    + summary.errors.write + summary.errors.timeout
  io.write(string.format("RESULT requests=%d seconds=%.3f p50=%.3f p95=%.3f p99=%.3f bad=%d\\n",
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1000,
    latency:percentile(95) / 1000, latency:percentile(99) / 1000, bad))
end
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_server(kind: str, home: Path) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("TWILIO_")}
    process = subprocess.Popen(
        [sys.executable, "-c", SERVER_SCRIPT, kind, str(port), str(home)], cwd=ROOT, env=env, stdin=subprocess.DEVNULL
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


def signed_callbacks(port: int, distinct: int, duplicates: float, tag: str) -> list[tuple[str, bytes]]:
    """(signature, body) of `distinct` status callbacks, with `duplicates` of the total repeating one."""
    rng = random.Random(tag)
    url = f"http://127.0.0.1:{port}{PATH}"
    made: list[tuple[str, bytes]] = []
    fresh = 0
    while fresh < distinct:
        if made and rng.random() < duplicates:
            made.append(rng.choice(made))
            continue
        sid = "SM" + f"{tag}{fresh:032x}"[-32:]
        params = {
            "AccountSid": SANDBOX_ACCOUNT_SID,
            "MessageSid": sid,
            "MessageStatus": "delivered",
            "To": "+14155550100",
            "From": "+15005550006",
            "ApiVersion": "2010-04-01",
        }
        made.append(
            (
                compute_signature(SANDBOX_AUTH_TOKEN, url, {k: [v] for k, v in params.items()}),
                urlencode(params).encode(),
            )
        )
        fresh += 1
    return made


# --- wrk -------------------------------------------------------------------------------------


def run_wrk(port: int, data: Path, script: Path, seconds: float, concurrency: int, threads: int) -> dict[str, float]:
    command = [
        "wrk",
        f"-t{threads}",
        f"-c{concurrency}",
        f"-d{max(1, round(seconds))}s",
        "--latency",
        "--timeout",
        "10s",
        "-s",
        str(script),
        f"http://127.0.0.1:{port}{PATH}",
        "--",
        str(data),
        str(threads),
    ]
    output = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60, check=True).stdout
    found = re.search(r"RESULT (.*)", output)
    if found is None:
        raise RuntimeError(f"wrk printed no result:\n{output}")
    figures = {key: float(value) for key, value in (pair.split("=") for pair in found.group(1).split())}
    if figures["bad"]:
        raise RuntimeError(f"{figures['bad']:.0f} requests failed or were not answered 2xx")
    figures["rate"] = figures["requests"] / figures["seconds"]
    return figures


def measure_wrk(kind: str, home: Path, work: Path, options: argparse.Namespace) -> dict[str, float]:
    process, port = start_server(kind, home)
    try:
        script = work / "callbacks.lua"
        script.write_text(WRK_SCRIPT)
        # Enough distinct callbacks that the run does not wrap around into more repeats than asked for.
        distinct = int(options.seconds * 6000)
        for tag, seconds in (("a", 2.0), ("b", options.seconds)):  # a: warm-up, not reported
            data = work / f"{kind}-{tag}.tsv"
            with data.open("wb") as out:
                for signature, body in signed_callbacks(port, distinct, options.duplicates, tag):
                    out.write(signature.encode() + b"\t" + body + b"\n")
            figures = run_wrk(port, data, script, seconds, options.concurrency, options.threads)
        return figures
    finally:
        process.terminate()
        process.wait(timeout=10)


# --- pure-Python fallback --------------------------------------------------------------------


def measure_python(kind: str, home: Path, options: argparse.Namespace) -> dict[str, float]:
    import anyio
    import httpx

    process, port = start_server(kind, home)
    url = f"http://127.0.0.1:{port}{PATH}"

    async def load(batch: list[tuple[str, bytes]]) -> tuple[float, list[float]]:
        latencies: list[float] = []
        pending = iter(batch)

        async def worker() -> None:
            # One keep-alive connection per worker; a shared pool costs the client more than the servers.
            async with httpx.AsyncClient(limits=httpx.Limits(max_connections=1), timeout=30) as client:
                for signature, body in pending:
                    started = time.perf_counter()
                    response = await client.post(
                        url,
                        content=body,
                        headers={"Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": signature},
                    )
                    latencies.append((time.perf_counter() - started) * 1000)
                    if response.status_code >= 300:
                        raise RuntimeError(f"answered {response.status_code}")

        started = time.perf_counter()
        with anyio.fail_after(RUN_TIMEOUT_SECONDS):
            async with anyio.create_task_group() as group:
                for _ in range(options.concurrency):
                    group.start_soon(worker)
        return time.perf_counter() - started, latencies

    try:
        anyio.run(load, signed_callbacks(port, 500, options.duplicates, "a"))  # warm-up
        seconds, latencies = anyio.run(load, signed_callbacks(port, options.requests, options.duplicates, "b"))
    finally:
        process.terminate()
        process.wait(timeout=10)
    cuts = statistics.quantiles(latencies, n=100)
    return {"rate": len(latencies) / seconds, "p50": cuts[49], "p95": cuts[94], "p99": cuts[98]}


def main(options: argparse.Namespace) -> int:
    use_wrk = shutil.which("wrk") is not None and not options.python
    results: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as temp:
        work = Path(temp)
        for kind in ("bare", "receiver"):
            home = work / kind
            if use_wrk:
                results[kind] = measure_wrk(kind, home, work, options)
            else:
                results[kind] = measure_python(kind, home, options)
    how = (
        f"wrk -t{options.threads} -c{options.concurrency}, {options.seconds:g} s"
        if use_wrk
        else (f"Python client, {options.requests} requests, concurrency {options.concurrency} (no wrk)")
    )
    print(f"signed status callbacks, {options.duplicates:.0%} duplicates; load: {how}")
    for kind, figures in results.items():
        print(
            f"{kind:10s} {figures['rate']:8.0f} req/s   p50 {figures['p50']:6.2f} ms   "
            f"p95 {figures['p95']:6.2f} ms   p99 {figures['p99']:6.2f} ms"
        )
    ratio = results["receiver"]["rate"] / results["bare"]["rate"]
    p95 = results["receiver"]["p95"]
    within = p95 <= P95_BUDGET_MS and ratio >= RATIO_BUDGET
    print(
        f"receiver/bare throughput: {ratio:.0%} (budget >= {RATIO_BUDGET:.0%}); "
        f"receiver p95 {p95:.2f} ms (budget <= {P95_BUDGET_MS:g} ms): {'within' if within else 'OVER'} budget"
    )
    return 0 if within else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="wrk: length of each measured run")
    parser.add_argument("--threads", type=int, default=2, help="wrk: threads")
    parser.add_argument("--requests", type=int, default=20_000, help="Python fallback: requests per server")
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--duplicates", type=float, default=0.3)
    parser.add_argument("--python", action="store_true", help="use the pure-Python client even when wrk is present")
    sys.exit(main(parser.parse_args()))
