"""Twilio API v2010 calls used by the accounts, credentials, messaging and numbers tools.

Each method is one SDK call; results are plain dicts of the API's own fields.
"""

from __future__ import annotations

import builtins
from datetime import datetime
from typing import TYPE_CHECKING, Any

from skill.gateways.twilio_gateway import record

if TYPE_CHECKING:
    from twilio.rest import Client
    from twilio.rest.api.v2010.account import AccountContext

    from skill.gateways.twilio_gateway import TwilioGateway


def _unset_none(**kwargs: Any) -> dict[str, Any]:
    """Arguments for the SDK without the ones we were not given (the SDK wants `unset`)."""
    return {key: value for key, value in kwargs.items() if value is not None}


class _Area:
    def __init__(self, gateway: TwilioGateway) -> None:
        self.gw = gateway

    def account(self, client: Client, sid: str | None = None) -> AccountContext:
        return client.api.v2010.accounts(sid or self.gw.account_sid)


class Accounts(_Area):
    async def fetch(self, sid: str | None = None) -> dict[str, Any]:
        async def op(c: Client) -> dict[str, Any]:
            return record(await self.account(c, sid).fetch_async())

        return await self.gw.run(op, what="Fetch account")

    async def balance(self, sid: str | None = None) -> dict[str, Any]:
        async def op(c: Client) -> dict[str, Any]:
            return record(await self.account(c, sid).balance.fetch_async())

        return await self.gw.run(op, what="Fetch balance")

    async def list(self, *, status: str | None, friendly_name: str | None, limit: int) -> builtins.list[dict[str, Any]]:
        async def op(c: Client) -> builtins.list[dict[str, Any]]:
            items = await c.api.v2010.accounts.list_async(
                **_unset_none(status=status, friendly_name=friendly_name), limit=limit
            )
            return [record(item) for item in items]

        return await self.gw.run(op, what="List accounts")

    async def create(self, friendly_name: str | None) -> dict[str, Any]:
        async def op(c: Client) -> dict[str, Any]:
            return record(await c.api.v2010.accounts.create_async(**_unset_none(friendly_name=friendly_name)))

        return await self.gw.run(op, what="Create subaccount")

    async def set_status(self, sid: str, status: str) -> dict[str, Any]:
        async def op(c: Client) -> dict[str, Any]:
            return record(await c.api.v2010.accounts(sid).update_async(status=status))

        return await self.gw.run(op, what="Update account status")


class Keys(_Area):
    async def list(self, limit: int) -> builtins.list[dict[str, Any]]:
        async def op(c: Client) -> builtins.list[dict[str, Any]]:
            return [record(item) for item in await self.account(c).keys.list_async(limit=limit)]

        return await self.gw.run(op, what="List API keys")

    async def create(self, friendly_name: str | None) -> dict[str, Any]:
        """The new key including its secret; the caller must hand the secret to the sink at once."""

        async def op(c: Client) -> dict[str, Any]:
            created = await self.account(c).new_keys.create_async(**_unset_none(friendly_name=friendly_name))
            return record(created)

        return await self.gw.run(op, what="Create API key")

    async def delete(self, sid: str) -> bool:
        async def op(c: Client) -> bool:
            return bool(await self.account(c).keys(sid).delete_async())

        return await self.gw.run(op, what="Revoke API key")

    async def verify(self, sid: str, secret: str) -> dict[str, Any]:
        """Fetch the account while authenticated as the given key."""

        async def op(_: Client) -> dict[str, Any]:
            other = self.gw.client_with_key(sid, secret)
            return record(await other.api.v2010.accounts(self.gw.account_sid).fetch_async())

        return await self.gw.run(op, what="Verify API key")


