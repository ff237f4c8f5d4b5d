"""Incoming and available phone numbers (API v2010), and what one number is doing: its recent
messages and calls, and the Messaging Services that send from it.

`list` answers plain dicts for the areas that still read dicts (compliance, webhooks, the account
audit); this area's core uses `list_page`.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from skill.gateways.area import MAX_PAGE_SIZE, Area, unset_none
from skill.ports.twilio.numbers import NumbersPort
from skill.records.numbers import AvailableNumber, Capabilities, NumberTraffic, PhoneNumber, ServiceRef, Tally
from skill.records.page import Page

if TYPE_CHECKING:
    from twilio.rest import Client

KIND_NAMES = {"toll-free": "toll_free", "tollfree": "toll_free"}
URL_FIELDS = ("sms_url", "sms_fallback_url", "voice_url", "voice_fallback_url", "status_callback")
# A sender list is read this far when looking for one number in it.
SENDER_SCAN = 1000


def capabilities(raw: Any) -> Capabilities:
    """Twilio spells capability keys in either case ('sms' or 'SMS'); read them either way."""
    flags = {str(key).lower(): bool(value) for key, value in raw.items()} if isinstance(raw, dict) else {}
    return Capabilities(sms=flags.get("sms", False), mms=flags.get("mms", False), voice=flags.get("voice", False))


def number_record(raw: dict[str, Any]) -> PhoneNumber:
    """A PhoneNumber from the API's resource: `type` as our `kind`, empty URLs as absent."""
    kind = raw.get("type")
    fields = {key: value for key, value in raw.items() if not (key in URL_FIELDS and not value)}
    fields["kind"] = KIND_NAMES.get(kind, kind) if isinstance(kind, str) else None
    fields["capabilities"] = capabilities(raw.get("capabilities"))
    return PhoneNumber.from_api(fields)


def available_record(raw: dict[str, Any]) -> AvailableNumber:
    return AvailableNumber.from_api({**raw, "capabilities": capabilities(raw.get("capabilities"))})


class Numbers(Area):
    async def list_page(
        self,
        *,
        phone_number: str | None = None,
        friendly_name: str | None = None,
        local: dict[str, object] | None = None,
        limit: int,
        cursor: str | None = None,
        keep: Callable[[PhoneNumber], bool] | None = None,
        scan: int = MAX_PAGE_SIZE,
    ) -> Page[PhoneNumber]:
        return await self.page(
            lambda c: self.account(c).incoming_phone_numbers,
            "List phone numbers",
            into=number_record,
            limit=limit,
            cursor=cursor,
            filters={"phone_number": phone_number, "friendly_name": friendly_name},
            keep=keep,
            scan=scan,
            kept_by=local,
        )

    async def count(self, account_sid: str, cap: int) -> Tally:
        """How many numbers an account (this one or a subaccount) has, counted up to `cap`."""
        found = await self.page(
            lambda c: self.account(c, account_sid).incoming_phone_numbers,
            "Count phone numbers",
            into=lambda raw: raw,
            limit=cap,
            cursor=None,
        )
        return Tally(count=len(found.items), more=found.has_more)

    async def fetch(self, sid: str) -> PhoneNumber:
        raw = await self.one(lambda c: self.account(c).incoming_phone_numbers(sid).fetch_async(), "Fetch phone number")
        return number_record(raw)

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
    ) -> builtins.list[AvailableNumber]:
        def listing(c: Client) -> Any:
            country_ctx = self.account(c).available_phone_numbers(country)
            return {"local": country_ctx.local, "mobile": country_ctx.mobile, "toll_free": country_ctx.toll_free}[kind]

        filters = unset_none(
            area_code=area_code, contains=contains, sms_enabled=sms, voice_enabled=voice, mms_enabled=mms
        )
        raw = await self.many(lambda c: listing(c).list_async(**filters, limit=limit), "Search available numbers")
        return [available_record(item) for item in raw]

    async def buy(
        self, *, phone_number: str, friendly_name: str | None, sms_url: str | None, voice_url: str | None
    ) -> PhoneNumber:
        raw = await self.one(
            lambda c: self.account(c).incoming_phone_numbers.create_async(
                phone_number=phone_number,
                **unset_none(friendly_name=friendly_name, sms_url=sms_url, voice_url=voice_url),
            ),
            "Buy phone number",
        )
        return number_record(raw)

    async def update(self, sid: str, **settings: str) -> PhoneNumber:
        raw = await self.one(
            lambda c: self.account(c).incoming_phone_numbers(sid).update_async(**settings), "Configure phone number"
        )
        return number_record(raw)

    async def release(self, sid: str) -> bool:
        return await self.deleted(
            lambda c: self.account(c).incoming_phone_numbers(sid).delete_async(), "Release phone number"
        )

    async def traffic(self, phone_number: str, since: datetime, cap: int) -> NumberTraffic:
        """Messages and calls from and to a number since a time, each counted up to `cap` (four list reads)."""

        async def tally(lister: Callable[[Client], Any], what: str, filters: dict[str, Any]) -> Tally:
            found = await self.page(lister, what, into=lambda raw: raw, limit=cap, cursor=None, filters=filters)
            return Tally(count=len(found.items), more=found.has_more)

        def messages(c: Client) -> Any:
            return self.account(c).messages

        def calls(c: Client) -> Any:
            return self.account(c).calls

        return NumberTraffic(
            messages_sent=await tally(messages, "List messages", {"from_": phone_number, "date_sent_after": since}),
            messages_received=await tally(messages, "List messages", {"to": phone_number, "date_sent_after": since}),
            calls_made=await tally(calls, "List calls", {"from_": phone_number, "start_time_after": since}),
            calls_received=await tally(calls, "List calls", {"to": phone_number, "start_time_after": since}),
        )

    async def services_using(self, sid: str, services_cap: int) -> tuple[builtins.list[ServiceRef], bool]:
        """The Messaging Services that have the number `sid` among their senders, looking through at
        most `services_cap` services; and whether every service was looked through."""
        services = await self.page(
            lambda c: c.messaging.v1.services,
            "List messaging services",
            into=lambda raw: ServiceRef.from_api(raw),
            limit=services_cap,
            cursor=None,
        )
        using = []
        for service in services.items:

            def senders(c: Client, service_sid: str = service.sid) -> Any:
                return c.messaging.v1.services(service_sid).phone_numbers

            found = await self.page(
                senders,
                "List messaging service senders",
                into=lambda raw: str(raw.get("sid")),
                limit=1,
                cursor=None,
                keep=lambda sender: sender == sid,
                scan=SENDER_SCAN,
            )
            if found.items:
                using.append(service)
        return using, not services.has_more

    async def all(self, limit: int) -> builtins.list[PhoneNumber]:
        raws = await self.many(
            lambda c: self.account(c).incoming_phone_numbers.list_async(limit=limit), "List phone numbers"
        )
        return [number_record(raw) for raw in raws]


PORT: type[NumbersPort] = Numbers  # mypy proves the gateway answers the port
