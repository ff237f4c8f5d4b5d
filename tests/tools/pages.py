"""Reading a list tool to its end the way an agent would: page by page, following next_cursor."""

from __future__ import annotations

from typing import Any

from mcp import Client

from tests.conftest import call

MAX_PAGES = 100


async def read_pages(
    client: Client, tool: str, args: dict[str, Any]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Every item of the list, and the pages it came in; checks each page's envelope on the way.

    The list must end (has_more false, no next_cursor) within MAX_PAGES pages.
    """
    items: list[dict[str, Any]] = []
    pages: list[dict[str, Any]] = []
    cursor: str | None = None
    for _ in range(MAX_PAGES):
        page = await call(client, tool, {**args, **({"cursor": cursor} if cursor else {})})
        assert not page.is_error, page
        data = page.data
        pages.append(data)
        assert data["count"] == len(data["items"]) <= args.get("limit", 1000)
        items += data["items"]
        if not data["has_more"]:
            assert data.get("next_cursor") is None
            return items, pages
        cursor = data["next_cursor"]
        assert isinstance(cursor, str) and cursor
    raise AssertionError(f"{tool} did not end within {MAX_PAGES} pages")


async def read_all(client: Client, tool: str, args: dict[str, Any]) -> tuple[list[dict[str, Any]], list[str]]:
    """Every item of the list, and the cursors it handed out."""
    items, pages = await read_pages(client, tool, args)
    return items, [page["next_cursor"] for page in pages[:-1]]
