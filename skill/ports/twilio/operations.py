"""Any operation of the index by method and URL, as the `api` tools call it."""

from __future__ import annotations

from typing import Any, Protocol


class OperationsPort(Protocol):
    async def request(
        self,
        method: str,
        url: str,
        *,
        what: str,
        query: dict[str, Any] | None = None,
        form: dict[str, Any] | None = None,
        json_body: dict[str, Any] | None = None,
    ) -> tuple[int, Any]:
        """Send one request to a Twilio API host; (status, decoded JSON body or None).

        Raises:
            InputError: the URL is not https on a twilio.com host.
            UpstreamError: Twilio refused the call, could not be reached, or the outcome is unknown.
        """
        ...
