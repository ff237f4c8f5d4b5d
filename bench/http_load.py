"""MCP over streamable HTTP under concurrent clients: twilio-skill against a bare low-level server.

Run: .venv/bin/python bench/http_load.py [--clients 20,50,100] [--seconds 5] [--rounds 2]
         [--database auto|postgresql://...] [--python]
Each server runs in its own process on a 127.0.0.1 ephemeral port: the bare one is a low-level mcp
Server with one echo tool (the floor), answering each call as the SDK does by default (an SSE stream);
bare-json is the same server set to answer every call with one JSON body, which ours does for a call
that has nothing else to send (skill.server.answers): a like-for-like reference, printed beside the
budget, which stays the ratio to bare. Ours is `twilio-skill serve --transport http` on the embedded
sandbox, on SQLite and (with --database) on PostgreSQL, answering a local READ tool (error_explain:
policy check, validation, audit entry) and a sandbox READ tool (account_get: the same plus a call
through the Twilio SDK to the sandbox). Both modes, stateful (one session per client) and
--stateless, at each client count; within one round the runs are interleaved (bare, then ours, and
the order reversed in the next round) so a busy machine weighs on both alike, and each run's ratio
is taken against the bare runs of its own round.

The load comes from `wrk` (Debian package wrk): C connections in a closed loop, each request a
JSON-RPC tools/call on one of C sessions opened beforehand (stateful) or on none (stateless); an
answer counts as an error unless it is HTTP 200 with a JSON-RPC result that is not isError. Without
wrk (or with --python) C `mcp.Client`s in this process do the same; they cost the machine more than
the bare server does, so the ratios then say more about the client than about the servers.

Ours runs as `twilio-skill serve` ships, with its garbage-collector settings (skill.cli.heap); the
bare server keeps CPython's defaults, as a server built on the SDK alone would.

Printed per run: calls/s, p50/p95 latency, errors, the server's CPU ms per call and its resident
memory at the end, and the ratio to bare. Budget: >= 70% of bare's calls/s, 0 errors at 100 clients.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.loadgen import WRK_THREADS, tree_cpu  # noqa: E402

EXE = Path(sys.executable).parent / "twilio-skill"
TARGET_RATIO = 0.70
JSON_BARE = "bare-json"  # the bare server set to answer every call with one JSON body: a reference, not the budget
ERROR_FREE_AT = 100
PROTOCOL = "2025-11-25"
ACCEPT = "application/json, text/event-stream"

BARE_SCRIPT = """
import sys, uvicorn
from mcp.server.lowlevel import Server
from mcp.types import CallToolResult, ListToolsResult, TextContent, Tool

async def list_tools(ctx, params):
    schema = {"type": "object", "properties": {"text": {"type": "string"}}}
    return ListToolsResult(tools=[Tool(name="echo", description="Echo the text.", input_schema=schema)])

async def call_tool(ctx, params):
    return CallToolResult(content=[TextContent(type="text", text=str((params.arguments or {}).get("text", "")))])

server = Server("bare", on_list_tools=list_tools, on_call_tool=call_tool)
answers = sys.argv[3] == "json"
app = server.streamable_http_app(
    streamable_http_path="/mcp", stateless_http=sys.argv[2] == "stateless", json_response=answers
)
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="error", access_log=False)
"""

# Each wrk thread takes every n-th session id of the file and cycles through them, with request ids
# of its own; done() prints the figures on one line for the parent to read.
WRK_SCRIPT = (
    WRK_THREADS
    + """
local sessions, index, serial = {}, 0, 0
failed = 0
function init(args)
  local n, i = tonumber(args[3]), 0
  body_template = args[2]
  for line in io.lines(args[1]) do
    if line ~= "" and i % n == id then table.insert(sessions, line) end
    i = i + 1
  end
end
function request()
  serial = serial + 1
  local headers = {
    ["Content-Type"] = "application/json",
    ["Accept"] = "application/json, text/event-stream",
    ["MCP-Protocol-Version"] = "%PROTOCOL%",
  }
  if #sessions > 0 then
    index = index % #sessions + 1
    headers["Mcp-Session-Id"] = sessions[index]
  end
  local body = body_template:gsub("REQUEST_ID", tostring(id * 1000000000 + serial), 1)
  return wrk.format("POST", nil, headers, body)
end
function response(status, headers, body)
  if status ~= 200 or not body:find('"result":', 1, true) or body:find('"isError":true', 1, true) then
    failed = failed + 1
  end
