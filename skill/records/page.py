"""One page of a list, and the opaque cursor that asks for the next one.

A cursor is what a list tool hands an agent to continue where it stopped. It is base64url JSON the
agent cannot usefully edit: where the next page starts (Twilio's page number and token, or a local
store's key), how far into that page to skip, and a digest of the filters it was made for, so a
cursor reused with other filters is refused instead of silently mixing two lists.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

MAX_CURSOR_CHARS = 512
_TOKEN = re.compile(r"^[A-Za-z0-9_.~-]{1,200}$")

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    """Items of one page; has_more with a next_cursor when the list goes on."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    items: list[T]
    has_more: bool = False
    next_cursor: str | None = None
    scanned: int | None = None  # rows looked through when the list was filtered after fetching


class CursorError(ValueError):
    """A cursor that is not one of ours, or was made for other filters."""


class Position(BaseModel):
    """Where a page starts: Twilio's page number and token, or a store key; and rows to skip in it."""

    model_config = ConfigDict(extra="forbid")

    page: int = Field(default=0, ge=0, le=10**7)
    token: str | None = None
    size: int = Field(default=50, ge=1, le=1000)
    key: int | float | str | None = None  # local stores: keyset paging
    skip: int = Field(default=0, ge=0, le=1000)
    filters: str = ""  # digest of the filters the cursor belongs to


def filters_digest(filters: dict[str, Any]) -> str:
    canonical = json.dumps(filters, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def encode_cursor(position: Position) -> str:
    raw = position.model_dump_json(exclude_defaults=True).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, filters: dict[str, Any]) -> Position:
    """The position a cursor names, checked against the filters of the call it came with.

    Raises:
        CursorError: not a cursor this server made, or made for other filters.
    """
    if len(cursor) > MAX_CURSOR_CHARS:
        raise CursorError("the cursor is too long")
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        position = Position.model_validate_json(raw)
    except (binascii.Error, ValueError, ValidationError):
        raise CursorError("the cursor is not one this server gave out") from None
    if position.token is not None and not _TOKEN.fullmatch(position.token):
        raise CursorError("the cursor is not one this server gave out")
    if isinstance(position.key, str) and len(position.key) > 200:
        raise CursorError("the cursor is not one this server gave out")
    if position.filters != filters_digest(filters):
        raise CursorError("the cursor belongs to a list with other filters")
    return position
