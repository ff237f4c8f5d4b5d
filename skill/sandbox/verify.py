"""Sandbox routes for Verify v2: services, verifications and verification checks.

A started verification's code is "delivered" into `state.verify_codes` (readable at
GET /_sandbox/verify/codes), never returned by the API, as with Twilio. Twilio's limits hold:
a verification takes at most 5 sends (the 6th answers 60203) and 5 checks (the 6th answers 60202),
and it expires 10 minutes after it started on the sandbox clock; a check against an expired or
already approved verification answers 404 (20404). Geo permissions, when a scenario sets them
(`state.verify_geo_allowed`), refuse other countries with 60605.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from skill.sandbox.clock import iso8601
from skill.sandbox.http import TwilioHTTPError, authenticate, first, form, meta_page, not_found, owned
from skill.sandbox.state import make_sid

if TYPE_CHECKING:
    from skill.sandbox.app import Sandbox
    from skill.sandbox.state import SandboxState

BASE = "https://verify.twilio.com/v2"
CHANNELS = ("sms", "call", "email", "whatsapp")
MAX_SENDS = 5
MAX_CHECKS = 5
LIFETIME_SECONDS = 600
E164 = re.compile(r"^\+[1-9]\d{6,14}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
SERVICE_LINKS = (
    "verification_checks",
    "verifications",
    "access_tokens",
    "rate_limits",
    "messaging_configurations",
    "entities",
    "webhooks",
)


def render_service(service: dict[str, Any]) -> dict[str, Any]:
    url = f"{BASE}/Services/{service['sid']}"
    return {
        "sid": service["sid"],
        "account_sid": service["account_sid"],
        "friendly_name": service["friendly_name"],
        "code_length": service["code_length"],
        "lookup_enabled": service["lookup_enabled"],
        "psd2_enabled": False,
        "skip_sms_to_landlines": False,
        "dtmf_input_required": True,
        "tts_name": None,
        "do_not_share_warning_enabled": False,
        "custom_code_enabled": False,
        "push": {"include_date": False, "apn_credential_sid": None, "fcm_credential_sid": None},
        "totp": {"issuer": service["friendly_name"], "time_step": 30, "code_length": 6, "skew": 1},
        "default_template_sid": None,
        "whatsapp": {"msg_service_sid": None, "from": None},
        "verify_event_subscription_enabled": False,
        "date_created": iso8601(service["created"]),
        "date_updated": iso8601(service["updated"]),
        "url": url,
        "links": {name: f"{url}/{name.title().replace('_', '')}" for name in SERVICE_LINKS},
    }


def current_status(verification: dict[str, Any], now: float) -> str:
    """The status at `now`: an open verification expires once its lifetime has passed."""
    status = str(verification["status"])
    if status in ("pending", "max_attempts_reached") and now - verification["created"] >= LIFETIME_SECONDS:
        return "expired"
    return status


def render_check(verification: dict[str, Any], now: float) -> dict[str, Any]:
    """A verification as a check answers it: the fields a verification and its check share."""
    status = current_status(verification, now)
    return {
        "sid": verification["sid"],
        "service_sid": verification["service_sid"],
        "account_sid": verification["account_sid"],
        "to": verification["to"],
        "channel": verification["channel"],
        "status": status,
        "valid": status == "approved",
        "amount": None,
        "payee": None,
        "date_created": iso8601(verification["created"]),
        "date_updated": iso8601(verification["updated"]),
        "sna_attempts_error_codes": [],
    }


def render_verification(verification: dict[str, Any], now: float) -> dict[str, Any]:
    """A verification as starting or fetching it answers: the check's fields plus its send attempts."""
    body = {key: value for key, value in render_check(verification, now).items() if key != "sna_attempts_error_codes"}
    return {
        **body,
        "lookup": {"carrier": None},
        "send_code_attempts": [
            {"attempt_sid": s["attempt_sid"], "channel": s["channel"], "time": iso8601(s["time"])}
            for s in verification["sends"]
        ],
        "sna": None,
        "url": f"{BASE}/Services/{verification['service_sid']}/Verifications/{verification['sid']}",
    }


def invalid(parameter: str) -> TwilioHTTPError:
    return TwilioHTTPError(400, 60200, f"Invalid parameter: {parameter}")


