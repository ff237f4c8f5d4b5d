"""MCP over streamable HTTP under concurrent clients: twilio-skill against a bare low-level server.

Run: .venv/bin/python bench/http_load.py [--clients 8] [--seconds 10]
Each server runs in its own process on a 127.0.0.1 ephemeral port: the bare one is a low-level
mcp Server with one echo tool (the floor), ours is `twilio-skill serve --transport http` on the
embedded sandbox, stateful and --stateless, answering `account_get` (a READ tool: policy check,
audit entry written, sandbox call). C clients each hold one MCP session and call in a loop for the
run's length. Printed: calls/s, p50/p95 latency, errors, and the server's resident memory after.
The clients share this process, so on a small machine they bound the figures too; the ratio of
ours to the bare server is the number to watch (target >= 70%).
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXE = Path(sys.executable).parent / "twilio-skill"
TARGET_RATIO = 0.70

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
app = server.streamable_http_app(streamable_http_path="/mcp", stateless_http=sys.argv[2] == "stateless")
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="error", access_log=False)
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start(kind: str, port: int, home: Path) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TWILIO_")}
    env["TWILIO_SKILL_HOME"] = str(home)
    if kind.startswith("bare"):
        command = [sys.executable, "-c", BARE_SCRIPT, str(port), "stateless" if "stateless" in kind else "stateful"]
    else:
        command = [str(EXE), "serve", "--transport", "http", "--port", str(port), "--log-level", "error"]
        if "stateless" in kind:
            command.append("--stateless")
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{kind} exited early")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return process
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise TimeoutError(f"{kind} did not listen within 60 s")


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def drive(url: str, tool: str, args: dict[str, str], clients: int, seconds: float) -> dict[str, float]:
    import anyio
    from mcp import Client

    latencies: list[float] = []
    errors = 0

    async def one() -> None:
        nonlocal errors
        async with Client(url) as client:
            await client.call_tool(tool, args)  # warm: session and first call not measured
            end = time.perf_counter() + seconds
            while time.perf_counter() < end:
                started = time.perf_counter()
                try:
                    result = await client.call_tool(tool, args)
                    errors += bool(result.is_error)
                except Exception:  # a failed call counts; the run goes on
                    errors += 1
                latencies.append((time.perf_counter() - started) * 1000)

    started = time.perf_counter()
    with anyio.fail_after(seconds + 120):
        async with anyio.create_task_group() as group:
            for _ in range(clients):
                group.start_soon(one)
    elapsed = time.perf_counter() - started
    cuts = statistics.quantiles(latencies, n=100)
    return {"rate": len(latencies) / elapsed, "p50": cuts[49], "p95": cuts[94], "errors": float(errors)}


def main(options: argparse.Namespace) -> int:
    import anyio

    runs = [
        ("bare", "echo", {"text": "hi"}),
        ("twilio-skill", "account_get", {}),
        ("bare stateless", "echo", {"text": "hi"}),
        ("twilio-skill stateless", "account_get", {}),
    ]
    results: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as temp:
        for kind, tool, args in runs:
            port = free_port()
            process = start(kind, port, Path(temp) / kind.replace(" ", "-"))
            try:
                url = f"http://127.0.0.1:{port}/mcp"
                results[kind] = anyio.run(drive, url, tool, args, options.clients, options.seconds)
                results[kind]["rss"] = rss_mib(process.pid)
            finally:
                process.terminate()
                process.wait(timeout=10)
    print(f"{options.clients} concurrent MCP clients over streamable HTTP, {options.seconds:g} s each")
    print(f"{'':24s} {'calls/s':>8s} {'p50 ms':>8s} {'p95 ms':>8s} {'errors':>7s} {'RSS MiB':>8s}")
    for kind, f in results.items():
        print(f"{kind:24s} {f['rate']:8.0f} {f['p50']:8.2f} {f['p95']:8.2f} {f['errors']:7.0f} {f['rss']:8.1f}")
    within = True
    for mode in ("", " stateless"):
        ratio = results[f"twilio-skill{mode}"]["rate"] / results[f"bare{mode}"]["rate"]
        within = within and ratio >= TARGET_RATIO
        print(f"twilio-skill{mode} / bare{mode}: {ratio:.0%} of the calls/s (target >= {TARGET_RATIO:.0%})")
    return 0 if within else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=10.0)
    sys.exit(main(parser.parse_args()))
