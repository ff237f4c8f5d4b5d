"""Phone numbers: list the account's numbers, search, buy, configure webhooks, release. What each
gated change would do, for the operator who approves it, is skill.core.number_impact."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from skill.core import phones
from skill.core.context import Services
from skill.core.timeutil import as_utc, parse_iso
from skill.core.urls import webhook_warnings
from skill.errors import InputError, UpstreamError
from skill.records.numbers import AvailableNumber, ConfiguredNumber, PhoneNumber
from skill.records.page import Page

URL_FIELDS = ("sms_url", "voice_url", "status_callback")
# Twilio cannot filter numbers by date: at most this many are looked through per call.
NUMBER_SCAN = 1000


def to_e164(value: str, default_region: str = "US", *, field: str = "phone_number") -> str:
    """A phone number in E.164 form, e.g. '(415) 555-0142' -> '+14155550142'.

    Raises:
        InputError: input.invalid_phone when it is not a valid number.
    """
    return phones.to_e164(value, region=default_region, field=field)


async def list_numbers(
    services: Services,
    *,
    phone_number: str | None,
    after: datetime | None,
    before: datetime | None,
    limit: int,
    cursor: str | None,
) -> Page[PhoneNumber]:
    """The account's numbers. The number filters at Twilio; purchase dates are matched here, over at
    most NUMBER_SCAN numbers per call.

    Raises:
        InputError: an invalid number filter, or a cursor that is not ours or was made for other filters.
    """
    wanted = to_e164(phone_number, services.settings.default_region) if phone_number else None
    start = as_utc(after) if after else None
    end = as_utc(before) if before else None

    def bought_between(number: PhoneNumber) -> bool:
        bought = parse_iso(number.date_created)
        return bought is not None and (start is None or bought >= start) and (end is None or bought < end)

    return await services.twilio.numbers.list_page(
        phone_number=wanted,
        local={"after": start, "before": end},
        limit=limit,
        cursor=cursor,
        keep=bought_between if start or end else None,
        scan=NUMBER_SCAN,
    )


async def search_numbers(
    services: Services,
    *,
    country: str,
    kind: str,
    area_code: int | None,
    contains: str | None,
    sms: bool | None,
    voice: bool | None,
    mms: bool | None,
    limit: int,
) -> list[AvailableNumber]:
    """Numbers available to buy.

    Raises:
        UpstreamError: twilio.20404 where Twilio offers no such kind of number in that country.
    """
    try:
        return await services.twilio.numbers.search(
            country=country.upper(),
            kind=kind,
            area_code=area_code,
            contains=contains,
            sms=sms,
            voice=voice,
            mms=mms,
            limit=limit,
        )
    except UpstreamError as exc:
        if exc.twilio_code == 20404:
            exc.remediation = [
                f"Twilio offers no {kind} numbers in {country.upper()}; try another kind (local, mobile, toll_free).",
                "Check the country is an ISO 3166 alpha-2 code, e.g. US, CA, GB.",
            ]
        raise


def check_buy(
    services: Services, *, phone_number: str, sms_url: str | None, voice_url: str | None
) -> tuple[str, list[str]]:
    """The number in E.164 and the URL warnings, or an InputError, before anything is bought.

    Raises:
        InputError: an invalid number or webhook URL.
    """
    number = to_e164(phone_number, services.settings.default_region)
    return number, webhook_warnings({"sms_url": sms_url, "voice_url": voice_url}, services.settings.mode)


async def buy_number(
    services: Services, *, phone_number: str, friendly_name: str | None, sms_url: str | None, voice_url: str | None
) -> ConfiguredNumber:
    """Buy a number for the account; returns it with any warnings.

    Raises:
        InputError: invalid number or webhook URL.
        UpstreamError: twilio.21422 (not available), twilio.21421 (invalid), or another refusal.
    """
    number, warnings = check_buy(services, phone_number=phone_number, sms_url=sms_url, voice_url=voice_url)
    try:
        bought = await services.twilio.numbers.buy(
            phone_number=number, friendly_name=friendly_name, sms_url=sms_url, voice_url=voice_url
        )
    except UpstreamError as exc:
        if exc.twilio_code in (21421, 21422):
            exc.remediation = [
                "Nothing was bought and nothing was charged.",
                "Run number_search and buy one of the numbers it returns.",
                "If numbers_list already shows this number, the account owns it; use number_configure instead.",
            ]
        raise
    return ConfiguredNumber(**bought.model_dump(), warnings=warnings)


def check_configure(services: Services, changes: Mapping[str, str | None]) -> tuple[dict[str, str], list[str]]:
    """The changes given (None left out) and the URL warnings, before anything is sent.

    Raises:
        InputError: input.nothing_to_change, or a webhook URL is refused.
    """
    given = {key: value for key, value in changes.items() if value is not None}
    if not given:
        raise InputError(
            "Nothing to change: give at least one of sms_url, sms_method, voice_url, voice_method, "
            "status_callback or friendly_name.",
            code="input.nothing_to_change",
            remediation=["Call number_configure again with the settings to change."],
        )
    urls = {key: value for key, value in given.items() if key in URL_FIELDS}
    return given, webhook_warnings(urls, services.settings.mode)


async def configure_number(services: Services, sid: str, changes: Mapping[str, str | None]) -> ConfiguredNumber:
    """Change a number's webhooks or name; returns it with any warnings.

    Raises:
        InputError: no change given, or a webhook URL is refused.
        UpstreamError: the number does not exist (twilio.20404) or Twilio refused.
    """
    given, warnings = check_configure(services, changes)
    number = await services.twilio.numbers.update(sid, **given)
    return ConfiguredNumber(**number.model_dump(), warnings=warnings)


async def release_number(services: Services, sid: str) -> PhoneNumber:
    """Release a number from the account; returns what it was.

    Raises:
        UpstreamError: the number does not exist (twilio.20404) or Twilio refused.
    """
    number = await services.twilio.numbers.fetch(sid)
    await services.twilio.numbers.release(sid)
    return number
