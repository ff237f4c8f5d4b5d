"""Webhook receiver throughput and latency against a bare Starlette endpoint, measured in one run.

Run: .venv/bin/python bench/webhooks.py [--seconds 10] [--concurrency 50] [--duplicates 0.3] [--python]
         [--database postgresql://...|auto] [--rate N]
Each server runs under uvicorn (one worker, as `twilio-skill webhooks` runs it: proxy headers off) in its own
process on a 127.0.0.1 ephemeral port.
With --database the receiver is measured on PostgreSQL too, as one receiver and as two receivers
sharing the database (`auto` starts a throwaway cluster, as the tests do). Each configuration is
measured twice: at saturation (closed loop, throughput) and at a fixed open-loop rate, by default
half of the bare endpoint's saturated throughput in the same run (bare goes first), reporting
p50/p95/p99 from each request's due time; and the CPU seconds the receivers (and the database
server) spent per 1,000 callbacks, at saturation and at the fixed rate. The open loop is a lean HTTP/1.1 client on
keep-alive connections (bench.loadgen), which reports how late it sent so its own limit shows.
The saturation load comes from `wrk` (Debian package wrk) with a Lua script that cycles through
pre-signed message status callbacks, a share of them repeated to exercise deduplication; without
wrk (or with --python) a pure-Python client is used instead, which saturates a small machine before
the servers do and so reports its own limits more than theirs. The receiver commits each new
callback to its database before answering. Budgets: SQLite receiver p95 <= 25 ms and throughput
>= 40% of the bare endpoint's; one PostgreSQL receiver >= 60% of one SQLite receiver's throughput;
at the fixed rate every configuration's p95 <= 3x the bare endpoint's.
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

from bench.loadgen import WRK_THREADS, open_loop, tree_cpu  # noqa: E402
from skill.config import SANDBOX_ACCOUNT_SID, SANDBOX_AUTH_TOKEN  # noqa: E402
from skill.core.signing import compute_signature  # noqa: E402

P95_BUDGET_MS = 25.0
RATIO_BUDGET = 0.40
PG_SHARE_BUDGET = 0.60  # one PostgreSQL receiver's saturated throughput against one SQLite receiver's
OPEN_P95_TIMES = 3.0  # every configuration's p95 at the fixed rate against the bare endpoint's
RUN_TIMEOUT_SECONDS = 300
PATH = "/twilio/sms/status"
# Every receiver checks signatures against this public URL, as replicas behind one proxy would.
PUBLIC_URL = "https://hooks.example.com"

SERVER_SCRIPT = """
import sys, uvicorn
kind, port, home, database, public_url = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
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
    from skill.cli.heap import settle_heap
    settings = Settings(home=Path(home), public_url=public_url, database_url=database or None)
    app = build_webhooks_app(settings)
    settle_heap()  # as `twilio-skill webhooks` does before serving
# Both as `twilio-skill webhooks` serves: forwarded headers are the receiver's own business, not uvicorn's.
uvicorn.run(app, host="127.0.0.1", port=port, log_level="error", access_log=False, proxy_headers=False)
"""

# Each wrk thread takes every n-th line of the file (signature TAB body) and cycles through them;
# done() prints the figures on one line for the parent to read.
WRK_SCRIPT = (
    WRK_THREADS
    + """
