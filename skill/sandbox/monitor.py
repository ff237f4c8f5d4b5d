"""Sandbox routes for monitor (being written)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.routing import Route

if TYPE_CHECKING:
    from skill.sandbox.app import Sandbox


def routes(sandbox: Sandbox) -> dict[str, list[Route]]:
    return {}
