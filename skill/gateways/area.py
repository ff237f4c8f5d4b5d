"""The base of the per-area Twilio gateway classes."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import parse_qs, urlsplit

from skill.errors import InputError
from skill.gateways.translate import record
from skill.records.page import CursorError, Page, Position, decode_cursor, encode_cursor, filters_digest

if TYPE_CHECKING:
    from twilio.rest import Client
    from twilio.rest.api.v2010.account import AccountContext

    from skill.gateways.twilio_gateway import TwilioGateway


R = TypeVar("R")
# Twilio's largest page; a filtered list reads pages at least this big so a scan moves quickly.
MAX_PAGE_SIZE = 1000
SCAN_PAGE_SIZE = 200


def invalid_cursor(reason: str) -> InputError:
    return InputError(
        f"The cursor cannot be used: {reason}.",
        code="input.invalid_cursor",
        remediation=[
            "Pass next_cursor exactly as the previous page returned it, with the same filters.",
            "Or leave cursor out to start from the first page.",
        ],
    )


def next_position(url: str | None, position: Position) -> Position | None:
    """Where Twilio's next page starts, read from its next-page URL (None at the end)."""
    if not url:
        return None
    query = parse_qs(urlsplit(url).query)
    page = query.get("Page", ["0"])[0]
    token = query.get("PageToken", [None])[0]
    return Position(
        page=int(page) if page.isdigit() else position.page + 1,
        token=token,
        size=position.size,
        filters=position.filters,
    )


def unset_none(**kwargs: Any) -> dict[str, Any]:
    """Arguments for the SDK without the ones we were not given (the SDK wants them absent)."""
    return {key: value for key, value in kwargs.items() if value is not None}


class Area:
    def __init__(self, gateway: TwilioGateway) -> None:
        self.gw = gateway

    def account(self, client: Client, sid: str | None = None) -> AccountContext:
        return client.api.v2010.accounts(sid or self.gw.account_sid)

    async def one(self, call: Callable[[Client], Awaitable[Any]], what: str) -> dict[str, Any]:
        """Run an SDK call that answers one resource, and return it as a dict.

        Raises:
            UpstreamError: as TwilioGateway.run.
        """

        async def op(client: Client) -> dict[str, Any]:
            return record(await call(client))

        return await self.gw.run(op, what=what)

    async def many(self, call: Callable[[Client], Awaitable[Iterable[Any]]], what: str) -> list[dict[str, Any]]:
        """Run an SDK list call and return its resources as dicts.

        Raises:
            UpstreamError: as TwilioGateway.run.
        """

        async def op(client: Client) -> list[dict[str, Any]]:
            return [record(item) for item in await call(client)]

        return await self.gw.run(op, what=what)

    async def deleted(self, call: Callable[[Client], Awaitable[Any]], what: str) -> bool:
        """Run an SDK delete call; True when Twilio deleted the resource.

        Raises:
            UpstreamError: as TwilioGateway.run.
        """

        async def op(client: Client) -> bool:
            return bool(await call(client))

        return await self.gw.run(op, what=what)

    async def page(
        self,
        lister: Callable[[Client], Any],
        what: str,
        *,
        into: Callable[[dict[str, Any]], R],
        limit: int,
        cursor: str | None,
        filters: dict[str, Any] | None = None,
        keep: Callable[[R], bool] | None = None,
        scan: int = MAX_PAGE_SIZE,
        kept_by: dict[str, Any] | None = None,
    ) -> Page[R]:
        """One page of a Twilio list: at most `limit` items from where `cursor` points, and the cursor of
        the rest. `lister` gives the SDK list (e.g. a context's `.messages`); `filters` are its page
        arguments. With `keep`, items are filtered here after fetching: at most `scan` rows are read,
        and the page says how many (`scanned`) and whether more are left. `kept_by` names the values
        `keep` filters on, so that a cursor is refused with other values there too.

        Raises:
            InputError: the cursor is not one of ours, or was made with other filters.
            UpstreamError: as TwilioGateway.run.
        """
        sent = unset_none(**(filters or {}))
        shown_filters = {key: str(value) for key, value in sent.items()}
        shown_filters.update({f"kept:{key}": str(value) for key, value in unset_none(**(kept_by or {})).items()})
        if cursor:
            try:
                position: Position | None = decode_cursor(cursor, shown_filters)
            except CursorError as exc:
                raise invalid_cursor(str(exc)) from None
        else:
            size = min(MAX_PAGE_SIZE, limit if keep is None else max(limit, SCAN_PAGE_SIZE))
            position = Position(size=size, filters=filters_digest(shown_filters))
        items: list[R] = []
        scanned = 0
        while position is not None:
            current = position
            kwargs = {**sent, "page_size": current.size, "page_number": current.page or None}
            if current.token:
                kwargs["page_token"] = current.token

            async def fetch(client: Client, kwargs: dict[str, Any] = kwargs) -> tuple[list[dict[str, Any]], Any]:
                sdk_page = await lister(client).page_async(**unset_none(**kwargs))
                return [record(item) for item in sdk_page], sdk_page.next_page_url

            rows, next_url = await self.gw.run(fetch, what=what)
            position = next_position(next_url, current)
            for index in range(current.skip, len(rows)):
                converted = into(rows[index])
                scanned += 1
                if keep is None or keep(converted):
                    items.append(converted)
                if len(items) >= limit or (keep is not None and scanned >= scan):
                    rest = current.model_copy(update={"skip": index + 1}) if index + 1 < len(rows) else position
                    return Page(
                        items=items,
                        has_more=rest is not None,
                        next_cursor=encode_cursor(rest) if rest is not None else None,
                        scanned=scanned if keep is not None else None,
                    )
        return Page(items=items, scanned=scanned if keep is not None else None)