local lines, index = {}, 0
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
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_server(kind: str, home: Path, database: str = "") -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("TWILIO_")}
    process = subprocess.Popen(
        [sys.executable, "-c", SERVER_SCRIPT, kind, str(port), str(home), database, PUBLIC_URL],
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


def signed_callbacks(distinct: int, duplicates: float, tag: str) -> list[tuple[str, bytes]]:
    """(signature, body) of `distinct` status callbacks, with `duplicates` of the total repeating one;
    message SIDs differ between tags (up to six characters), so no run repeats another's callbacks."""
    rng = random.Random(tag)
    url = PUBLIC_URL + PATH
    made: list[tuple[str, bytes]] = []
    fresh = 0
    while fresh < distinct:
        if made and rng.random() < duplicates:
            made.append(rng.choice(made))
            continue
        sid = "SM" + f"{tag.encode().hex():0>12}{fresh:020x}"
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


def combine(parts: list[dict[str, float]]) -> dict[str, float]:
    """Figures of wrk runs made side by side: rates add; percentiles are the worst of the parts."""
    return {
        "rate": sum(part["rate"] for part in parts),
        "requests": sum(part["requests"] for part in parts),
        **{key: max(part[key] for part in parts) for key in ("p50", "p95", "p99")},
    }


def saturate_wrk(ports: list[int], work: Path, tag: str, options: argparse.Namespace) -> dict[str, float]:
    """wrk against every port at once (the connections split between them)."""
    from concurrent.futures import ThreadPoolExecutor

    script = work / "callbacks.lua"
    script.write_text(WRK_SCRIPT)
    distinct = int(options.seconds * 6000)
    runs = []
    for n, port in enumerate(ports):
        data = work / f"{tag}{n}.tsv"
        with data.open("wb") as out:
            for signature, body in signed_callbacks(distinct, options.duplicates, f"{tag}{n}"):
                out.write(signature.encode() + b"\t" + body + b"\n")
        runs.append((port, data))
    share = max(1, options.concurrency // len(ports))
    with ThreadPoolExecutor(len(ports)) as pool:
        parts = list(
            pool.map(lambda run: run_wrk(run[0], run[1], script, options.seconds, share, options.threads), runs)
        )
    return combine(parts)


def saturate_python(ports: list[int], tag: str, options: argparse.Namespace) -> dict[str, float]:
    import anyio
    import httpx

    urls = [f"http://127.0.0.1:{port}{PATH}" for port in ports]
    batch = signed_callbacks(options.requests, options.duplicates, tag)
    latencies: list[float] = []
    pending = iter(enumerate(batch))

    async def worker() -> None:
        # One keep-alive connection per worker; a shared pool costs the client more than the servers.
        async with httpx.AsyncClient(limits=httpx.Limits(max_connections=1), timeout=30) as client:
            for index, (signature, body) in pending:
                started = time.perf_counter()
                response = await client.post(
                    urls[index % len(urls)],
                    content=body,
                    headers={"Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": signature},
                )
                latencies.append((time.perf_counter() - started) * 1000)
                if response.status_code >= 300:
                    raise RuntimeError(f"answered {response.status_code}")

    async def load() -> float:
        started = time.perf_counter()
        with anyio.fail_after(RUN_TIMEOUT_SECONDS):
            async with anyio.create_task_group() as group:
                for _ in range(options.concurrency):
                    group.start_soon(worker)
        return time.perf_counter() - started

    seconds = anyio.run(load)
    cuts = statistics.quantiles(latencies, n=100)
    return {
        "rate": len(latencies) / seconds,
        "requests": len(latencies),
        "p50": cuts[49],
        "p95": cuts[94],
        "p99": cuts[98],
    }


def fixed_rate(ports: list[int], tag: str, rate: float, options: argparse.Namespace) -> dict[str, float]:
    import anyio

    urls = [f"http://127.0.0.1:{port}{PATH}" for port in ports]
    count = int(rate * options.open_seconds)
    # `count` requests in all, repeats included, so the run lasts open_seconds.
    requests = [
        ({"Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": signature}, body)
        for signature, body in signed_callbacks(count, options.duplicates, tag)[:count]
    ]
    return anyio.run(open_loop, urls, requests, rate)


def measure(
    name: str,
    kind: str,
    receivers: int,
    database: str,
    work: Path,
    options: argparse.Namespace,
    db_pid: int | None,
    rate: float | None,
) -> dict[str, float]:
    """One configuration: warm-up, saturation, then the fixed-rate run (at `rate`, or half of this
    configuration's own saturated throughput when None); CPU per 1,000 callbacks."""
    started = [start_server(kind, work / f"{name}-home{n}", database) for n in range(receivers)]
    processes = [process for process, _ in started]
    ports = [port for _, port in started]
    use_wrk = shutil.which("wrk") is not None and not options.python
    try:
        tag = name[:3] + "w"
        if use_wrk:
            saturate_wrk(ports, work, tag, argparse.Namespace(**{**vars(options), "seconds": 2.0}))
        pids = [process.pid for process in processes]
        before = tree_cpu(pids), tree_cpu([db_pid]) if db_pid else 0.0
        figures = (
            saturate_wrk(ports, work, name[:3] + "s", options)
            if use_wrk
            else saturate_python(ports, name[:3] + "s", options)
        )
        after = tree_cpu(pids), tree_cpu([db_pid]) if db_pid else 0.0
        figures["cpu_server"] = (after[0] - before[0]) / figures["requests"] * 1000
        figures["cpu_db"] = (after[1] - before[1]) / figures["requests"] * 1000
        figures["open_rate"] = rate if rate is not None else figures["rate"] / 2
        before = tree_cpu(pids), tree_cpu([db_pid]) if db_pid else 0.0
        steady = fixed_rate(ports, name[:3] + "r", figures["open_rate"], options)
        after = tree_cpu(pids), tree_cpu([db_pid]) if db_pid else 0.0
        figures.update({f"open_{key}": value for key, value in steady.items()})
        # Each request arrives alone here, so nothing is shared between requests: this is what one costs.
        figures["open_cpu_server"] = (after[0] - before[0]) / steady["sent"] * 1000
        figures["open_cpu_db"] = (after[1] - before[1]) / steady["sent"] * 1000
        figures["load"] = os.getloadavg()[0]
        return figures
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=10)


def postgres(options: argparse.Namespace, stack: object) -> tuple[str, int | None]:
    """The database URL and its postmaster's pid (for CPU accounting; None for a server elsewhere)."""
    if options.database != "auto":
        return options.database, None
    from tests.postgres import Cluster, find_bindir

    bindir = find_bindir()
    if bindir is None:
        raise SystemExit("PostgreSQL is not installed: apt-get install -y postgresql")
    cluster = Cluster(bindir)
    cluster.start()
    stack.callback(cluster.stop)  # type: ignore[attr-defined]
    pid = int((cluster.data / "postmaster.pid").read_text().split()[0])
    return cluster.new_database(), pid


def main(options: argparse.Namespace) -> int:
    from contextlib import ExitStack

    use_wrk = shutil.which("wrk") is not None and not options.python
    results: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as temp, ExitStack() as stack:
        work = Path(temp)
        configurations: list[tuple[str, str, int, str, int | None]] = [
            ("bare", "bare", 1, "", None),
            ("sqlite x1", "receiver", 1, "", None),
        ]
        if options.database:
            url, pid = postgres(options, stack)
            configurations += [("postgres x1", "receiver", 1, url, pid), ("postgres x2", "receiver", 2, url, pid)]
        rate: float | None = options.rate or None  # None: half of bare's saturated throughput, measured first
        for name, kind, receivers, database, pid in configurations:
            results[name] = measure(name, kind, receivers, database, work, options, pid, rate)
            rate = results[name]["open_rate"]
    how = (
        f"wrk -t{options.threads} -c{options.concurrency}, {options.seconds:g} s"
        if use_wrk
        else (f"Python client, {options.requests} requests, concurrency {options.concurrency} (no wrk)")
    )
    print(f"signed status callbacks, {options.duplicates:.0%} duplicates; saturation load: {how}")
    rate = results["bare"]["open_rate"]
    chosen = "as given (--rate)" if options.rate else "half of bare's saturated throughput in this run"
    print(f"open loop: {rate:.0f} callbacks/s ({chosen}) for {options.open_seconds:g} s, latency from each due time")
    print(
        f"{'':12s} {'sat req/s':>9s} {'p50':>7s} {'p95':>7s} {'p99':>7s} | {'open p50':>8s} {'p95':>7s} {'p99':>7s} "
        f"{'err':>4s} {'late':>5s} | CPU s/1k: server  db | open: server  db | load"
    )
    for name, f in results.items():
        print(
            f"{name:12s} {f['rate']:9.0f} {f['p50']:7.2f} {f['p95']:7.2f} {f['p99']:7.2f} | "
            f"{f['open_p50']:8.2f} {f['open_p95']:7.2f} {f['open_p99']:7.2f} {f['open_errors']:4.0f} "
            f"{f['open_late_p95']:5.1f} | {f['cpu_server']:15.3f} {f['cpu_db']:5.3f} | "
            f"{f['open_cpu_server']:12.3f} {f['open_cpu_db']:5.3f} | {f['load']:4.2f}"
        )
    print("late: p95 of how late the client itself sent (ms); a large figure means the client, not the server, lagged")
    print(
        "CPU s/1k: at saturation, where requests share loop turns and commits; open: at the fixed rate, where each "
        "request arrives alone (rate x open server CPU / 1000 is the share of a core the receivers need)"
    )
    ratio = results["sqlite x1"]["rate"] / results["bare"]["rate"]
    p95 = results["sqlite x1"]["p95"]
    within = p95 <= P95_BUDGET_MS and ratio >= RATIO_BUDGET
    print(
        f"receiver/bare throughput: {ratio:.0%} (budget >= {RATIO_BUDGET:.0%}); "
        f"receiver p95 {p95:.2f} ms (budget <= {P95_BUDGET_MS:g} ms): {'within' if within else 'OVER'} budget"
    )
    if "postgres x1" in results:
        share = results["postgres x1"]["rate"] / results["sqlite x1"]["rate"]
        ok = share >= PG_SHARE_BUDGET
        within = within and ok
        print(
            f"saturation: postgres x1 / sqlite x1 {share:.0%} (budget >= {PG_SHARE_BUDGET:.0%}): "
            f"{'within' if ok else 'OVER'}"
        )
    floor = results["bare"]["open_p95"]
    for name, f in results.items():
        if name == "bare":
            continue
        times = f["open_p95"] / floor
        ok = times <= OPEN_P95_TIMES and not f["open_errors"]
        within = within and ok
        print(
            f"fixed rate: {name} p95 {f['open_p95']:.2f} ms = {times:.1f}x bare's {floor:.2f} ms "
            f"(budget <= {OPEN_P95_TIMES:g}x): {'within' if ok else 'OVER'}"
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
    parser.add_argument("--database", default="", help="also measure on PostgreSQL: a postgresql:// URL, or auto")
    parser.add_argument(
        "--rate", type=float, default=0.0, help="open loop: callbacks per second (default: half of bare's saturation)"
    )
    parser.add_argument("--open-seconds", type=float, default=10.0, help="open loop: length of the run")
    sys.exit(main(parser.parse_args()))
