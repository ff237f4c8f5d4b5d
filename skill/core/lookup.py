"""Phone number lookups: validity, line type and caller name, and what the line type means for SMS."""

from __future__ import annotations

from typing import Any

from skill.core import phones
from skill.core.context import Services

# Lookup v2 line types -> (can it take SMS: yes/no/maybe/unknown, advice, the error a send would expect).
SMS_ADVICE: dict[str, tuple[str, str, int | None]] = {
    "mobile": ("yes", "A mobile number: it can receive SMS and MMS.", None),
    "landline": (
        "no",
        "A landline cannot receive SMS; a message to it fails with 30006. Call it instead.",
        30006,
    ),
    "fixedVoip": (
        "maybe",
        "Fixed VoIP (tied to an address): many take SMS, but some carriers do not deliver to them (30006).",
        None,
    ),
    "nonFixedVoip": (
        "maybe",
        "Non-fixed VoIP (app-based): SMS usually arrives, but carriers may filter it (30007), and it is a "
        "common choice for fake sign-ups; consider refusing it for verification.",
        None,
    ),
    "tollFree": (
        "maybe",
        "A toll-free number: it takes SMS only if its owner enabled messaging on it; otherwise expect 30006.",
        30006,
    ),
    "personal": ("maybe", "A personal (follow-me) number: SMS delivery depends on where it forwards.", None),
    "pager": ("no", "A pager cannot receive SMS from this sender; expect 30006.", 30006),
    "voicemail": ("no", "A voicemail-only number cannot receive SMS; expect 30006.", 30006),
    "premium": ("no", "A premium-rate number does not take application SMS; expect 30006.", 30006),
    "sharedCost": ("no", "A shared-cost number does not take SMS; expect 30006.", 30006),
    "uan": ("no", "A universal access number (a business's central line) does not take SMS; expect 30006.", 30006),
}
UNKNOWN = ("unknown", "The line type is unknown; send one message and check its status before sending more.", None)
NOT_ASKED = ("unknown", "Ask for the line_type_intelligence field to learn whether it can take SMS.", None)


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _code(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def check_lookup(services: Services, phone: str) -> str:
    """The number in E.164, refused locally when it is invalid (no lookup is billed for it).

    Raises:
        InputError: input.invalid_phone.
    """
    return phones.to_e164(phone, region=services.settings.default_region, field="phone")


async def lookup_number(services: Services, phone: str, fields: list[str]) -> dict[str, Any]:
    """Look a number up and say what its line type means for SMS.

    Raises:
        InputError: input.invalid_phone before any request.
        UpstreamError: Twilio refused the lookup.
    """
    number = check_lookup(services, phone)
    wanted = list(dict.fromkeys(fields))
    raw = await services.twilio.lookups.fetch(number, wanted)
    line = raw.get("line_type_intelligence") if isinstance(raw.get("line_type_intelligence"), dict) else None
    cnam = raw.get("caller_name") if isinstance(raw.get("caller_name"), dict) else None
    line_type = _text(line.get("type")) if line else None
    valid = raw.get("valid") is not False
    reach: str
    advice: str
    expect: int | None
    if not valid:
        reach, advice, expect = "no", "Twilio says this is not a valid number; do not send to it.", 21211
    elif line is None:
        reach, advice, expect = NOT_ASKED
    else:
        reach, advice, expect = SMS_ADVICE.get(line_type or "", UNKNOWN)
    errors = raw.get("validation_errors")
    return {
        "phone_number": _text(raw.get("phone_number")) or number,
        "valid": valid,
        "validation_errors": [str(e) for e in errors] if isinstance(errors, list) else [],
        "country_code": _text(raw.get("country_code")),
        "national_format": _text(raw.get("national_format")),
        "line_type": line_type,
        "carrier_name": _text(line.get("carrier_name")) if line else None,
        "mobile_country_code": _text(line.get("mobile_country_code")) if line else None,
        "mobile_network_code": _text(line.get("mobile_network_code")) if line else None,
        "caller_name": _text(cnam.get("caller_name")) if cnam else None,
        "caller_type": _text(cnam.get("caller_type")) if cnam else None,
        "package_errors": {
            name: code
            for name, package in (("line_type_intelligence", line), ("caller_name", cnam))
            if package and (code := _code(package.get("error_code"))) is not None
        },
        "sms_reachable": reach,
        "sms_advice": advice,
        "expected_error": expect,
    }
