"""Tool tiers: how much harm a call can do, which decides its default gate."""

from __future__ import annotations

from enum import StrEnum


class Tier(StrEnum):
    READ = "READ"  # no side effect
    WRITE = "WRITE"  # reversible change
    SEND = "SEND"  # costs money or contacts a person
    DESTRUCTIVE = "DESTRUCTIVE"  # irreversible, or spends beyond a limit
