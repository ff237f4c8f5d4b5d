"""Milliseconds from spawning a server to its tools/list answer over stdio: `twilio-skill serve` beside a
bare low-level MCP server with one tool (bench/bare_server.py), interleaved in one run so both meet the
same machine load. The SDK's own import is the floor; the budget is a ratio to it.

Run: .venv/bin/python bench/startup.py [--runs 10] [--toolsets all]
Each run uses a fresh home directory and no Twilio credentials (the embedded sandbox).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import anyio
from mcp import Client, StdioServerParameters
from mcp.client.stdio import stdio_client

SERVER = Path(sys.executable).parent / "twilio-skill"
BARE = Path(__file__).with_name("bare_server.py")
BUDGET_RATIO = 1.15


async def one_run(params: StdioServerParameters) -> tuple[float, int]:
    """(milliseconds to the tools/list answer, number of tools listed)."""
    with open(os.devnull, "w") as quiet:
        started = time.perf_counter()
        with anyio.fail_after(30):
            async with Client(stdio_client(params, errlog=quiet)) as client:
                listed = await client.list_tools()
                elapsed = (time.perf_counter() - started) * 1000
    return elapsed, len(listed.tools)


async def main(runs: int, toolsets: str | None) -> bool:
    ours: list[float] = []
    bare: list[float] = []
    count = 0
    args = ["serve"] if toolsets is None else ["--toolsets", toolsets, "serve"]
    with tempfile.TemporaryDirectory(prefix="twilio-skill-bench-") as scratch:
        for index in range(runs):
            env = {"TWILIO_SKILL_HOME": str(Path(scratch) / f"home{index}"), "PATH": os.environ.get("PATH", "")}
            elapsed, count = await one_run(StdioServerParameters(command=str(SERVER), args=args, env=env))
            ours.append(elapsed)
            elapsed, _ = await one_run(StdioServerParameters(command=sys.executable, args=[str(BARE)], env=env))
            bare.append(elapsed)
    ratio = statistics.median(ours) / statistics.median(bare)
    print(f"spawn -> tools/list answer over stdio, {runs} interleaved runs each, toolsets={toolsets or 'default'}")
    for label, timings in ((f"twilio-skill serve ({count} tools)", ours), ("bare low-level server (1 tool)", bare)):
        print(
            f"  {label:<34} median {statistics.median(timings):6.0f} ms"
            f"  min {min(timings):6.0f}  max {max(timings):6.0f}"
        )
    within = ratio <= BUDGET_RATIO
    print(f"ratio {ratio:.2f} (budget {BUDGET_RATIO}): {'within' if within else 'OVER'}")
    return within


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--toolsets", default=None, help="e.g. all")
    options = parser.parse_args()
    sys.exit(0 if anyio.run(main, options.runs, options.toolsets) else 1)