def missing(parameter: str) -> TwilioHTTPError:
    return TwilioHTTPError(400, 20001, f"Missing required parameter {parameter} in the post body")


def make_code(verification_sid: str, length: int) -> str:
    """A code of `length` digits, fixed per verification (Twilio resends the same code)."""
    digits = str(int(make_sid("", "code", verification_sid), 16))
    return digits[-length:].rjust(length, "0")


class VerifyServices:
    """/v2/Services and /v2/Services/{Sid}: list, create, fetch, update."""

    def __init__(self, state: SandboxState) -> None:
        self.state = state

    async def list(self, request: Request) -> Response:
        caller = authenticate(self.state, request)
        items = sorted(
            (s for s in self.state.verify_services.values() if s["account_sid"] == caller),
            key=lambda s: s["created"],
            reverse=True,
        )
        return meta_page(request, "services", items, render_service)

    async def create(self, request: Request) -> Response:
        caller = authenticate(self.state, request)
        fields = await form(request)
        name = first(fields, "FriendlyName")
        if not name:
            raise missing("FriendlyName")
        if len(name) > 32:
            raise invalid("FriendlyName")
        raw_length = first(fields, "CodeLength") or "6"
        if not raw_length.isdigit() or not 4 <= int(raw_length) <= 10:
            raise invalid("CodeLength")
        now = self.state.clock.now()
        sid = self.state.new_sid("VA")
        self.state.verify_services[sid] = {
            "sid": sid,
            "account_sid": caller,
            "friendly_name": name,
            "code_length": int(raw_length),
            "lookup_enabled": (first(fields, "LookupEnabled") or "false").lower() == "true",
            "created": now,
            "updated": now,
        }
        return JSONResponse(render_service(self.state.verify_services[sid]), status_code=201)

    async def fetch(self, request: Request) -> Response:
        return JSONResponse(render_service(owned(self.state, request, self.state.verify_services)))

    async def update(self, request: Request) -> Response:
        service = owned(self.state, request, self.state.verify_services)
        fields = await form(request)
        name, raw_length, lookup = (
            first(fields, "FriendlyName"),
            first(fields, "CodeLength"),
            first(fields, "LookupEnabled"),
        )
        if name is not None and not 1 <= len(name) <= 32:
            raise invalid("FriendlyName")
        if raw_length is not None and (not raw_length.isdigit() or not 4 <= int(raw_length) <= 10):
            raise invalid("CodeLength")
        if lookup is not None and lookup.lower() not in ("true", "false"):
            raise invalid("LookupEnabled")
        # Checked in full before any field changes, as Twilio leaves a refused update without effect.
        if name is not None:
            service["friendly_name"] = name
        if raw_length is not None:
            service["code_length"] = int(raw_length)
        if lookup is not None:
            service["lookup_enabled"] = lookup.lower() == "true"
        service["updated"] = self.state.clock.now()
        return JSONResponse(render_service(service))


def open_verification(state: SandboxState, service_sid: str, to: str, now: float) -> dict[str, Any] | None:
    """The latest verification of `to` in the service while it still takes sends or checks."""
    verification: dict[str, Any]
    for verification in reversed(list(state.verifications.values())):
        if verification["service_sid"] == service_sid and verification["to"] == to:
            if current_status(verification, now) in ("pending", "max_attempts_reached"):
                return verification
            return None
    return None


def geo_permitted(state: SandboxState, to: str) -> bool:
    """Whether Verify's geo permissions let a code go to this number's country."""
    if state.verify_geo_allowed is None:
        return True
    import phonenumbers

    try:
        region = phonenumbers.region_code_for_number(phonenumbers.parse(to, None))
    except phonenumbers.NumberParseException:
        return False
    return region in state.verify_geo_allowed


