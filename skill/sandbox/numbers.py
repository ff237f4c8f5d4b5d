"""Sandbox routes for phone numbers: the account's IncomingPhoneNumbers and the AvailablePhoneNumbers search.

Candidates for the search come from skill.sandbox.available_numbers. Twilio's test-credential
numbers behave as documented: +15005550006 can always be bought, +15005550000 is not available
(21422) and +15005550001 is invalid (21421).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from skill.sandbox.available_numbers import capabilities, generate, number_kind, render_available
from skill.sandbox.clock import rfc2822
from skill.sandbox.http import (
    TwilioHTTPError,
    authorize_account,
    deleted,
    first,
    form,
    int_param,
    owned,
    page,
    request_account,
)
from skill.sandbox.magic import INVALID, UNAVAILABLE, VALID, national_format

if TYPE_CHECKING:
    from skill.sandbox.app import Sandbox
    from skill.sandbox.state import SandboxState

KIND_TYPE = {"local": "local", "mobile": "mobile", "toll_free": "toll-free"}
LIST_PATHS = {"Local.json": "local", "Mobile.json": "mobile", "TollFree.json": "toll_free"}


def render_number(number: dict[str, Any]) -> dict[str, Any]:
    sid = number["sid"]
    account = number["account_sid"]
    kind = number.get("kind", "local")
    return {
        "account_sid": account,
        "address_sid": None,
        "address_requirements": "none",
        "api_version": "2010-04-01",
        "beta": False,
        "capabilities": number.get("capabilities") or {"voice": True, "sms": True, "mms": True, "fax": False},
        "date_created": rfc2822(number["created"]),
        "date_updated": rfc2822(number["updated"]),
        "friendly_name": number["friendly_name"],
        "identity_sid": None,
        "phone_number": number["phone_number"],
        "origin": "twilio",
        "sid": sid,
        "sms_application_sid": None,
        "sms_fallback_method": number.get("sms_fallback_method", "POST"),
        "sms_fallback_url": number.get("sms_fallback_url", ""),
        "sms_method": number.get("sms_method", "POST"),
        "sms_url": number.get("sms_url", ""),
        "status_callback": number.get("status_callback", ""),
        "status_callback_method": number.get("status_callback_method", "POST"),
        "trunk_sid": None,
        "uri": f"/2010-04-01/Accounts/{account}/IncomingPhoneNumbers/{sid}.json",
        "voice_receive_mode": "voice",
        "voice_application_sid": None,
        "voice_caller_id_lookup": number.get("voice_caller_id_lookup", False),
        "voice_fallback_method": number.get("voice_fallback_method", "POST"),
        "voice_fallback_url": number.get("voice_fallback_url", ""),
        "voice_method": number.get("voice_method", "POST"),
        "voice_url": number.get("voice_url", ""),
        "emergency_status": "Inactive",
        "emergency_address_sid": None,
        "emergency_address_status": "unregistered",
        "bundle_sid": None,
        "status": "in-use",
        "type": KIND_TYPE.get(kind, "local"),
    }


# Form field -> state key, for the settings a purchase or an update may carry.
URL_FIELDS = {
    "SmsUrl": "sms_url",
    "SmsFallbackUrl": "sms_fallback_url",
    "VoiceUrl": "voice_url",
    "VoiceFallbackUrl": "voice_fallback_url",
    "StatusCallback": "status_callback",
}
METHOD_FIELDS = {
    "SmsMethod": "sms_method",
    "SmsFallbackMethod": "sms_fallback_method",
    "VoiceMethod": "voice_method",
    "VoiceFallbackMethod": "voice_fallback_method",
    "StatusCallbackMethod": "status_callback_method",
}


def apply_settings(number: dict[str, Any], fields: dict[str, list[str]]) -> None:
    """Copy webhook settings from a form into a number, checking them as Twilio does.

    Raises:
        TwilioHTTPError: 21402 for a URL that is not http(s), 21403 for a method other than GET or POST.
    """
    for name, key in URL_FIELDS.items():
        value = first(fields, name)
        if value is None:
            continue
        if value and not re.match(r"^https?://[^\s/]+", value):
            raise TwilioHTTPError(400, 21402, f"{name} is not a valid URL: {value}")
        number[key] = value
    for name, key in METHOD_FIELDS.items():
        value = first(fields, name)
        if value is None:
            continue
        if value.upper() not in ("GET", "POST"):
            raise TwilioHTTPError(400, 21403, f"{name} must be GET or POST")
        number[key] = value.upper()
    friendly_name = first(fields, "FriendlyName")
    if friendly_name is not None:
        number["friendly_name"] = friendly_name[:64]
    lookup = first(fields, "VoiceCallerIdLookup")
    if lookup is not None:
        number["voice_caller_id_lookup"] = lookup.lower() == "true"


def _owned(state: SandboxState) -> set[str]:
    return {n["phone_number"] for n in state.numbers.values()}


def _purchase_number(state: SandboxState, fields: dict[str, list[str]]) -> tuple[str, str, str]:
    """(E.164, kind, display form) of the number a purchase asks for.

    Raises:
        TwilioHTTPError: the number is invalid (21421), not available (21422), or none in the area code (21452).
    """
    import phonenumbers

    requested = first(fields, "PhoneNumber")
    area_code = first(fields, "AreaCode")
    if not requested:
        if not area_code:
            raise TwilioHTTPError(400, 21421, "A PhoneNumber or an AreaCode is required")
        found = generate("US", "local", area_code=area_code, contains=None, flags={}, owned=_owned(state), want=1)
        if not found:
            raise TwilioHTTPError(400, 21452, f"No phone numbers found in area code {area_code}")
        requested = str(found[0]["phone_number"])
    if requested == UNAVAILABLE:
        raise TwilioHTTPError(400, 21422, f"PhoneNumber {requested} is not available")
    if requested == INVALID:
        raise TwilioHTTPError(400, 21421, f"PhoneNumber {requested} is invalid")
    try:
        parsed = phonenumbers.parse(requested, None)
    except phonenumbers.NumberParseException:
        raise TwilioHTTPError(400, 21421, f"PhoneNumber {requested} is invalid") from None
    e164 = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    if not phonenumbers.is_valid_number(parsed):
        raise TwilioHTTPError(400, 21421, f"PhoneNumber {requested} is invalid")
    # The test-credential number is not a real line, so any number of accounts may "own" it.
    if e164 != VALID and e164 in _owned(state):
        raise TwilioHTTPError(400, 21422, f"PhoneNumber {e164} is not available: it already belongs to an account")
    return e164, number_kind(parsed), national_format(parsed)


@dataclass(frozen=True)
class IncomingNumbers:
    """/2010-04-01/Accounts/{AccountSid}/IncomingPhoneNumbers: the account's own numbers."""

    state: SandboxState

    async def list(self, request: Request) -> Response:
        account = request_account(self.state, request)
        wanted = request.query_params.get("PhoneNumber")
        matcher = re.compile(re.escape(wanted).replace(r"\*", r"\d")) if wanted else None
        name = request.query_params.get("FriendlyName")
        items = sorted(
            (
                number
                for number in self.state.numbers.values()
                if number["account_sid"] == account
                and (matcher is None or matcher.search(number["phone_number"]))
                and (not name or number["friendly_name"] == name)
            ),
            key=lambda number: (number["created"], number["sid"]),
        )
        return page(request, "incoming_phone_numbers", items, render_number)

    async def create(self, request: Request) -> Response:
        """Buy a number."""
        account = request_account(self.state, request)
        fields = await form(request)
        phone_number, kind, display = _purchase_number(self.state, fields)
        now = self.state.clock.now()
        number: dict[str, Any] = {
            "sid": self.state.new_sid("PN"),
            "account_sid": account,
            "phone_number": phone_number,
            "friendly_name": display,
            "kind": kind,
            "capabilities": capabilities(kind, phone_number),
            "created": now,
            "updated": now,
        }
        apply_settings(number, fields)
        self.state.numbers[number["sid"]] = number
        return JSONResponse(render_number(number), status_code=201)

    async def fetch(self, request: Request) -> Response:
        return JSONResponse(render_number(owned(self.state, request, self.state.numbers)))

    async def update(self, request: Request) -> Response:
        number = owned(self.state, request, self.state.numbers)
        fields = await form(request)
        changed = dict(number)
        apply_settings(changed, fields)
        target = first(fields, "AccountSid")
        if target is not None and target != number["account_sid"]:
            # Numbers move only within one account tree (parent and its subaccounts).
            authorize_account(self.state, request, target)
            changed["account_sid"] = target
        changed["updated"] = self.state.clock.now()
        number.update(changed)
        return JSONResponse(render_number(number))

    async def delete(self, request: Request) -> Response:
        """Release a number."""
        number = owned(self.state, request, self.state.numbers)
        del self.state.numbers[number["sid"]]
        return deleted()


