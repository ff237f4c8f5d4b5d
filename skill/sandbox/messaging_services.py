"""Sandbox routes for Messaging v1 services and their sender pool (compliance records are in
skill.sandbox.messaging_compliance; the seeded data in skill.sandbox.seed_messaging_services).

The services live in `state.services`, the same records message sends check a MessagingServiceSid
against and choose a sender from (each service's "senders": phone number SID -> time added).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from skill.sandbox.clock import iso8601
from skill.sandbox.http import authenticate, bad_request, deleted, first, form, meta_page, not_found, owned
from skill.sandbox.messaging_compliance import registered
from skill.sandbox.seed_messaging_services import SERVICE_DEFAULTS

if TYPE_CHECKING:
    from skill.sandbox.app import Sandbox
    from skill.sandbox.state import SandboxState

BASE = "https://messaging.twilio.com/v1"
SERVICE_LINKS = {
    "phone_numbers": "PhoneNumbers",
    "short_codes": "ShortCodes",
    "alpha_senders": "AlphaSenders",
    "messages": "Messages",
    "us_app_to_person": "Compliance/Usa2p",
    "us_app_to_person_usecases": "Compliance/Usa2p/Usecases",
    "channel_senders": "ChannelSenders",
}
# Form field -> (record key, kind) for create and update.
SERVICE_FIELDS: dict[str, tuple[str, str]] = {
    "FriendlyName": ("friendly_name", "str"),
    "InboundRequestUrl": ("inbound_request_url", "url"),
    "InboundMethod": ("inbound_method", "method"),
    "FallbackUrl": ("fallback_url", "url"),
    "FallbackMethod": ("fallback_method", "method"),
    "StatusCallback": ("status_callback", "url"),
    "StickySender": ("sticky_sender", "bool"),
    "MmsConverter": ("mms_converter", "bool"),
    "SmartEncoding": ("smart_encoding", "bool"),
    "FallbackToLongCode": ("fallback_to_long_code", "bool"),
    "AreaCodeGeomatch": ("area_code_geomatch", "bool"),
    "SynchronousValidation": ("synchronous_validation", "bool"),
    "ValidityPeriod": ("validity_period", "validity"),
    "Usecase": ("usecase", "str"),
    "UseInboundWebhookOnNumber": ("use_inbound_webhook_on_number", "bool"),
}


def parse_value(name: str, kind: str, raw: str) -> Any:
    """A form value converted to its record type.

    Raises:
        TwilioHTTPError: 400/20001 when it is not a value of that kind.
    """
    if kind == "bool":
        if raw.lower() not in ("true", "false"):
            raise bad_request(20001, f"Invalid {name}: must be true or false")
        return raw.lower() == "true"
    if kind == "method":
        if raw.upper() not in ("GET", "POST"):
            raise bad_request(20001, f"Invalid {name}: must be GET or POST")
        return raw.upper()
    if kind == "url":
        if raw and not raw.startswith(("http://", "https://")):
            raise bad_request(20001, f"Invalid {name}: must be an absolute URL")
        return raw or None
    if kind == "validity":
        if not raw.isdigit() or not 1 <= int(raw) <= 36000:
            raise bad_request(20001, f"Invalid {name}: must be between 1 and 36000 seconds")
        return int(raw)
    return raw


async def settings_from(request: Request) -> dict[str, Any]:
    """Every setting the form changes, all checked before any is applied.

    Raises:
        TwilioHTTPError: 400/20001 for the first value that is not of its kind.
    """
    fields = await form(request)
    out: dict[str, Any] = {}
    for name, (key, kind) in SERVICE_FIELDS.items():
        raw = first(fields, name)
        if raw is not None:
            out[key] = parse_value(name, kind, raw)
    return out


def render_service(state: SandboxState, service: dict[str, Any]) -> dict[str, Any]:
    url = f"{BASE}/Services/{service['sid']}"
    return {
        "sid": service["sid"],
        "account_sid": service["account_sid"],
        "friendly_name": service["friendly_name"],
        "date_created": iso8601(service["created"]),
        "date_updated": iso8601(service["updated"]),
        **{key: service.get(key, default) for key, default in SERVICE_DEFAULTS.items()},
        "url": url,
        "links": {name: f"{url}/{path}" for name, path in SERVICE_LINKS.items()},
        "us_app_to_person_registered": registered(state, service["sid"]),
    }


def render_sender(number: dict[str, Any], service_sid: str, added: float) -> dict[str, Any]:
    caps = number.get("capabilities") or {"voice": True, "sms": True, "mms": True}
    return {
        "sid": number["sid"],
        "account_sid": number["account_sid"],
        "service_sid": service_sid,
        "date_created": iso8601(added),
        "date_updated": iso8601(added),
        "phone_number": number["phone_number"],
        "country_code": "US",
        "capabilities": [name for name in ("MMS", "SMS", "Voice") if caps.get(name.lower())],
        "url": f"{BASE}/Services/{service_sid}/PhoneNumbers/{number['sid']}",
    }


class ServicesResource:
    """/v1/Services and /v1/Services/{Sid}: list, create, fetch, update."""

    def __init__(self, state: SandboxState) -> None:
        self.state = state

    async def list(self, request: Request) -> Response:
        caller = authenticate(self.state, request)
        mine = (s for s in self.state.services.values() if s["account_sid"] == caller)
        items = sorted(mine, key=lambda s: (s["created"], s["sid"]))
        return meta_page(request, "services", items, lambda s: render_service(self.state, s))

    async def create(self, request: Request) -> Response:
        caller = authenticate(self.state, request)
        now = self.state.clock.now()
        service: dict[str, Any] = {
            "sid": self.state.new_sid("MG"),
            "account_sid": caller,
            "created": now,
            "updated": now,
            **SERVICE_DEFAULTS,
            "senders": {},
        }
        service.update(await settings_from(request))
        if not service.get("friendly_name"):
            raise bad_request(20001, "Missing required parameter FriendlyName in the post body")
        self.state.services[service["sid"]] = service
        return JSONResponse(render_service(self.state, service), status_code=201)

    async def fetch(self, request: Request) -> Response:
        return JSONResponse(render_service(self.state, owned(self.state, request, self.state.services)))

    async def update(self, request: Request) -> Response:
        service = owned(self.state, request, self.state.services)
        service.update(await settings_from(request))
        service["updated"] = self.state.clock.now()
        return JSONResponse(render_service(self.state, service))


class SendersResource:
    """/v1/Services/{ServiceSid}/PhoneNumbers[/{Sid}]: a service's sender pool (list, add, remove)."""

    def __init__(self, state: SandboxState) -> None:
        self.state = state

    def service(self, request: Request) -> dict[str, Any]:
        return owned(self.state, request, self.state.services, "ServiceSid")

    async def list(self, request: Request) -> Response:
        service = self.service(request)
        items = [
            render_sender(self.state.numbers[sid], service["sid"], added)
            for sid, added in sorted(service["senders"].items(), key=lambda item: (item[1], item[0]))
            if sid in self.state.numbers
        ]
        return meta_page(request, "phone_numbers", items, lambda item: item)

    async def create(self, request: Request) -> Response:
        service = self.service(request)
        number_sid = first(await form(request), "PhoneNumberSid")
        if not number_sid:
            raise bad_request(20001, "Missing required parameter PhoneNumberSid in the post body")
        number = self.state.numbers.get(number_sid)
        if number is None or number["account_sid"] != service["account_sid"]:
            raise bad_request(21421, "Phone Number is invalid")
        if number_sid in service["senders"]:
            raise bad_request(21710, "Phone Number Already Exists in Messaging Service", status=409)
        if any(number_sid in other.get("senders", {}) for other in self.state.services.values()):
            raise bad_request(21712, "Phone Number or Short Code is associated with another Messaging Service.")
        added = self.state.clock.now()
        service["senders"][number_sid] = added
        return JSONResponse(render_sender(number, service["sid"], added), status_code=201)

    async def delete(self, request: Request) -> Response:
        service = self.service(request)
        if service["senders"].pop(request.path_params["Sid"], None) is None:
            raise not_found(request.url.path)
        return deleted()


def routes(sandbox: Sandbox) -> dict[str, list[Route]]:
    services, senders = ServicesResource(sandbox.state), SendersResource(sandbox.state)
    return {
        "messaging.twilio.com": [
            Route("/v1/Services", services.list, methods=["GET"]),
            Route("/v1/Services", services.create, methods=["POST"]),
            Route("/v1/Services/{Sid}", services.fetch, methods=["GET"]),
            Route("/v1/Services/{Sid}", services.update, methods=["POST"]),
            Route("/v1/Services/{ServiceSid}/PhoneNumbers", senders.list, methods=["GET"]),
            Route("/v1/Services/{ServiceSid}/PhoneNumbers", senders.create, methods=["POST"]),
            Route("/v1/Services/{ServiceSid}/PhoneNumbers/{Sid}", senders.delete, methods=["DELETE"]),
        ]
    }