end
function done(summary, latency, requests)
  local failures = 0
  for _, thread in ipairs(threads) do failures = failures + thread:get("failed") end
  local bad = summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout
  io.write(string.format("RESULT requests=%d seconds=%.3f p50=%.3f p95=%.3f errors=%d\\n",
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1000,
    latency:percentile(95) / 1000, bad + failures))
end
""".replace("%PROTOCOL%", PROTOCOL)
)


@dataclass
class Server:
    """One server process under test."""

    name: str
    stateless: bool
    process: subprocess.Popen[bytes]
    url: str
    tools: dict[str, dict[str, str]]


@dataclass
class Run:
    server: str
    tool: str
    mode: str
    clients: int
    round: int
    figures: dict[str, float] = field(default_factory=dict)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start(name: str, stateless: bool, home: Path, database: str, source: str = "") -> Server:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("TWILIO_")}
    env["TWILIO_SKILL_HOME"] = str(home)
    mode = "stateless" if stateless else "stateful"
    if name.startswith("bare"):
        command = [sys.executable, "-c", BARE_SCRIPT, str(port), mode, "json" if name == JSON_BARE else "stream"]
        tools = {"echo": {"text": "hi"}}
    else:
        command = [str(EXE), "serve", "--transport", "http", "--port", str(port), "--log-level", "error"]
        command += ["--stateless"] if stateless else []
        if source:
            # Another checkout's code (an earlier version), on this environment's dependencies.
            run = f"import sys; sys.path.insert(0, {source!r}); sys.argv[0] = 'twilio-skill'; "
            command = [sys.executable, "-c", run + "from skill.cli.main import main; main()", *command[1:]]
        if database:
            env["TWILIO_SKILL_DATABASE_URL"] = database
        tools = {"error_explain": {"code": "21211"}, "account_get": {}}
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{name} ({mode}) exited early")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return Server(name, stateless, process, f"http://127.0.0.1:{port}/mcp", tools)
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise TimeoutError(f"{name} ({mode}) did not listen within 60 s")


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def call_body(tool: str, args: dict[str, str], request_id: object) -> str:
    params = json.dumps({"name": tool, "arguments": args}, separators=(",", ":"))
    return f'{{"jsonrpc":"2.0","id":{request_id},"method":"tools/call","params":{params}}}'


def open_sessions(url: str, count: int) -> list[str]:
    """Open `count` MCP sessions with the initialize handshake; their ids.

    Raises:
        RuntimeError: the server refused one.
    """
    import httpx

    headers = {"Content-Type": "application/json", "Accept": ACCEPT}
    hello = {
        "jsonrpc": "2.0",
        "id": 0,
        "method": "initialize",
        "params": {"protocolVersion": PROTOCOL, "capabilities": {}, "clientInfo": {"name": "bench", "version": "1"}},
    }
    ids = []
    with httpx.Client(timeout=30) as client:
        for _ in range(count):
            answer = client.post(url, json=hello, headers=headers)
            session = answer.headers.get("mcp-session-id")
            if answer.status_code != 200 or not session:
                raise RuntimeError(f"initialize answered {answer.status_code}: {answer.text[:200]}")
            ready = {**headers, "Mcp-Session-Id": session, "MCP-Protocol-Version": PROTOCOL}
            client.post(url, json={"jsonrpc": "2.0", "method": "notifications/initialized"}, headers=ready)
            ids.append(session)
    return ids


def close_sessions(url: str, sessions: list[str]) -> None:
    """End sessions with DELETE, so a server does not carry earlier runs' sessions into the next."""
    import httpx

    with httpx.Client(timeout=30) as client:
        for session in sessions:
            client.delete(url, headers={"Mcp-Session-Id": session, "MCP-Protocol-Version": PROTOCOL})


def drive_wrk(
    server: Server, tool: str, clients: int, seconds: float, sessions: list[str], work: Path
) -> dict[str, float]:
    script = work / "mcp.lua"
    script.write_text(WRK_SCRIPT)
    listing = work / "sessions.txt"
    listing.write_text("\n".join(sessions) + "\n")
    threads = min(2, clients)
    # Warm up (first calls build the services, start the sandbox, fill caches); not measured.
    wrk(server.url, script, listing, call_body(tool, server.tools[tool], "REQUEST_ID"), threads, clients, 1)
    settle(server.process.pid)
    before = tree_cpu([server.process.pid])
    figures = wrk(
        server.url, script, listing, call_body(tool, server.tools[tool], "REQUEST_ID"), threads, clients, seconds
    )
    figures["cpu"] = tree_cpu([server.process.pid]) - before
    return figures


