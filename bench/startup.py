"""Milliseconds from spawning `twilio-skill serve` to the tools/list answer over stdio.

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
BUDGET_MS = 800


async def one_run(home: Path, toolsets: str | None) -> tuple[float, int]:
    """(milliseconds to the tools/list answer, number of tools listed)."""
    args = ["serve"] if toolsets is None else ["--toolsets", toolsets, "serve"]
    params = StdioServerParameters(command=str(SERVER), args=args, env={"TWILIO_SKILL_HOME": str(home)})
    with open(os.devnull, "w") as quiet:
        started = time.perf_counter()
        with anyio.fail_after(30):
            async with Client(stdio_client(params, errlog=quiet)) as client:
                listed = await client.list_tools()
                elapsed = (time.perf_counter() - started) * 1000
    return elapsed, len(listed.tools)


async def main(runs: int, toolsets: str | None) -> None:
    timings: list[float] = []
    count = 0
    with tempfile.TemporaryDirectory(prefix="twilio-skill-bench-") as scratch:
        for index in range(runs):
            elapsed, count = await one_run(Path(scratch) / f"home{index}", toolsets)
            timings.append(elapsed)
    median = statistics.median(timings)
    print(f"twilio-skill serve (stdio), {runs} runs, {count} tools, toolsets={toolsets or 'default'}")
    print(f"spawn -> tools/list answer: median {median:.0f} ms, min {min(timings):.0f} ms, max {max(timings):.0f} ms")
    print(f"budget {BUDGET_MS} ms: {'within' if median <= BUDGET_MS else 'OVER'}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--toolsets", default=None, help="e.g. all")
    options = parser.parse_args()
    anyio.run(main, options.runs, options.toolsets)
