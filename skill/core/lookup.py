"""Phone number lookups: validity, line type and caller name, and what the line type means for SMS."""

from __future__ import annotations

from typing import Literal

from skill.core import phones
from skill.core.context import Services
from skill.records.lookups import NumberLookup, PackageErrors

# Lookup v2 line types -> (can it take SMS: yes/no/maybe/unknown, advice, the error a send would expect).
Reach = Literal["yes", "no", "maybe", "unknown"]
SMS_ADVICE: dict[str, tuple[Reach, str, int | None]] = {
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
UNKNOWN: tuple[Reach, str, int | None] = (
    "unknown",
    "The line type is unknown; send one message and check its status before sending more.",
    None,
)
NOT_ASKED: tuple[Reach, str, int | None] = (
    "unknown",
    "Ask for the line_type_intelligence field to learn whether it can take SMS.",
    None,
)


def check_lookup(services: Services, phone_number: str) -> str:
    """The number in E.164, refused locally when it is invalid (no lookup is billed for it).

    Raises:
        InputError: input.invalid_phone.
    """
    return phones.to_e164(phone_number, region=services.settings.default_region, field="phone_number")


async def lookup_number(services: Services, phone_number: str, fields: list[str]) -> NumberLookup:
    """Look a number up and say what its line type means for SMS.

    Raises:
        InputError: input.invalid_phone before any request.
        UpstreamError: Twilio refused the lookup.
    """
    number = check_lookup(services, phone_number)
    found = await services.twilio.lookups.fetch(number, list(dict.fromkeys(fields)))
    line = found.line_type_intelligence
    cnam = found.caller_name
    valid = found.valid is not False
    reach: Reach
    advice: str
    expect: int | None
    if not valid:
        reach, advice, expect = "no", "Twilio says this is not a valid number; do not send to it.", 21211
    elif line is None:
        reach, advice, expect = NOT_ASKED
    else:
        reach, advice, expect = SMS_ADVICE.get(line.kind or "", UNKNOWN)
    return NumberLookup(
        phone_number=found.phone_number or number,
        valid=valid,
        validation_errors=found.validation_errors or [],
        country_code=found.country_code,
        national_format=found.national_format,
        line_type=line.kind if line else None,
        carrier_name=line.carrier_name if line else None,
        mobile_country_code=line.mobile_country_code if line else None,
        mobile_network_code=line.mobile_network_code if line else None,
        caller_name=cnam.caller_name if cnam else None,
        caller_type=cnam.caller_type if cnam else None,
        package_errors=PackageErrors(
            line_type_intelligence=line.error_code if line else None,
            caller_name=cnam.error_code if cnam else None,
        ),
        sms_reachable=reach,
        sms_advice=advice,
        expected_error=expect,
    )