@dataclass(frozen=True)
class AvailableNumbers:
    """/2010-04-01/Accounts/{AccountSid}/AvailablePhoneNumbers/{CountryCode}/{Local,Mobile,TollFree}."""

    state: SandboxState

    async def list(self, request: Request) -> Response:
        request_account(self.state, request)
        kind = LIST_PATHS[request.url.path.rsplit("/", 1)[-1]]
        params = request.query_params
        area_code = params.get("AreaCode")
        if area_code is not None and not re.fullmatch(r"\d{3}", area_code):
            raise TwilioHTTPError(400, 21451, f"Invalid area code: {area_code}")
        flags = {
            cap: params[name].lower() == "true"
            for cap, name in (("sms", "SmsEnabled"), ("voice", "VoiceEnabled"), ("mms", "MmsEnabled"))
            if name in params
        }
        found = generate(
            request.path_params["CountryCode"].upper(),
            kind,
            area_code=area_code,
            contains=params.get("Contains"),
            flags=flags,
            owned=_owned(self.state),
            want=int_param(request, "PageSize", 50, low=1, high=100),
        )
        return page(request, "available_phone_numbers", found, render_available)


def routes(sandbox: Sandbox) -> dict[str, list[Route]]:
    numbers, available = IncomingNumbers(sandbox.state), AvailableNumbers(sandbox.state)
    base = "/2010-04-01/Accounts/{AccountSid}"
    path = f"{base}/IncomingPhoneNumbers"
    return {
        "api.twilio.com": [
            Route(f"{path}.json", numbers.list, methods=["GET"]),
            Route(f"{path}.json", numbers.create, methods=["POST"]),
            Route(f"{path}/{{Sid}}.json", numbers.fetch, methods=["GET"]),
            Route(f"{path}/{{Sid}}.json", numbers.update, methods=["POST"]),
            Route(f"{path}/{{Sid}}.json", numbers.delete, methods=["DELETE"]),
            *(
                Route(f"{base}/AvailablePhoneNumbers/{{CountryCode}}/{name}", available.list, methods=["GET"])
                for name in LIST_PATHS
            ),
        ]
    }
