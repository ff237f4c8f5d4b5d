"""Phone numbers and sender addresses: normalised to E.164 before any request leaves.

Accepted forms: E.164 (+14155550100), national numbers in the default region ((415) 555-0100),
channel addresses (whatsapp:+14155550100, prefix kept). Senders may also be alphanumeric
sender IDs (1-11 letters, digits and spaces, at least one letter) or short codes (5-6 digits).
"""

from __future__ import annotations

import re

from skill.errors import InputError

CHANNEL_PREFIXES = ("whatsapp:",)
ALPHANUMERIC_SENDER = re.compile(r"^(?=.*[A-Za-z])[A-Za-z0-9 ]{1,11}$")
SHORT_CODE = re.compile(r"^\d{5,6}$")
MESSAGING_SERVICE_SID = re.compile(r"^MG[0-9a-fA-F]{32}$")


def invalid_phone(value: str, field: str, region: str, reason: str) -> InputError:
    """The error for a number that cannot be used, with steps like Twilio's for 21211."""
    return InputError(
        f"'{field}' value {value!r} is not a valid phone number ({reason}).",
        code="input.invalid_phone",
        remediation=[
            "Write the number in E.164: '+', the country calling code, then the subscriber number "
            "with its area code and no spaces or punctuation, e.g. +14155550100.",
            f"Check the country calling code; a number without '+' is read as a {region} national number "
            "(TWILIO_SKILL_DEFAULT_REGION).",
            "Check that no digit is missing or extra; a number may also be refused when it is the sender itself.",
        ],
    )


def split_channel(address: str) -> tuple[str, str]:
    """('whatsapp:', '+1415...') for a channel address, ('', address) otherwise."""
    lowered = address.lower()
    for prefix in CHANNEL_PREFIXES:
        if lowered.startswith(prefix):
            return prefix, address[len(prefix) :].strip()
    return "", address


def to_e164(value: str, *, region: str, field: str = "phone") -> str:
    """A phone number in E.164, read in `region` when it has no '+'.

    Raises:
        InputError: input.invalid_phone when it is not a valid number.
    """
    import phonenumbers

    text = value.strip()
    try:
        parsed = phonenumbers.parse(text, region.upper())
    except phonenumbers.NumberParseException as exc:
        raise invalid_phone(value, field, region, str(exc.args[0] if exc.args else "unparseable")) from None
    if not phonenumbers.is_valid_number(parsed):
        raise invalid_phone(value, field, region, "no such number in its country's numbering plan")
    return str(phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164))


def normalize_address(value: str, *, region: str, field: str = "to") -> str:
    """A recipient address: E.164, or a channel prefix followed by E.164.

    Raises:
        InputError: input.invalid_phone when the number part is not valid.
    """
    prefix, number = split_channel(value.strip())
    return prefix + to_e164(number, region=region, field=field)


def normalize_sender(value: str, *, region: str) -> str:
    """A sender for 'from': a phone number or channel address (normalised), a short code or
    an alphanumeric sender ID (kept as given).

    Raises:
        InputError: input.invalid_phone for anything else, with a hint when it is a service SID.
    """
    text = value.strip()
    if MESSAGING_SERVICE_SID.match(text):
        raise InputError(
            f"'from' value {text!r} is a Messaging Service SID, not a sender.",
            code="input.invalid_phone",
            remediation=["Pass it as messaging_service_sid and leave 'from' out."],
        )
    if SHORT_CODE.match(text) or ALPHANUMERIC_SENDER.match(text):
        return text
    return normalize_address(text, region=region, field="from")


def bare_number(address: str) -> str:
    """The phone number of an address, without any channel prefix."""
    return split_channel(address)[1]


def region_of(phone: str, default_region: str) -> str | None:
    """ISO country of a number (a channel prefix is ignored; no '+' means default_region), or None
    when it cannot be told."""
    import phonenumbers

    try:
        parsed = phonenumbers.parse(bare_number(phone.strip()), default_region.upper())
    except phonenumbers.NumberParseException:
        return None
    region = phonenumbers.region_code_for_number(parsed)
    return str(region) if region else None


def e164_destination(phone: str, default_region: str) -> str | None:
    """E.164 of a destination (channel prefix dropped), or None when it cannot be parsed."""
    import phonenumbers

    try:
        parsed = phonenumbers.parse(phone.removeprefix("whatsapp:").strip(), default_region)
    except phonenumbers.NumberParseException:
        return None
    return str(phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164))
