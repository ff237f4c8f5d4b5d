"""Reading loosely typed values from provider records."""

from __future__ import annotations

from typing import Any


def int_or_none(value: Any) -> int | None:
    """value as an int (from an int or its text), or None when it is neither."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