def wrk(
    url: str, script: Path, listing: Path, body: str, threads: int, clients: int, seconds: float
) -> dict[str, float]:
    command = ["wrk", f"-t{threads}", f"-c{clients}", f"-d{max(1, round(seconds))}s", "--latency", "--timeout", "10s"]
    command += ["-s", str(script), url, "--", str(listing), body, str(threads)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60)
    output = done.stdout + done.stderr
    found = re.search(r"RESULT (.*)", output)
    if found is None:
        raise RuntimeError(f"wrk printed no result:\n{output}")
    figures = {key: float(value) for key, value in (pair.split("=") for pair in found.group(1).split())}
    figures["rate"] = figures["requests"] / figures["seconds"]
    return figures


async def drive_python(url: str, tool: str, args: dict[str, str], clients: int, seconds: float) -> dict[str, float]:
    """C mcp.Clients, each on its own session; only calls inside the common window are counted."""
    import anyio
    from mcp import Client

    latencies: list[float] = []
    errors = 0
    ready = anyio.Event()
    opened = 0
    window: list[float] = []

    async def one() -> None:
        nonlocal errors, opened
        async with Client(url) as client:
            await client.call_tool(tool, args)  # warm: session and first call not measured
            opened += 1
            if opened == clients:
                window.extend([time.perf_counter(), time.perf_counter() + seconds])
                ready.set()
            await ready.wait()
            while time.perf_counter() < window[1]:
                started = time.perf_counter()
                try:
                    result = await client.call_tool(tool, args)
                    errors += bool(result.is_error)
                except Exception:  # a failed call counts; the run goes on
                    errors += 1
                latencies.append((time.perf_counter() - started) * 1000)

    with anyio.fail_after(seconds + 300):
        async with anyio.create_task_group() as group:
            for _ in range(clients):
                group.start_soon(one)
    elapsed = time.perf_counter() - window[0]
    cuts = statistics.quantiles(latencies, n=100)
    return {
        "rate": len(latencies) / elapsed,
        "requests": len(latencies),
        "p50": cuts[49],
        "p95": cuts[94],
        "errors": errors,
    }


def settle(pid: int, limit: float = 15.0) -> None:
    """Wait until the server has finished what an earlier run left in flight (wrk stops mid-request), so
    one run's backlog neither slows the next nor pushes it over the sandbox's concurrency limit."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        before = tree_cpu([pid])
        time.sleep(0.2)
        if tree_cpu([pid]) - before < 0.02:
            return


def measure(server: Server, tool: str, clients: int, options: argparse.Namespace, work: Path) -> dict[str, float]:
    import anyio

    pid = server.process.pid
    settle(pid)
    if options.use_wrk:
        sessions = [] if server.stateless else open_sessions(server.url, clients)
        figures = drive_wrk(server, tool, clients, options.seconds, sessions, work)
        close_sessions(server.url, sessions)
    else:
        before = tree_cpu([pid])
        figures = anyio.run(drive_python, server.url, tool, server.tools[tool], clients, options.seconds)
        figures["cpu"] = tree_cpu([pid]) - before  # the sessions' set-up and warm-up included
    figures["cpu_ms"] = figures["cpu"] / max(1.0, figures["requests"]) * 1000
    figures["load"] = os.getloadavg()[0]
    return figures


def postgres(database: str, stack: ExitStack) -> tuple[str, str]:
    """Two database URLs (stateful and stateless servers apart); `auto` starts a throwaway cluster."""
    if database != "auto":
        return database, database
    from tests.postgres import Cluster, find_bindir

    bindir = find_bindir()
    if bindir is None:
        raise SystemExit("PostgreSQL is not installed: apt-get install -y postgresql")
    cluster = Cluster(bindir)
    cluster.start()
    stack.callback(cluster.stop)
    return cluster.new_database(), cluster.new_database()


def bare_of(run: Run, runs: list[Run], name: str = "bare") -> Run:
    """A bare server's run of the same mode, client count and round."""
    return next(r for r in runs if (r.mode, r.clients, r.round, r.server) == (run.mode, run.clients, run.round, name))


