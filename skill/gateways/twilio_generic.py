"""Any Twilio operation by method and URL, through the SDK client (so auth, retries and the sandbox
seam are the same as every other call). Only https URLs on a host Twilio's specs name are sent."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from skill.errors import InputError
from skill.gateways.area import Area
from skill.specs import spec_hosts

if TYPE_CHECKING:
    from twilio.rest import Client

MAX_BODY_BYTES = 5_000_000


class Operations(Area):
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
        """Send one request; (status, decoded JSON body or None).

        Raises:
            InputError: the URL is not https on a host the specs name.
            UpstreamError: Twilio refused the call, could not be reached, or the outcome is unknown.
        """
        parts = urlsplit(url)
        host = parts.hostname or ""
        if parts.scheme != "https" or host not in spec_hosts() or parts.username or parts.port:
            raise InputError(
                f"{what}: {host or url[:60]!r} is not a Twilio API host its specs name; nothing was sent.",
                code="input.invalid",
                remediation=["Call the operation by its id (twilio_api_find gives it): its host comes from the spec."],
            )
        from twilio.base.exceptions import TwilioRestException

        async def op(client: Client) -> tuple[int, Any]:
            headers = {"Content-Type": "application/json"} if json_body is not None else None
            data: Any = json_body if json_body is not None else form
            response = await client.request_async(method, url, params=query or None, data=data or None, headers=headers)
            text = response.text or ""
            if len(text) > MAX_BODY_BYTES:
                raise TwilioRestException(502, url, msg="the answer was too large to read", method=method)
            try:
                body = json.loads(text) if text.strip() else None
            except ValueError:
                body = None
            if response.status_code >= 400:
                detail = body if isinstance(body, dict) else {}
                code = detail.get("code")
                raise TwilioRestException(
                    response.status_code,
                    url,
                    msg=str(detail.get("message") or f"HTTP {response.status_code}")[:500],
                    code=code if isinstance(code, int) else None,
                    method=method,
                )
            return response.status_code, body

        return await self.gw.run(op, what=what)
