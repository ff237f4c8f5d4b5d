"""Size of the tool catalogue a client reads: tool count and bytes of the tools/list result.

Run: .venv/bin/python bench/catalog.py
Measured through the MCP client in memory, as JSON the way the server sends it (compact, no nulls),
for the default toolsets and for all toolsets, and in read-only mode.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import anyio
from mcp import Client

from skill.config import ALL_TOOLSETS, DEFAULT_TOOLSETS, Settings
from skill.server.app import build_server


async def measure(settings: Settings) -> tuple[int, int, list[tuple[str, int]]]:
    """(tool count, bytes of the tools/list result, bytes per tool largest first)."""
    async with Client(build_server(settings)) as client:
        with anyio.fail_after(30):
            result = await client.list_tools()
    tools = [tool.model_dump(mode="json", by_alias=True, exclude_none=True) for tool in result.tools]
    wire = json.dumps({"tools": tools}, separators=(",", ":"), ensure_ascii=False).encode()
    per_tool = sorted(
        ((tool["name"], len(json.dumps(tool, separators=(",", ":")).encode())) for tool in tools),
        key=lambda item: -item[1],
    )
    return len(tools), len(wire), per_tool


async def main() -> None:
    with tempfile.TemporaryDirectory(prefix="twilio-skill-bench-") as scratch:
        home = Path(scratch)
        cases = [
            ("default", Settings(home=home, toolsets=DEFAULT_TOOLSETS)),
            ("default, read-only", Settings(home=home, toolsets=DEFAULT_TOOLSETS, read_only=True)),
            ("all", Settings(home=home, toolsets=ALL_TOOLSETS)),
        ]
        largest: list[tuple[str, int]] = []
        print(f"{'toolsets':<20} {'tools':>5} {'bytes':>8} {'~tokens':>8}")
        for label, settings in cases:
            count, size, per_tool = await measure(settings)
            print(f"{label:<20} {count:>5} {size:>8} {size // 4:>8}")
            if label == "all":
                largest = per_tool[:5]
        if largest:
            print("largest tools (bytes): " + ", ".join(f"{name} {size}" for name, size in largest))


if __name__ == "__main__":
    anyio.run(main)
