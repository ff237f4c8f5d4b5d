"""SendGrid's lists as pages with this server's cursors. Suppression lists page by offset and limit,
templates by page_token; a cursor holds either (in Position.key) with the digest of the call's filters."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from skill.gateways.area import invalid_cursor, unset_none
from skill.records.page import CursorError, Page, Position, decode_cursor, encode_cursor, filters_digest

R = TypeVar("R")
# Requests one call may make; past them the page ends early and its cursor goes on from there.
MAX_FETCHES = 20
Fetch = Callable[[Position], Awaitable[tuple[list[R], Position | None]]]


def first_position(cursor: str | None, filters: dict[str, Any], *, size: int) -> Position:
    """Where a list call starts: at the cursor (checked against the filters), or at the top.

    Raises:
        InputError: input.invalid_cursor when the cursor is not ours or was made for other filters.
    """
    shown = {key: str(value) for key, value in unset_none(**filters).items()}
    if not cursor:
        return Position(size=size, filters=filters_digest(shown))
    try:
        return decode_cursor(cursor, shown)
    except CursorError as exc:
        raise invalid_cursor(str(exc)) from None


async def walk(
    position: Position | None,
    fetch: Fetch[R],
    *,
    limit: int,
    keep: Callable[[R], bool] | None = None,
    scan: int = 1000,
) -> Page[R]:
    """At most `limit` items from `position` on, fetching page after page; with `keep`, items are
    filtered after fetching over at most `scan` rows, and the page says how many it looked through."""
    items: list[R] = []
    scanned = fetches = 0
    while position is not None and fetches < MAX_FETCHES:
        fetches += 1
        current = position
        rows, position = await fetch(current)
        for index in range(current.skip, len(rows)):
            scanned += 1
            if keep is None or keep(rows[index]):
                items.append(rows[index])
            if len(items) >= limit or (keep is not None and scanned >= scan):
                rest = current.model_copy(update={"skip": index + 1}) if index + 1 < len(rows) else position
                return Page(
                    items=items,
                    has_more=rest is not None,
                    next_cursor=encode_cursor(rest) if rest is not None else None,
                    scanned=scanned if keep is not None else None,
                )
    return Page(
        items=items,
        has_more=position is not None,
        next_cursor=encode_cursor(position) if position is not None else None,
        scanned=scanned if keep is not None else None,
    )
