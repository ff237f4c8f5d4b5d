"""Reading a list tool to its end through next_cursor, as an agent would."""

from __future__ import annotations

from typing import Any

from mcp import Client

from tests.conftest import call

MAX_PAGES = 50


async def read_all(
    client: Client, tool: str, args: dict[str, Any]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Every item of the list, page by page, and the pages themselves; fails on an error or a list
    that never ends."""
    items: list[dict[str, Any]] = []
    pages: list[dict[str, Any]] = []
    cursor: str | None = None
    for _ in range(MAX_PAGES):
        page = await call(client, tool, {**args, **({"cursor": cursor} if cursor else {})})
        assert not page.is_error, page
        pages.append(page.data)
        items += page.data["items"]
        assert page.data["count"] == len(page.data["items"])
        if not page.data["has_more"]:
            assert "next_cursor" not in page.data
            return items, pages
        cursor = page.data["next_cursor"]
    raise AssertionError(f"{tool} did not end within {MAX_PAGES} pages")
