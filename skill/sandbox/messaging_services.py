"""Sandbox routes for Messaging v1: services, their sender pool, A2P 10DLC campaigns, brands and
toll-free verifications.

The services live in `state.services`, the same records message sends check a MessagingServiceSid
against. Seeded compliance (see seed_messaging_services) gives compliance_status one of each finding:
- "Sandbox notifications" holds +14155550142 (campaign VERIFIED) and the toll-free +18005550123,
  whose toll-free verification is PENDING_REVIEW (unverified: 30032);
- "Sandbox promotions" has a SUSPENDED campaign (30033) and no senders;
- +15005550006, Twilio's magic test number, is here an ordinary US long code on the account and in
  no service, so in no campaign (30034).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from skill.config import SANDBOX_ACCOUNT_SID
from skill.sandbox.clock import iso8601
from skill.sandbox.http import TwilioHTTPError, authenticate, deleted, first, form, meta_page, not_found
from skill.sandbox.state import make_sid

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
# Settings of a new service, as Twilio defaults them.
SERVICE_DEFAULTS: dict[str, Any] = {
    "inbound_request_url": None,
    "inbound_method": "POST",
    "fallback_url": None,
    "fallback_method": "POST",
    "status_callback": None,
    "sticky_sender": True,
    "mms_converter": True,
    "smart_encoding": True,
    "scan_message_content": "inherit",
    "fallback_to_long_code": True,
    "area_code_geomatch": True,
    "synchronous_validation": True,
    "validity_period": 36000,
    "usecase": "undeclared",
    "use_inbound_webhook_on_number": False,
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


def bad_request(code: int, message: str, status: int = 400) -> TwilioHTTPError:
    return TwilioHTTPError(status, code, message)


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


def seed_messaging_services(state: SandboxState) -> None:
    """Messaging v1 settings for the seeded service, a second service, a brand, two campaigns and a
    toll-free verification (see the module docstring for what each is there to show)."""
    now = state.clock.now()
    parent = SANDBOX_ACCOUNT_SID
    for service in state.services.values():
        for key, value in SERVICE_DEFAULTS.items():
            service.setdefault(key, value)
        service.setdefault("senders", {})
    promotions = make_sid("MG", "seed", "promotions")
    state.services[promotions] = {
        "sid": promotions,
        "account_sid": parent,
        "friendly_name": "Sandbox promotions",
        "created": now - 86400 * 150,
        "updated": now - 86400 * 5,
        **SERVICE_DEFAULTS,
        "usecase": "marketing",
        "senders": {},
    }
    notifications = make_sid("MG", "seed", "service")
    by_phone = {n["phone_number"]: sid for sid, n in state.numbers.items()}
    for phone in ("+14155550142", "+18005550123"):
        state.services[notifications]["senders"][by_phone[phone]] = now - 86400 * 60
    brand = make_sid("BN", "seed", "brand")
    state.brand_registrations[brand] = {
        "sid": brand,
        "account_sid": parent,
        "status": "APPROVED",
        "identity_status": "VERIFIED",
        "brand_type": "STANDARD",
        "tcr_id": "BSBX001",
        "brand_score": 82,
        "created": now - 86400 * 90,
        "updated": now - 86400 * 80,
    }
    for service_sid, status, usecase, tcr in (
        (notifications, "VERIFIED", "ACCOUNT_NOTIFICATION", "CSBX001"),
        (promotions, "SUSPENDED", "MARKETING", "CSBX002"),
    ):
        sid = make_sid("QE", "seed", service_sid)
        state.a2p_campaigns[sid] = {
            "sid": sid,
            "account_sid": parent,
            "messaging_service_sid": service_sid,
            "brand_registration_sid": brand,
            "us_app_to_person_usecase": usecase,
            "campaign_status": status,
            "campaign_id": tcr,
            "description": f"Sandbox {usecase.lower().replace('_', ' ')} messages sent to customers who opted in.",
            "created": now - 86400 * 70,
            "updated": now - 86400 * (2 if status == "SUSPENDED" else 60),
        }
    verification = make_sid("HH", "seed", "tollfree")
    state.tollfree_verifications[verification] = {
        "sid": verification,
        "account_sid": parent,
        "tollfree_phone_number_sid": by_phone["+18005550123"],
        "tollfree_phone_number": "+18005550123",
        "status": "PENDING_REVIEW",
        "business_name": "Sandbox Co",
        "created": now - 86400 * 3,
        "updated": now - 86400 * 3,
    }


def registered(state: SandboxState, service_sid: str) -> bool:
    return any(
        c["messaging_service_sid"] == service_sid and c["campaign_status"] == "VERIFIED"
        for c in state.a2p_campaigns.values()
    )


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


def render_campaign(campaign: dict[str, Any]) -> dict[str, Any]:
    status = campaign["campaign_status"]
    return {
        "sid": campaign["sid"],
        "account_sid": campaign["account_sid"],
        "brand_registration_sid": campaign["brand_registration_sid"],
        "messaging_service_sid": campaign["messaging_service_sid"],
        "description": campaign["description"],
        "message_samples": ["Your order 1234 has shipped.", "Reply STOP to stop these messages."],
        "us_app_to_person_usecase": campaign["us_app_to_person_usecase"],
        "has_embedded_links": False,
        "has_embedded_phone": False,
        "subscriber_opt_in": True,
        "age_gated": False,
        "direct_lending": False,
        "campaign_status": status,
        "campaign_id": campaign["campaign_id"],
        "is_externally_registered": False,
        "rate_limits": {"att": {"mps": 600, "msg_class": "A"}, "tmobile": {"brand_tier": "TOP"}},
        "message_flow": "Customers opt in on the checkout page.",
        "opt_in_message": None,
        "opt_out_message": "You are unsubscribed. Reply START to resubscribe.",
        "help_message": "Reply STOP to unsubscribe.",
        "opt_in_keywords": None,
        "opt_out_keywords": ["STOP"],
        "help_keywords": ["HELP"],
        "date_created": iso8601(campaign["created"]),
        "date_updated": iso8601(campaign["updated"]),
        "url": f"{BASE}/Services/{campaign['messaging_service_sid']}/Compliance/Usa2p/{campaign['sid']}",
        "mock": False,
        "errors": [{"code": 30033, "description": "Campaign suspended by carrier review"}]
        if status == "SUSPENDED"
        else [],
    }


def render_brand(brand: dict[str, Any]) -> dict[str, Any]:
    url = f"{BASE}/a2p/BrandRegistrations/{brand['sid']}"
    return {
        "sid": brand["sid"],
        "account_sid": brand["account_sid"],
        "customer_profile_bundle_sid": make_sid("BU", "profile", brand["sid"]),
        "a2p_profile_bundle_sid": make_sid("BU", "a2p", brand["sid"]),
        "date_created": iso8601(brand["created"]),
        "date_updated": iso8601(brand["updated"]),
        "brand_type": brand["brand_type"],
        "status": brand["status"],
        "tcr_id": brand["tcr_id"],
        "failure_reason": None,
        "errors": [],
        "url": url,
        "brand_score": brand["brand_score"],
        "brand_feedback": None,
        "identity_status": brand["identity_status"],
        "russell_3000": False,
        "government_entity": False,
        "tax_exempt_status": None,
        "skip_automatic_sec_vet": False,
        "mock": False,
        "links": {"brand_vettings": f"{url}/Vettings", "brand_registration_otps": f"{url}/SmsOtp"},
    }


def render_tollfree(item: dict[str, Any]) -> dict[str, Any]:
    return {
        "sid": item["sid"],
        "account_sid": item["account_sid"],
        "customer_profile_sid": None,
        "trust_product_sid": make_sid("BU", "trust", item["sid"]),
        "date_created": iso8601(item["created"]),
        "date_updated": iso8601(item["updated"]),
        "regulated_item_sid": None,
        "business_name": item["business_name"],
        "business_website": "https://example.com",
        "business_country": "US",
        "business_contact_email": "ops@example.com",
        "notification_email": "ops@example.com",
        "use_case_categories": ["ACCOUNT_NOTIFICATIONS"],
        "use_case_summary": "Order and delivery notifications.",
        "production_message_sample": "Your order 1234 has shipped.",
        "opt_in_image_urls": ["https://example.com/opt-in.png"],
        "opt_in_type": "WEB_FORM",
        "message_volume": "1,000",
        "tollfree_phone_number_sid": item["tollfree_phone_number_sid"],
        "tollfree_phone_number": item["tollfree_phone_number"],
        "status": item["status"],
        "url": f"{BASE}/Tollfree/Verifications/{item['sid']}",
        "rejection_reason": None,
        "error_code": None,
        "edit_expiration": None,
        "edit_allowed": False,
        "business_registration_authority": None,
        "business_type": "PRIVATE_PROFIT",
        "vetting_provider": None,
        "resource_links": {},
    }


def routes(sandbox: Sandbox) -> dict[str, list[Route]]:
    state = sandbox.state

    def owned_service(request: Request, key: str = "Sid") -> dict[str, Any]:
        caller = authenticate(state, request)
        service = state.services.get(request.path_params[key])
        if service is None or service["account_sid"] != caller:
            raise not_found(request.url.path)
        return service

    async def apply_fields(request: Request, service: dict[str, Any]) -> None:
        fields = await form(request)
        for name, (key, kind) in SERVICE_FIELDS.items():
            raw = first(fields, name)
            if raw is not None:
                service[key] = parse_value(name, kind, raw)

    async def list_services(request: Request) -> Response:
        caller = authenticate(state, request)
        items = sorted(
            (s for s in state.services.values() if s["account_sid"] == caller), key=lambda s: (s["created"], s["sid"])
        )
        return meta_page(request, "services", items, lambda s: render_service(state, s))

    async def create_service(request: Request) -> Response:
        caller = authenticate(state, request)
        now = state.clock.now()
        service: dict[str, Any] = {
            "sid": state.new_sid("MG"),
            "account_sid": caller,
            "created": now,
            "updated": now,
            **SERVICE_DEFAULTS,
            "senders": {},
        }
        await apply_fields(request, service)
        if not service.get("friendly_name"):
            raise bad_request(20001, "Missing required parameter FriendlyName in the post body")
        state.services[service["sid"]] = service
        return JSONResponse(render_service(state, service), status_code=201)

    async def fetch_service(request: Request) -> Response:
        return JSONResponse(render_service(state, owned_service(request)))

    async def update_service(request: Request) -> Response:
        service = owned_service(request)
        await apply_fields(request, service)
        service["updated"] = state.clock.now()
        return JSONResponse(render_service(state, service))

    async def list_senders(request: Request) -> Response:
        service = owned_service(request, "ServiceSid")
        items = [
            render_sender(state.numbers[sid], service["sid"], added)
            for sid, added in sorted(service["senders"].items(), key=lambda item: (item[1], item[0]))
            if sid in state.numbers
        ]
        return meta_page(request, "phone_numbers", items, lambda item: item)

    async def add_sender(request: Request) -> Response:
        service = owned_service(request, "ServiceSid")
        number_sid = first(await form(request), "PhoneNumberSid")
        if not number_sid:
            raise bad_request(20001, "Missing required parameter PhoneNumberSid in the post body")
        number = state.numbers.get(number_sid)
        if number is None or number["account_sid"] != service["account_sid"]:
            raise bad_request(21421, "Phone Number is invalid")
        if number_sid in service["senders"]:
            raise bad_request(21710, "Phone Number Already Exists in Messaging Service", status=409)
        if any(number_sid in other.get("senders", {}) for other in state.services.values()):
            raise bad_request(21712, "Phone Number or Short Code is associated with another Messaging Service.")
        added = state.clock.now()
        service["senders"][number_sid] = added
        return JSONResponse(render_sender(number, service["sid"], added), status_code=201)

    async def remove_sender(request: Request) -> Response:
        service = owned_service(request, "ServiceSid")
        if service["senders"].pop(request.path_params["Sid"], None) is None:
            raise not_found(request.url.path)
        return deleted()

    async def list_campaigns(request: Request) -> Response:
        service = owned_service(request, "MessagingServiceSid")
        items = [c for c in state.a2p_campaigns.values() if c["messaging_service_sid"] == service["sid"]]
        return meta_page(request, "compliance", items, render_campaign)

    async def fetch_brand(request: Request) -> Response:
        caller = authenticate(state, request)
        brand = state.brand_registrations.get(request.path_params["Sid"])
        if brand is None or brand["account_sid"] != caller:
            raise not_found(request.url.path)
        return JSONResponse(render_brand(brand))

    async def list_tollfree(request: Request) -> Response:
        caller = authenticate(state, request)
        number_sid = request.query_params.get("TollfreePhoneNumberSid")
        status = request.query_params.get("Status")
        items = sorted(
            (
                v
                for v in state.tollfree_verifications.values()
                if v["account_sid"] == caller
                and (not number_sid or v["tollfree_phone_number_sid"] == number_sid)
                and (not status or v["status"] == status)
            ),
            key=lambda v: (v["created"], v["sid"]),
        )
        return meta_page(request, "verifications", items, render_tollfree)

    return {
        "messaging.twilio.com": [
            Route("/v1/Services", list_services, methods=["GET"]),
            Route("/v1/Services", create_service, methods=["POST"]),
            Route("/v1/Services/{Sid}", fetch_service, methods=["GET"]),
            Route("/v1/Services/{Sid}", update_service, methods=["POST"]),
            Route("/v1/Services/{ServiceSid}/PhoneNumbers", list_senders, methods=["GET"]),
            Route("/v1/Services/{ServiceSid}/PhoneNumbers", add_sender, methods=["POST"]),
            Route("/v1/Services/{ServiceSid}/PhoneNumbers/{Sid}", remove_sender, methods=["DELETE"]),
            Route("/v1/Services/{MessagingServiceSid}/Compliance/Usa2p", list_campaigns, methods=["GET"]),
            Route("/v1/a2p/BrandRegistrations/{Sid}", fetch_brand, methods=["GET"]),
            Route("/v1/Tollfree/Verifications", list_tollfree, methods=["GET"]),
        ]
    }