class Verifications:
    """/v2/Services/{ServiceSid}/Verifications: create (send a code, or send it again)."""

    def __init__(self, state: SandboxState) -> None:
        self.state = state

    async def create(self, request: Request) -> Response:
        state = self.state
        service = owned(state, request, state.verify_services, "ServiceSid")
        fields = await form(request)
        to, channel = first(fields, "To"), first(fields, "Channel")
        if not to:
            raise missing("To")
        if not channel:
            raise missing("Channel")
        if channel not in CHANNELS:
            raise invalid("Channel")
        if not (EMAIL if channel == "email" else E164).match(to):
            raise invalid("To")
        if channel != "email" and not geo_permitted(state, to):
            raise TwilioHTTPError(403, 60605, "Verification delivery attempt blocked by the service's geo permissions")
        now = state.clock.now()
        verification = open_verification(state, service["sid"], to, now)
        if verification is not None and verification["status"] == "max_attempts_reached":
            raise TwilioHTTPError(429, 60202, "Max check attempts reached")
        if verification is None:
            verification = self._new(service, to, channel, first(fields, "Locale"), now)
        elif len(verification["sends"]) >= MAX_SENDS:
            raise TwilioHTTPError(429, 60203, "Max send attempts reached")
        verification["channel"] = channel
        verification["updated"] = now
        verification["sends"].append({"attempt_sid": state.new_sid("VL"), "channel": channel, "time": now})
        state.verify_codes.append(
            {
                "service_sid": service["sid"],
                "verification_sid": verification["sid"],
                "to": to,
                "channel": channel,
                "code": verification["code"],
                "body": f"Your {service['friendly_name']} verification code is: {verification['code']}",
                "sent_at": iso8601(now),
            }
        )
        return JSONResponse(render_verification(verification, now), status_code=201)

    def _new(self, service: dict[str, Any], to: str, channel: str, locale: str | None, now: float) -> dict[str, Any]:
        sid = self.state.new_sid("VE")
        verification = {
            "sid": sid,
            "service_sid": service["sid"],
            "account_sid": service["account_sid"],
            "to": to,
            "channel": channel,
            "status": "pending",
            "code": make_code(sid, service["code_length"]),
            "locale": locale,
            "sends": [],
            "checks": 0,
            "created": now,
            "updated": now,
        }
        self.state.verifications[sid] = verification
        return verification


class VerificationChecks:
    """/v2/Services/{ServiceSid}/VerificationCheck: create (check a code)."""

    def __init__(self, state: SandboxState) -> None:
        self.state = state

    async def create(self, request: Request) -> Response:
        state = self.state
        service = owned(state, request, state.verify_services, "ServiceSid")
        fields = await form(request)
        code, to, sid = first(fields, "Code"), first(fields, "To"), first(fields, "VerificationSid")
        if not code:
            raise missing("Code")
        if not 4 <= len(code) <= 10:
            raise invalid("Code")
        if not to and not sid:
            raise TwilioHTTPError(400, 20001, "Either a 'To' or a 'VerificationSid' parameter must be specified")
        now = state.clock.now()
        if sid:
            found = state.verifications.get(sid)
            verification = found if found and found["service_sid"] == service["sid"] else None
        else:
            verification = open_verification(state, service["sid"], str(to), now)
        if verification is None or current_status(verification, now) not in ("pending", "max_attempts_reached"):
            raise not_found(f"/v2/Services/{service['sid']}/VerificationCheck")
        if verification["status"] == "max_attempts_reached":
            raise TwilioHTTPError(429, 60202, "Max check attempts reached")
        verification["checks"] += 1
        verification["updated"] = now
        if code == verification["code"]:
            verification["status"] = "approved"
        elif verification["checks"] >= MAX_CHECKS:
            verification["status"] = "max_attempts_reached"
        return JSONResponse(render_check(verification, now))


def routes(sandbox: Sandbox) -> dict[str, list[Route]]:
    services = VerifyServices(sandbox.state)
    verifications = Verifications(sandbox.state)
    checks = VerificationChecks(sandbox.state)
    return {
        "verify.twilio.com": [
            Route("/v2/Services", services.list, methods=["GET"]),
            Route("/v2/Services", services.create, methods=["POST"]),
            Route("/v2/Services/{Sid}", services.fetch, methods=["GET"]),
            Route("/v2/Services/{Sid}", services.update, methods=["POST"]),
            Route("/v2/Services/{ServiceSid}/Verifications", verifications.create, methods=["POST"]),
            Route("/v2/Services/{ServiceSid}/VerificationCheck", checks.create, methods=["POST"]),
        ]
    }
