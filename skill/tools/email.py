"""Tools for email (being written)."""

from __future__ import annotations

from skill.server.registry import ToolSpec

TOOLS: tuple[ToolSpec, ...] = ()
