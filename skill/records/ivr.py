"""Deployed IVR menus, a deployment's outcome, and where a call stands in one."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import Field

from skill.records.base import Record


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


class MenuDeployment(Record):
    name: str = Field(description="Menu name.")
    start_url: str = Field(description="Set this as the number's voice URL (number_configure).")
    replaced: bool = Field(description="True when a menu of that name was replaced.")
    nodes: int = Field(description="Number of nodes.")
    documents: int = Field(description="Number of TwiML documents served.")
    max_invalid: int = Field(description="Wrong choices allowed per call.")
    warnings: list[str] = Field(description="Problems that do not stop the menu, e.g. unreachable nodes.")
