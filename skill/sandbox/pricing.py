"""Sandbox routes for the Pricing API on pricing.twilio.com: Messaging and PhoneNumbers (v1), Voice
(v1 and v2), for a few countries, in USD.

The figures are plausible, close to Twilio's list prices, and fixed so tests can compute with them.
Twilio's magic test numbers (+1500555xxxx) are US numbers and priced as such. Prices are decimal
strings, as Twilio sends them. A country not listed answers 404 (20404), as Twilio does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from skill.sandbox.http import TwilioHTTPError, authenticate, meta_page

if TYPE_CHECKING:
    from skill.sandbox.app import Sandbox

BASE = "https://pricing.twilio.com"


@dataclass(frozen=True)
class Country:
    name: str
    # (carrier, mcc, mnc, price per segment); every kind of sending number in sms_types costs the same.
    carriers: tuple[tuple[str, str, str, str], ...]
    sms_types: tuple[str, ...]
    sms_inbound: str
    # (friendly name, destination prefixes, price per minute)
    voice: tuple[tuple[str, tuple[str, ...], str], ...]
    voice_inbound: dict[str, str]  # number type -> per minute
    numbers: dict[str, str]  # number type -> per month


COUNTRIES: dict[str, Country] = {
    "US": Country(
        name="United States",
        carriers=(
            ("AT&T Wireless", "310", "410", "0.0083"),
            ("T-Mobile", "310", "260", "0.0083"),
            ("Verizon Wireless", "311", "480", "0.0083"),
        ),
        sms_types=("local", "toll free", "shortcode"),
        sms_inbound="0.0083",
        voice=(
            ("United States & Canada", ("1",), "0.0140"),
            ("United States - Alaska", ("1907",), "0.0900"),
            ("United States & Canada - Toll Free", ("1800", "1833", "1844", "1855", "1866", "1877", "1888"), "0.0140"),
        ),
        voice_inbound={"local": "0.0085", "toll free": "0.0220"},
        numbers={"local": "1.15", "toll free": "2.15"},
    ),
    "CA": Country(
        name="Canada",
        carriers=(
            ("Rogers", "302", "720", "0.0083"),
            ("Bell", "302", "610", "0.0083"),
            ("Telus", "302", "220", "0.0083"),
        ),
        sms_types=("local", "toll free", "shortcode"),
        sms_inbound="0.0083",
        voice=(("Canada", ("1",), "0.0140"),),
        voice_inbound={"local": "0.0085", "toll free": "0.0220"},
        numbers={"local": "1.15", "toll free": "2.15"},
    ),
    "GB": Country(
        name="United Kingdom",
        carriers=(
            ("EE", "234", "30", "0.0524"),
            ("Vodafone", "234", "15", "0.0524"),
            ("O2", "234", "10", "0.0498"),
            ("Three", "234", "20", "0.0463"),
        ),
        sms_types=("local", "mobile"),
        sms_inbound="0.0075",
        voice=(("United Kingdom", ("44",), "0.0140"), ("United Kingdom - Mobile", ("447",), "0.0395")),
        voice_inbound={"local": "0.0100", "mobile": "0.0100", "toll free": "0.0500"},
        numbers={"local": "1.15", "mobile": "1.15", "toll free": "2.15"},
    ),
    "FR": Country(
        name="France",
        carriers=(
            ("Orange", "208", "01", "0.0798"),
            ("SFR", "208", "10", "0.0798"),
            ("Bouygues Telecom", "208", "20", "0.0798"),
            ("Free Mobile", "208", "15", "0.0721"),
        ),
        sms_types=("local", "mobile"),
        sms_inbound="0.0075",
        voice=(("France", ("33",), "0.0200"), ("France - Mobile", ("336", "337"), "0.0600")),
        voice_inbound={"local": "0.0100", "mobile": "0.0100"},
        numbers={"local": "1.40", "mobile": "4.25"},
    ),
    "DE": Country(
        name="Germany",
        carriers=(
            ("Telekom", "262", "01", "0.0966"),
            ("Vodafone", "262", "02", "0.0966"),
            ("O2", "262", "03", "0.0911"),
        ),
        sms_types=("local", "mobile"),
        sms_inbound="0.0075",
        voice=(("Germany", ("49",), "0.0200"), ("Germany - Mobile", ("4915", "4916", "4917"), "0.0750")),
        voice_inbound={"local": "0.0100", "mobile": "0.0100", "toll free": "0.0700"},
        numbers={"local": "1.15", "mobile": "20.00", "toll free": "20.00"},
    ),
    "AU": Country(
        name="Australia",
        carriers=(
            ("Telstra", "505", "01", "0.0515"),
            ("Optus", "505", "02", "0.0515"),
            ("Vodafone", "505", "03", "0.0515"),
        ),
        sms_types=("local", "mobile"),
        sms_inbound="0.0075",
        voice=(("Australia", ("61",), "0.0240"), ("Australia - Mobile", ("614",), "0.0700")),
        voice_inbound={"local": "0.0100", "mobile": "0.0100", "toll free": "0.0600"},
        numbers={"local": "3.00", "mobile": "6.50", "toll free": "16.00"},
    ),
}


def _price(value: str, **extra: Any) -> dict[str, Any]:
    return {"base_price": value, "current_price": value, **extra}


def _country(request: Request, iso: str) -> Country:
    country = COUNTRIES.get(iso.upper())
    if country is None:
        raise TwilioHTTPError(404, 20404, f"The requested resource {request.url.path} was not found")
    return country


def messaging(iso: str, country: Country) -> dict[str, Any]:
    return {
        "country": country.name,
        "iso_country": iso,
        "outbound_sms_prices": [
            {
                "carrier": carrier,
                "mcc": mcc,
                "mnc": mnc,
                "prices": [_price(price, number_type=kind) for kind in country.sms_types],
            }
            for carrier, mcc, mnc, price in country.carriers
        ],
        "inbound_sms_prices": [_price(country.sms_inbound, number_type=kind) for kind in country.sms_types],
        "price_unit": "USD",
        "url": f"{BASE}/v1/Messaging/Countries/{iso}",
    }


def phone_numbers(iso: str, country: Country) -> dict[str, Any]:
    return {
        "country": country.name,
        "iso_country": iso,
        "phone_number_prices": [_price(price, number_type=kind) for kind, price in country.numbers.items()],
        "price_unit": "USD",
        "url": f"{BASE}/v1/PhoneNumbers/Countries/{iso}",
    }


def _inbound(country: Country) -> list[dict[str, Any]]:
    return [_price(price, number_type=kind) for kind, price in country.voice_inbound.items()]


def voice_v1(iso: str, country: Country) -> dict[str, Any]:
    return {
        "country": country.name,
        "iso_country": iso,
        "outbound_prefix_prices": [
            _price(price, prefixes=list(prefixes), friendly_name=f"Programmable Outbound Minute - {name}")
            for name, prefixes, price in country.voice
        ],
        "inbound_call_prices": _inbound(country),
        "price_unit": "USD",
        "url": f"{BASE}/v1/Voice/Countries/{iso}",
    }


def voice_v2(iso: str, country: Country) -> dict[str, Any]:
    return {
        "country": country.name,
        "iso_country": iso,
        "outbound_prefix_prices": [
            _price(
                price,
                destination_prefixes=list(prefixes),
                origination_prefixes=["ALL"],
                friendly_name=f"Programmable Outbound Minute - {name}",
            )
            for name, prefixes, price in country.voice
        ],
        "inbound_call_prices": _inbound(country),
        "price_unit": "USD",
        "url": f"{BASE}/v2/Voice/Countries/{iso}",
    }


def destination(request: Request, raw: str) -> tuple[str, str, Country, str]:
    """(E.164, ISO country, its prices, per-minute price of the longest matching prefix) of a number.

    Raises:
        TwilioHTTPError: 404 when it is not a valid number of a listed country.
    """
    import phonenumbers

    try:
        parsed = phonenumbers.parse(raw.strip(), None)
    except phonenumbers.NumberParseException:
        parsed = None
    if parsed is None or not phonenumbers.is_valid_number(parsed):
        raise TwilioHTTPError(404, 20404, f"The requested resource {request.url.path} was not found")
    e164 = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    iso = phonenumbers.region_code_for_number(parsed) or ""
    country = _country(request, iso)
    digits = e164.lstrip("+")
    matches = [
        (len(prefix), price) for _, prefixes, price in country.voice for prefix in prefixes if digits.startswith(prefix)
    ]
    if not matches:
        raise TwilioHTTPError(404, 20404, f"The requested resource {request.url.path} was not found")
    return e164, iso, country, max(matches, key=lambda item: (item[0], float(item[1])))[1]


def summary(item: dict[str, str], path: str) -> dict[str, Any]:
    return {"country": item["name"], "iso_country": item["iso"], "url": f"{BASE}{path}/{item['iso']}"}


def routes(sandbox: Sandbox) -> dict[str, list[Route]]:
    state = sandbox.state

    def listing(render_url: str) -> Any:
        async def list_countries(request: Request) -> Response:
            authenticate(state, request)
            items = [{"iso": iso, "name": country.name} for iso, country in sorted(COUNTRIES.items())]
            return meta_page(request, "countries", items, lambda item: summary(item, render_url))

        return list_countries

    def fetching(render: Any) -> Any:
        async def fetch_country(request: Request) -> Response:
            authenticate(state, request)
            iso = request.path_params["IsoCountry"].upper()
            return JSONResponse(render(iso, _country(request, iso)))

        return fetch_country

    async def voice_number_v1(request: Request) -> Response:
        authenticate(state, request)
        e164, iso, country, price = destination(request, request.path_params["Number"])
        return JSONResponse(
            {
                "number": e164,
                "country": country.name,
                "iso_country": iso,
                "outbound_call_price": _price(price),
                "inbound_call_price": None,  # the number is not one of the account's
                "price_unit": "USD",
                "url": f"{BASE}/v1/Voice/Numbers/{e164}",
            }
        )

    async def voice_number_v2(request: Request) -> Response:
        authenticate(state, request)
        e164, iso, country, price = destination(request, request.path_params["DestinationNumber"])
        return JSONResponse(
            {
                "destination_number": e164,
                "origination_number": request.query_params.get("OriginationNumber"),
                "country": country.name,
                "iso_country": iso,
                "outbound_call_prices": [_price(price, origination_prefixes=["ALL"])],
                "inbound_call_price": None,  # the number is not one of the account's
                "price_unit": "USD",
                "url": f"{BASE}/v2/Voice/Numbers/{e164}",
            }
        )

    return {
        "pricing.twilio.com": [
            Route("/v1/Messaging/Countries", listing("/v1/Messaging/Countries"), methods=["GET"]),
            Route("/v1/Messaging/Countries/{IsoCountry}", fetching(messaging), methods=["GET"]),
            Route("/v1/PhoneNumbers/Countries", listing("/v1/PhoneNumbers/Countries"), methods=["GET"]),
            Route("/v1/PhoneNumbers/Countries/{IsoCountry}", fetching(phone_numbers), methods=["GET"]),
            Route("/v1/Voice/Countries", listing("/v1/Voice/Countries"), methods=["GET"]),
            Route("/v1/Voice/Countries/{IsoCountry}", fetching(voice_v1), methods=["GET"]),
            Route("/v1/Voice/Numbers/{Number}", voice_number_v1, methods=["GET"]),
            Route("/v2/Voice/Countries", listing("/v2/Voice/Countries"), methods=["GET"]),
            Route("/v2/Voice/Countries/{IsoCountry}", fetching(voice_v2), methods=["GET"]),
            Route("/v2/Voice/Numbers/{DestinationNumber}", voice_number_v2, methods=["GET"]),
        ]
    }
