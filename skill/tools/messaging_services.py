"""Tools for messaging_services (being written)."""

from __future__ import annotations

from skill.server.registry import ToolSpec

TOOLS: tuple[ToolSpec, ...] = ()
