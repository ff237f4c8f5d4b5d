"""Available numbers for the sandbox's AvailablePhoneNumbers search, generated rather than stored.

The same query always yields the same candidates, shaped to honour AreaCode and Contains (letters
become keypad digits, `*` matches any digit) and checked against the numbering plan with phonenumbers.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Any

from skill.sandbox.http import TwilioHTTPError
from skill.sandbox.magic import NORTH_AMERICA_TOLL_FREE, national_format

KEYPAD = {
    letter: str(digit)
    for digit, letters in enumerate(("", "", "ABC", "DEF", "GHI", "JKL", "MNO", "PQRS", "TUV", "WXYZ"))
    for letter in letters
}
MAX_ATTEMPTS = 400  # bounds the candidate generator however strict the filters are


@dataclass(frozen=True)
class Place:
    prefix: str  # the area code (US, CA) or national prefix the numbers start with
    locality: str | None = None
    region: str | None = None
    postal_code: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    lata: str | None = None
    rate_center: str | None = None


@dataclass(frozen=True)
class Plan:
    length: int  # digits in the national number
    places: tuple[Place, ...]
    address_requirements: str = "none"


_NANP_TOLL_FREE = Plan(10, tuple(Place(prefix) for prefix in NORTH_AMERICA_TOLL_FREE))
PLANS: dict[tuple[str, str], Plan] = {
    ("US", "local"): Plan(
        10,
        (
            Place("415", "San Francisco", "CA", "94103", 37.7749, -122.4194, "722", "SNFC CNTRL"),
            Place("212", "New York", "NY", "10001", 40.7506, -73.9972, "132", "NWYRCYZN01"),
            Place("312", "Chicago", "IL", "60601", 41.8858, -87.6229, "358", "CHICAGO"),
            Place("206", "Seattle", "WA", "98101", 47.6101, -122.3344, "674", "SEATTLE"),
            Place("512", "Austin", "TX", "78701", 30.2711, -97.7437, "558", "AUSTIN"),
        ),
    ),
    ("US", "toll_free"): _NANP_TOLL_FREE,
    ("CA", "local"): Plan(
        10,
        (
            Place("416", "Toronto", "ON", "M5H 2N2", 43.6532, -79.3832, None, "TORONTO"),
            Place("604", "Vancouver", "BC", "V6B 1A1", 49.2827, -123.1207, None, "VANCOUVER"),
        ),
    ),
    ("CA", "toll_free"): _NANP_TOLL_FREE,
    ("GB", "local"): Plan(10, (Place("20", "London"), Place("161", "Manchester")), "any"),
    ("GB", "mobile"): Plan(10, (Place("77"), Place("78"), Place("79")), "any"),
    ("GB", "toll_free"): Plan(10, (Place("800"), Place("808")), "any"),
}
AREA_CODE_COUNTRIES = ("US", "CA")


def capabilities(kind: str, phone_number: str) -> dict[str, bool]:
    """What a number can do: fixed per type, varied per number so capability filters mean something."""
    h = int(hashlib.sha256(phone_number.encode()).hexdigest()[:8], 16)
    if kind == "toll_free":
        return {"voice": True, "sms": True, "mms": h % 2 == 0, "fax": False}
    if kind == "mobile":
        return {"voice": h % 3 != 0, "sms": True, "mms": True, "fax": False}
    return {"voice": True, "sms": h % 4 != 0, "mms": h % 2 == 0, "fax": False}


def keypad_pattern(contains: str) -> str:
    """Contains as digits and `*`: letters become their keypad digits.

    Raises:
        TwilioHTTPError: 400 when it holds anything else.
    """
    pattern = "".join(KEYPAD.get(ch.upper(), ch) for ch in contains)
    if not re.fullmatch(r"[0-9*]{2,16}", pattern):
        raise TwilioHTTPError(400, 21421, f"Invalid Contains pattern: {contains}")
    return pattern


def _digits(seed: str, count: int) -> str:
    out = ""
    round_ = 0
    while len(out) < count:
        out += "".join(str(int(c, 16) % 10) for c in hashlib.sha256(f"{seed}|{round_}".encode()).hexdigest())
        round_ += 1
    return out[:count]


def _embed(national: str, fixed: int, pattern: str, turn: int) -> str | None:
    """national with pattern written into it, leaving the first `fixed` digits as they are."""
    offsets = [
        start
        for start in range(len(national) - len(pattern) + 1)
        if all(p == "*" or start + i >= fixed or national[start + i] == p for i, p in enumerate(pattern))
    ]
    if not offsets:
        return None
    # Vanity digits usually sit at the end, so try the rightmost places first.
    start = offsets[-1 - turn % len(offsets)]
    chars = list(national)
    for i, p in enumerate(pattern):
        if p != "*":
            chars[start + i] = p
    return "".join(chars)


def number_kind(parsed: Any) -> str:
    import phonenumbers

    kind = phonenumbers.number_type(parsed)
    if kind == phonenumbers.PhoneNumberType.TOLL_FREE:
        return "toll_free"
    if kind == phonenumbers.PhoneNumberType.MOBILE:
        return "mobile"
    return "local"


def generate(
    country: str,
    kind: str,
    *,
    area_code: str | None,
    contains: str | None,
    flags: dict[str, bool],
    owned: set[str],
    want: int,
) -> list[dict[str, Any]]:
    """Deterministic candidates for a search; an empty list when nothing can match.

    Raises:
        TwilioHTTPError: 404 for a country or type the sandbox does not offer, 400 for a bad filter.
    """
    import phonenumbers

    plan = PLANS.get((country, kind))
    if plan is None:
        raise TwilioHTTPError(404, 20404, f"No {kind} numbers are offered for country {country}")
    places = list(plan.places)
    if area_code is not None:
        if country not in AREA_CODE_COUNTRIES:
            raise TwilioHTTPError(400, 21457, "AreaCode Parameter not Supported")
        places = [p for p in places if p.prefix == area_code]
        if not places and kind == "local":
            places = [Place(area_code)]
    pattern = keypad_pattern(contains) if contains else None
    matcher = re.compile(pattern.replace("*", r"\d")) if pattern else None
    calling_code = phonenumbers.country_code_for_region(country)
    found: dict[str, dict[str, Any]] = {}
    for turn in range(MAX_ATTEMPTS if places else 0):
        if len(found) >= want:
            break
        place = places[turn % len(places)]
        national: str | None = place.prefix + _digits(
            f"{country}|{kind}|{place.prefix}|{turn}", plan.length - len(place.prefix)
        )
        if pattern and national is not None:
            national = _embed(national, len(place.prefix), pattern, turn)
        if national is None or (matcher and not matcher.search(national)):
            continue
        e164 = f"+{calling_code}{national}"
        parsed = phonenumbers.parse(e164)
        if e164 in owned or not phonenumbers.is_valid_number(parsed) or number_kind(parsed) != kind:
            continue
        caps = capabilities(kind, e164)
        if any(caps[name] != wanted for name, wanted in flags.items()):
            continue
        found[e164] = {
            "phone_number": e164,
            "friendly_name": national_format(parsed),
            "place": place,
            "country": country,
            "capabilities": caps,
            "address_requirements": plan.address_requirements,
        }
    return list(found.values())


def render_available(candidate: dict[str, Any]) -> dict[str, Any]:
    place: Place = candidate["place"]
    return {
        "friendly_name": candidate["friendly_name"],
        "phone_number": candidate["phone_number"],
        "lata": place.lata,
        "locality": place.locality,
        "rate_center": place.rate_center,
        "latitude": place.latitude,
        "longitude": place.longitude,
        "region": place.region,
        "postal_code": place.postal_code,
        "iso_country": candidate["country"],
        "address_requirements": candidate["address_requirements"],
        "beta": False,
        "capabilities": candidate["capabilities"],
    }
