"""Phone numbers: list the account's numbers, search, buy, configure webhooks, release."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from skill.core import phones
from skill.core.context import Services
from skill.core.urls import webhook_warnings
from skill.errors import InputError, UpstreamError

TYPE_NAMES = {"toll-free": "toll_free", "tollfree": "toll_free"}
URL_FIELDS = ("sms_url", "voice_url", "status_callback")


def to_e164(value: str, default_region: str = "US", *, field: str = "phone_number") -> str:
    """A phone number in E.164 form, e.g. '(415) 555-0142' -> '+14155550142'.

    Raises:
        InputError: input.invalid_phone when it is not a valid number.
    """
    return phones.to_e164(value, region=default_region, field=field)


def _url_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def capability_flags(raw: Any) -> dict[str, bool]:
    """Twilio spells capability keys in either case ('sms' or 'SMS'); normalise them."""
    flags = {str(k).lower(): bool(v) for k, v in (raw or {}).items()} if isinstance(raw, dict) else {}
    return {name: flags.get(name, False) for name in ("sms", "mms", "voice")}


def public_number(raw: dict[str, Any]) -> dict[str, Any]:
    kind = raw.get("type")
    return {
        "sid": raw.get("sid"),
        "phone_number": raw.get("phone_number"),
        "friendly_name": raw.get("friendly_name"),
        "type": TYPE_NAMES.get(kind, kind) if isinstance(kind, str) else None,
        "capabilities": capability_flags(raw.get("capabilities")),
        "sms_url": _url_or_none(raw.get("sms_url")),
        "sms_method": raw.get("sms_method"),
        "voice_url": _url_or_none(raw.get("voice_url")),
        "voice_method": raw.get("voice_method"),
        "status_callback": _url_or_none(raw.get("status_callback")),
        "date_created": raw.get("date_created"),
    }


def public_candidate(raw: dict[str, Any]) -> dict[str, Any]:
    return {
        "phone_number": raw.get("phone_number"),
        "friendly_name": raw.get("friendly_name"),
        "locality": raw.get("locality"),
        "region": raw.get("region"),
        "postal_code": raw.get("postal_code"),
        "iso_country": raw.get("iso_country"),
        "address_requirements": raw.get("address_requirements"),
        "capabilities": capability_flags(raw.get("capabilities")),
    }


async def list_numbers(services: Services, *, phone_number: str | None, limit: int) -> list[dict[str, Any]]:
    wanted = to_e164(phone_number, services.settings.default_region) if phone_number else None
    raw = await services.twilio.numbers.list(phone_number=wanted, limit=limit)
    return [public_number(item) for item in raw]


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
) -> list[dict[str, Any]]:
    """Numbers available to buy. Raises UpstreamError twilio.20404 where Twilio offers no such type."""
    try:
        raw = await services.twilio.numbers.search(
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
                f"Twilio offers no {kind} numbers in {country.upper()}; try another type (local, mobile, toll_free).",
                "Check the country is an ISO 3166 alpha-2 code, e.g. US, CA, GB.",
            ]
        raise
    return [public_candidate(item) for item in raw]


def check_buy(
    services: Services, *, phone_number: str, sms_url: str | None, voice_url: str | None
) -> tuple[str, list[str]]:
    """The number in E.164 and the URL warnings, or an InputError, before anything is bought."""
    number = to_e164(phone_number, services.settings.default_region)
    return number, webhook_warnings({"sms_url": sms_url, "voice_url": voice_url}, services.settings.mode)


async def buy_number(
    services: Services, *, phone_number: str, friendly_name: str | None, sms_url: str | None, voice_url: str | None
) -> tuple[dict[str, Any], list[str]]:
    """Buy a number for the account; returns it and any warnings.

    Raises:
        InputError: invalid number or webhook URL.
        UpstreamError: twilio.21422 (not available), twilio.21421 (invalid), or another refusal.
    """
    number, warnings = check_buy(services, phone_number=phone_number, sms_url=sms_url, voice_url=voice_url)
    try:
        raw = await services.twilio.numbers.buy(
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
    return public_number(raw), warnings


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


async def configure_number(services: Services, sid: str, **changes: str | None) -> tuple[dict[str, Any], list[str]]:
    """Change a number's webhooks or name; returns it and any warnings.

    Raises:
        InputError: no change given, or a webhook URL is refused.
        UpstreamError: the number does not exist (twilio.20404) or Twilio refused.
    """
    given, warnings = check_configure(services, changes)
    raw = await services.twilio.numbers.update(sid, **given)
    return public_number(raw), warnings


async def release_number(services: Services, sid: str) -> dict[str, Any]:
    """Release a number from the account; returns what it was.

    Raises:
        UpstreamError: the number does not exist (twilio.20404) or Twilio refused.
    """
    number = public_number(await services.twilio.numbers.fetch(sid))
    await services.twilio.numbers.release(sid)
    return number
