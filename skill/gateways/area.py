"""The base of the per-area Twilio gateway classes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from twilio.rest import Client
    from twilio.rest.api.v2010.account import AccountContext

    from skill.gateways.twilio_gateway import TwilioGateway


def unset_none(**kwargs: Any) -> dict[str, Any]:
    """Arguments for the SDK without the ones we were not given (the SDK wants them absent)."""
    return {key: value for key, value in kwargs.items() if value is not None}


class Area:
    def __init__(self, gateway: TwilioGateway) -> None:
        self.gw = gateway

    def account(self, client: Client, sid: str | None = None) -> AccountContext:
        return client.api.v2010.accounts(sid or self.gw.account_sid)