class Messages(_Area):
    async def create(
        self,
        *,
        to: str,
        body: str | None,
        from_: str | None,
        messaging_service_sid: str | None,
        media_url: builtins.list[str] | None,
        status_callback: str | None,
        validity_period: int | None,
        send_at: datetime | None = None,
        schedule_type: str | None = None,
    ) -> dict[str, Any]:
        async def op(c: Client) -> dict[str, Any]:
            created = await self.account(c).messages.create_async(
                to=to,
                **_unset_none(
                    body=body,
                    from_=from_,
                    messaging_service_sid=messaging_service_sid,
                    media_url=media_url or None,
                    status_callback=status_callback,
                    validity_period=validity_period,
                    send_at=send_at,
                    schedule_type=schedule_type,
                ),
            )
            return record(created)

        return await self.gw.run(op, what="Send message")

    async def fetch(self, sid: str) -> dict[str, Any]:
        async def op(c: Client) -> dict[str, Any]:
            return record(await self.account(c).messages(sid).fetch_async())

        return await self.gw.run(op, what="Fetch message")

    async def list(
        self,
        *,
        to: str | None,
        from_: str | None,
        date_sent_after: datetime | None,
        date_sent_before: datetime | None,
        limit: int,
    ) -> builtins.list[dict[str, Any]]:
        async def op(c: Client) -> builtins.list[dict[str, Any]]:
            items = await self.account(c).messages.list_async(
                **_unset_none(to=to, from_=from_, date_sent_after=date_sent_after, date_sent_before=date_sent_before),
                limit=limit,
            )
            return [record(item) for item in items]

        return await self.gw.run(op, what="List messages")

    async def cancel(self, sid: str) -> dict[str, Any]:
        async def op(c: Client) -> dict[str, Any]:
            return record(await self.account(c).messages(sid).update_async(status="canceled"))

        return await self.gw.run(op, what="Cancel message")


class Numbers(_Area):
    async def list(self, *, phone_number: str | None, limit: int) -> builtins.list[dict[str, Any]]:
        async def op(c: Client) -> builtins.list[dict[str, Any]]:
            items = await self.account(c).incoming_phone_numbers.list_async(
                **_unset_none(phone_number=phone_number), limit=limit
            )
            return [record(item) for item in items]

        return await self.gw.run(op, what="List phone numbers")

    async def fetch(self, sid: str) -> dict[str, Any]:
        async def op(c: Client) -> dict[str, Any]:
            return record(await self.account(c).incoming_phone_numbers(sid).fetch_async())

        return await self.gw.run(op, what="Fetch phone number")

    async def search(
        self,
        *,
        country: str,
        kind: str,
        area_code: int | None,
        contains: str | None,
        sms: bool | None,
        voice: bool | None,
        mms: bool | None,
        limit: int,
    ) -> builtins.list[dict[str, Any]]:
        async def op(c: Client) -> builtins.list[dict[str, Any]]:
            country_ctx = self.account(c).available_phone_numbers(country)
            listing = {"local": country_ctx.local, "mobile": country_ctx.mobile, "toll_free": country_ctx.toll_free}[
                kind
            ]
            filters = _unset_none(
                area_code=area_code, contains=contains, sms_enabled=sms, voice_enabled=voice, mms_enabled=mms
            )
            if kind == "toll_free":
                filters.pop("area_code", None)
            items = await listing.list_async(**filters, limit=limit)
            return [record(item) for item in items]

        return await self.gw.run(op, what="Search available numbers")

    async def buy(
        self, *, phone_number: str, friendly_name: str | None, sms_url: str | None, voice_url: str | None
    ) -> dict[str, Any]:
        async def op(c: Client) -> dict[str, Any]:
            created = await self.account(c).incoming_phone_numbers.create_async(
                phone_number=phone_number,
                **_unset_none(friendly_name=friendly_name, sms_url=sms_url, voice_url=voice_url),
            )
            return record(created)

        return await self.gw.run(op, what="Buy phone number")

    async def update(self, sid: str, **fields: Any) -> dict[str, Any]:
        async def op(c: Client) -> dict[str, Any]:
            updated = await self.account(c).incoming_phone_numbers(sid).update_async(**_unset_none(**fields))
            return record(updated)

        return await self.gw.run(op, what="Configure phone number")

    async def release(self, sid: str) -> bool:
        async def op(c: Client) -> bool:
            return bool(await self.account(c).incoming_phone_numbers(sid).delete_async())

        return await self.gw.run(op, what="Release phone number")
