"""Size of the tool catalogue a client reads: tool count, bytes of the tools/list result, and bytes of
what a model reads of it (each tool's name, description and input schema), against budgets.

Run: .venv/bin/python bench/catalog.py  (exit status 1 when a budget is exceeded)
Measured through the MCP client in memory, as JSON the way the server sends it (compact, no nulls),
for the default toolsets and for all toolsets, in read-only mode, and for the `api` toolset alone
(the two tools that reach every other operation, with and without an `account` argument).
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import anyio
from mcp import Client

from skill.config import ALL_TOOLSETS, DEFAULT_TOOLSETS, Settings
from skill.server.app import build_server

# (toolsets, what) -> most bytes; "model" is name + description + input schema of every tool.
BUDGETS: dict[tuple[str, str], int] = {
    ("all", "model"): 40_000,
    ("all", "wire"): 60_000,
    ("default", "model"): 16_000,
    ("api", "wire"): 2_500,  # twilio_api_find and twilio_api_call: every other Twilio operation in two tools
}


def compact(value: object) -> int:
    return len(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode())


async def listed(settings: Settings) -> list[dict[str, object]]:
    async with Client(build_server(settings)) as client:
        with anyio.fail_after(30):
            result = await client.list_tools()
    return [tool.model_dump(mode="json", by_alias=True, exclude_none=True) for tool in result.tools]


async def measure(settings: Settings) -> tuple[int, int, int, list[tuple[str, int]]]:
    """(tool count, bytes of tools/list, bytes a model reads, model bytes per tool largest first)."""
    tools = await listed(settings)
    wire = compact({"tools": tools})
    seen = {
        tool["name"]: compact({key: tool.get(key) for key in ("name", "description", "inputSchema")}) for tool in tools
    }
    per_tool = sorted(seen.items(), key=lambda item: -item[1])
    return len(tools), wire, sum(seen.values()), per_tool


async def main() -> None:
    with tempfile.TemporaryDirectory(prefix="twilio-skill-bench-") as scratch:
        home = Path(scratch)
        cases = [
            ("default", Settings(home=home, toolsets=DEFAULT_TOOLSETS)),
            ("default, read-only", Settings(home=home, toolsets=DEFAULT_TOOLSETS, read_only=True)),
            ("all", Settings(home=home, toolsets=ALL_TOOLSETS)),
            ("api", Settings(home=home, toolsets=("api",))),
        ]
        largest: list[tuple[str, int]] = []
        over: list[str] = []
        print(f"{'toolsets':<20} {'tools':>5} {'tools/list':>11} {'model reads':>12} {'~tokens':>8}")
        for label, settings in cases:
            count, wire, model, per_tool = await measure(settings)
            print(f"{label:<20} {count:>5} {wire:>11} {model:>12} {model // 4:>8}")
            if label == "all":
                largest = per_tool[:5]
            for (budget_label, what), budget in BUDGETS.items():
                size = model if what == "model" else wire
                if budget_label == label:
                    verdict = "within" if size <= budget else "OVER"
                    print(f"  budget {what:<5} {size:>6} <= {budget}: {verdict}")
                    if size > budget:
                        over.append(f"{label} {what}")
        # With several accounts (the fleet toolset or environments) every Twilio tool also lists `account`.
        fleet = await listed(Settings(home=home, toolsets=("api", "fleet")))
        api_wire = sum(compact(tool) for tool in fleet if str(tool["name"]).startswith("twilio_api_"))
        verdict = "within" if api_wire <= BUDGETS[("api", "wire")] else "OVER"
        print(
            f"api, with account     tools/list bytes of its 2 tools {api_wire} <= {BUDGETS[('api', 'wire')]}: {verdict}"
        )
        if api_wire > BUDGETS[("api", "wire")]:
            over.append("api with account")
        if largest:
            print("largest tools (model bytes): " + ", ".join(f"{name} {size}" for name, size in largest))
        if over:
            raise SystemExit(f"over budget: {', '.join(over)}")


if __name__ == "__main__":
    anyio.run(main)