def report(runs: list[Run], options: argparse.Namespace) -> bool:
    """Print every run and the summary per configuration; whether all are within budget."""
    how = "wrk" if options.use_wrk else "mcp.Client in this process (no wrk)"
    print(f"MCP tools/call over streamable HTTP; load: {how}, {options.seconds:g} s per run, {options.rounds} rounds")
    print("CPU ms: the server's CPU time per call; load: 1-minute load average at the end of the run")
    heading = f"{'mode':9s} {'C':>3s} {'server':16s} {'tool':13s} {'calls/s':>8s} {'p50 ms':>7s} {'p95 ms':>7s}"
    print(f"{heading} {'errors':>6s} {'CPU ms':>6s} {'RSS MiB':>7s} {'load':>5s} {'/bare':>6s}")
    for run in runs:
        f = run.figures
        ratio = f["rate"] / bare_of(run, runs).figures["rate"]
        line = f"{run.mode:9s} {run.clients:3d} {run.server + ' r' + str(run.round + 1):16s} {run.tool:13s}"
        line += f" {f['rate']:8.0f} {f['p50']:7.1f} {f['p95']:7.1f} {f['errors']:6.0f} {f['cpu_ms']:6.2f}"
        print(f"{line} {f['rss']:7.1f} {f['load']:5.2f} {ratio:6.0%}")
    print(
        f"summary: median over the rounds of calls/s as a share of bare's (budget >= {TARGET_RATIO:.0%}), of bare's "
        f"CPU per call over ours (the same on an idle machine), errors summed (budget 0 at {ERROR_FREE_AT} clients); "
        f"last, calls/s as a share of {JSON_BARE}'s (answering every call with one JSON body, as ours answers a "
        "call with nothing else to send)"
    )
    within = True
    for mode, clients, server, tool in sorted({(r.mode, r.clients, r.server, r.tool) for r in runs}):
        if server.startswith("bare"):
            continue
        same = [r for r in runs if (r.mode, r.clients, r.server, r.tool) == (mode, clients, server, tool)]
        ratio = statistics.median(r.figures["rate"] / bare_of(r, runs).figures["rate"] for r in same)
        cpu = statistics.median(bare_of(r, runs).figures["cpu_ms"] / r.figures["cpu_ms"] for r in same)
        errors = sum(r.figures["errors"] for r in same)
        plain = statistics.median(r.figures["rate"] / bare_of(r, runs, JSON_BARE).figures["rate"] for r in same)
        ok = ratio >= TARGET_RATIO and not (clients >= ERROR_FREE_AT and errors)
        within = within and ok
        verdict = "within" if ok else "OVER"
        print(
            f"  {mode:9s} {clients:3d} {server:9s} {tool:13s} {ratio:5.0%} cpu {cpu:5.0%} errors {errors:3.0f}",
            verdict,
            f"({plain:.0%} of {JSON_BARE})",
        )
    return within


def main(options: argparse.Namespace) -> int:
    options.use_wrk = shutil.which("wrk") is not None and not options.python
    counts = [int(part) for part in options.clients.split(",") if part.strip()]
    runs: list[Run] = []
    with tempfile.TemporaryDirectory() as temp, ExitStack() as stack:
        work = Path(temp)
        databases = {"sqlite": ""}
        if options.database:
            stateful_db, stateless_db = postgres(options.database, stack)
            databases["postgres"] = stateful_db
        for stateless in (False, True):
            mode = "stateless" if stateless else "stateful"
            if options.database:
                databases["postgres"] = stateless_db if stateless else stateful_db
            servers = [start(name, stateless, work / f"{name}-{mode}", "") for name in ("bare", JSON_BARE)]
            servers += [start(name, stateless, work / f"{name}-{mode}", url) for name, url in databases.items()]
            if options.baseline:
                servers.append(start("baseline", stateless, work / f"baseline-{mode}", "", options.baseline))
            try:
                targets = [(server, tool) for server in servers for tool in server.tools]
                for clients in counts:
                    for round_ in range(options.rounds):
                        order = targets if round_ % 2 == 0 else targets[::-1]
                        for server, tool in order:
                            figures = measure(server, tool, clients, options, work)
                            runs.append(Run(server.name, tool, mode, clients, round_, figures))
                for server in servers:
                    for run in runs:
                        if run.mode == mode and run.server == server.name:
                            run.figures.setdefault("rss", rss_mib(server.process.pid))
            finally:
                for server in servers:
                    server.process.terminate()
                    server.process.wait(timeout=10)
    runs.sort(key=lambda r: (r.mode, r.clients, not r.server.startswith("bare"), r.server, r.tool, r.round))
    return 0 if report(runs, options) else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--clients", default="20,50,100", help="client counts, comma-separated")
    parser.add_argument("--seconds", type=float, default=5.0, help="length of each measured run")
    parser.add_argument("--rounds", type=int, default=2, help="interleaved rounds per client count")
    parser.add_argument("--database", default="", help="also measure on PostgreSQL: a postgresql:// URL, or auto")
    parser.add_argument("--baseline", default="", help="also measure another checkout (a path) on SQLite: before/after")
    parser.add_argument("--python", action="store_true", help="use mcp.Client in this process even with wrk present")
    sys.exit(main(parser.parse_args()))
