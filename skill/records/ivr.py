"""Deployed IVR menus and where a call stands in one."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class DeployedMenu:
    name: str
    menu: dict[str, Any]
    max_invalid: int
    created_at: float
    updated_at: float


@dataclass(frozen=True)
class CallState:
    """Where one call stands: node, step counter, retries here, invalid entries in total."""

    call_sid: str
    menu: str
    node: str
    step: int = 0
    retries: int = 0
    invalid_total: int = 0
