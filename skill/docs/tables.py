"""The Markdown tool table, by toolset, written between markers in README.md and SKILL.md."""

from __future__ import annotations

from collections.abc import Iterable

from skill.config import ALL_TOOLSETS, DEFAULT_TOOLSETS
from skill.server.registry import ToolSpec

START = "<!-- tools:start -->"
END = "<!-- tools:end -->"


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def tool_table(specs: Iterable[ToolSpec]) -> str:
    """One table per toolset (in the configured order), with each tool's tier and description."""
    by_toolset: dict[str, list[ToolSpec]] = {}
    for spec in specs:
        by_toolset.setdefault(spec.toolset, []).append(spec)
    order = [name for name in ALL_TOOLSETS if name in by_toolset]
    order += sorted(set(by_toolset) - set(order))
    count = sum(len(items) for items in by_toolset.values())
    lines = [
        f"{count} tools. Toolsets enabled by default: {', '.join(DEFAULT_TOOLSETS)}; "
        "`--toolsets all` enables every one. Tiers: READ runs freely; WRITE and SEND run within the "
        "policy's limits; DESTRUCTIVE waits for an operator's approval by default.",
    ]
    for toolset in order:
        lines += ["", f"**{toolset}**", "", "| tool | tier | what it does |", "| --- | --- | --- |"]
        lines += [f"| `{s.name}` | {s.tier.value} | {_cell(s.description)} |" for s in by_toolset[toolset]]
    return "\n".join(lines)


def replace_between_markers(text: str, block: str, where: str) -> str:
    """text with everything between the markers replaced by block.

    Raises:
        ValueError: the markers are missing or out of order.
    """
    start = text.find(START)
    end = text.find(END)
    if start < 0 or end < start:
        raise ValueError(f"{where}: needs the markers {START} and {END}, in that order.")
    return text[: start + len(START)] + "\n" + block + "\n" + text[end:]
