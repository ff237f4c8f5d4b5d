"""Twilio's test-credential magic numbers, the sandbox's own additions, and number formatting.

Twilio documents the +1500555000x numbers for test credentials; the sandbox honours them, and adds
+15005550010..12 for outcomes that only show after a send was accepted.
"""

from __future__ import annotations

from typing import Any

# Always valid: a number any account may send from and buy.
VALID = "+15005550006"
INVALID = "+15005550001"
UNAVAILABLE = "+15005550000"  # a purchase answers "not available"
NORTH_AMERICA_TOLL_FREE = ("800", "833", "844", "855", "866", "877", "888")

# Messages: (code, message) of the refusal for a From or To number.
MESSAGE_FROM: dict[str, tuple[int, str]] = {
    INVALID: (21212, "Invalid From Number (caller ID)"),
    "+15005550007": (
        21606,
        "The 'From' phone number provided is not a valid message-capable Twilio phone number for this destination.",
    ),
    "+15005550008": (21611, "This 'From' number has exceeded the maximum number of queued messages"),
}
MESSAGE_TO: dict[str, tuple[int, str]] = {
    INVALID: (21211, "Invalid 'To' Phone Number"),
    "+15005550002": (21612, "The 'To' phone number is not currently reachable via SMS"),
    "+15005550003": (
        21408,
        "Permission to send an SMS has not been enabled for the region indicated by the 'To' number",
    ),
    "+15005550004": (21610, "Attempt to send to unsubscribed recipient"),
    "+15005550009": (21614, "'To' number is not a valid mobile number"),
}
# Accepted, then failing on the way to the handset: (final status, error code, error message).
MESSAGE_DELIVERY_FAILURES: dict[str, tuple[str, int, str]] = {
    "+15005550010": ("undelivered", 30003, "Unreachable destination handset"),
    "+15005550011": ("failed", 30006, "Landline or unreachable carrier"),
}

# Calls: (code, message) of the refusal for a From or To number.
CALL_FROM: dict[str, tuple[int, str]] = {
    INVALID: (21212, "The source phone number provided, +15005550001, is not a valid phone number"),
    "+15005550007": (21210, "The source phone number provided is not yet verified for your account"),
}
CALL_TO: dict[str, tuple[int, str]] = {
    INVALID: (21217, "Phone number does not appear to be valid"),
    "+15005550002": (21214, "'To' phone number cannot be reached"),
    "+15005550003": (
        21215,
        "Account not authorized to call +15005550003. Perhaps you need to enable some international permissions",
    ),
    "+15005550004": (21216, "Call blocked by Twilio blocklist"),
}
# Accepted, then not connecting: the call's final status.
CALL_OUTCOMES: dict[str, str] = {"+15005550010": "busy", "+15005550011": "no-answer", "+15005550012": "failed"}


def is_north_america_toll_free(e164: str) -> bool:
    return e164.startswith("+1") and e164[2:5] in NORTH_AMERICA_TOLL_FREE


def national_format(number: Any) -> str:
    """A parsed number (or an E.164 string) in its country's national form, e.g. (415) 555-0142.

    Strings that do not parse come back unchanged.
    """
    import phonenumbers

    parsed = number
    if isinstance(number, str):
        try:
            parsed = phonenumbers.parse(number, None)
        except phonenumbers.NumberParseException:
            return number
    return str(phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL))
