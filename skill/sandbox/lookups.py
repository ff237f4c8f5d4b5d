"""Sandbox routes for Lookup v2: GET /v2/PhoneNumbers/{PhoneNumber} with the line type and caller
name packages.

Line types follow a fixed rule on the number, so tests can pick the answer they need:
- North American toll-free area codes (800, 833, 844, 855, 866, 877, 888) -> tollFree;
- +15005550006, Twilio's magic valid test number -> mobile;
- otherwise the last digit: 0-3 and 8-9 mobile, 4-5 landline, 6 fixedVoip, 7 nonFixedVoip.
Caller name (CNAM) covers US numbers only; others answer error_code 60600 in the package, as Twilio does.
Invalid numbers answer 200 with valid=false and validation_errors, never an HTTP error.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from skill.sandbox.http import TwilioHTTPError, authenticate
from skill.sandbox.magic import VALID, is_north_america_toll_free, national_format

if TYPE_CHECKING:
    from skill.sandbox.app import Sandbox
    from skill.sandbox.state import SandboxState

BASE = "https://lookups.twilio.com/v2/PhoneNumbers"
LAST_DIGIT_TYPES = {
    **dict.fromkeys("012389", "mobile"),
    **dict.fromkeys("45", "landline"),
    "6": "fixedVoip",
    "7": "nonFixedVoip",
}
CARRIERS = {
    "mobile": ("Sandbox Wireless", "310", "260"),
    "landline": ("Sandbox Telephone Co", None, None),
    "fixedVoip": ("Sandbox Cable Voice", None, None),
    "nonFixedVoip": ("Sandbox Internet Voice", None, None),
    "tollFree": ("Sandbox Toll-Free Services", None, None),
}
PACKAGES = (
    "caller_name",
    "sim_swap",
    "call_forwarding",
    "line_type_intelligence",
    "line_status",
    "identity_match",
    "reassigned_number",
    "sms_pumping_risk",
)
SUPPORTED_FIELDS = {"validation", "line_type_intelligence", "caller_name"}
VALIDATION_REASONS = {
    "TOO_SHORT": "TOO_SHORT",
    "TOO_LONG": "TOO_LONG",
    "INVALID_COUNTRY_CODE": "INVALID_COUNTRY_CODE",
    "INVALID_LENGTH": "INVALID_LENGTH",
}


def line_type(e164: str) -> str:
    """The sandbox's line type for a valid E.164 number (the rule in the module docstring)."""
    if is_north_america_toll_free(e164):
        return "tollFree"
    if e164 == VALID:
        return "mobile"
    return LAST_DIGIT_TYPES[e164[-1]]


def line_type_package(e164: str) -> dict[str, Any]:
    kind = line_type(e164)
    carrier, mcc, mnc = CARRIERS[kind]
    return {
        "mobile_country_code": mcc,
        "mobile_network_code": mnc,
        "carrier_name": carrier,
        "type": kind,
        "error_code": None,
    }


def caller_name_package(e164: str, country: str | None) -> dict[str, Any]:
    if country != "US":
        return {"caller_name": None, "caller_type": None, "error_code": 60600}
    kind = line_type(e164)
    business = kind in ("landline", "tollFree")
    return {
        "caller_name": f"SANDBOX {'BUSINESS' if business else 'CALLER'} {e164[-4:]}",
        "caller_type": "BUSINESS" if business else "CONSUMER",
        "error_code": None,
    }


def describe(raw: str) -> dict[str, Any]:
    """Validation part of the answer: (valid, E.164 form, country data, validation errors)."""
    import phonenumbers

    base: dict[str, Any] = {
        "calling_country_code": None,
        "country_code": None,
        "phone_number": raw,
        "national_format": None,
        "valid": False,
        "validation_errors": None,
    }
    try:
        parsed = phonenumbers.parse(raw, None)
    except phonenumbers.NumberParseException:
        return {**base, "validation_errors": ["NOT_A_NUMBER"]}
    if not phonenumbers.is_valid_number(parsed):
        reason = phonenumbers.is_possible_number_with_reason(parsed)
        names = {value: name for name, value in vars(phonenumbers.ValidationResult).items() if name.isupper()}
        code = VALIDATION_REASONS.get(names.get(reason, ""), "INVALID_BUT_POSSIBLE")
        return {**base, "validation_errors": [code]}
    return {
        **base,
        "calling_country_code": str(parsed.country_code),
        "country_code": phonenumbers.region_code_for_number(parsed),
        "phone_number": phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164),
        "national_format": national_format(parsed),
        "valid": True,
    }


@dataclass(frozen=True)
class PhoneNumbers:
    """/v2/PhoneNumbers/{PhoneNumber} on lookups.twilio.com."""

    state: SandboxState

    async def fetch(self, request: Request) -> Response:
        authenticate(self.state, request)
        raw = request.path_params["PhoneNumber"].strip()
        fields = {f.strip() for f in request.query_params.get("Fields", "").split(",") if f.strip()}
        unknown = sorted(fields - SUPPORTED_FIELDS - set(PACKAGES) - {"phone_number_quality_score", "pre_fill"})
        if unknown:
            raise TwilioHTTPError(400, 60200, f"Invalid parameter Fields: {', '.join(unknown)}")
        answer = describe(raw)
        body: dict[str, Any] = {**answer, **dict.fromkeys(PACKAGES)}
        body["phone_number_quality_score"] = None
        body["pre_fill"] = None
        if answer["valid"]:
            e164 = answer["phone_number"]
            if "line_type_intelligence" in fields:
                body["line_type_intelligence"] = line_type_package(e164)
            if "caller_name" in fields:
                body["caller_name"] = caller_name_package(e164, answer["country_code"])
        body["url"] = f"{BASE}/{answer['phone_number']}"
        return JSONResponse(body)


def routes(sandbox: Sandbox) -> dict[str, list[Route]]:
    numbers = PhoneNumbers(sandbox.state)
    return {"lookups.twilio.com": [Route("/v2/PhoneNumbers/{PhoneNumber}", numbers.fetch, methods=["GET"])]}
