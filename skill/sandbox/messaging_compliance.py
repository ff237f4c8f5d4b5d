"""Sandbox routes for Messaging v1 compliance: A2P 10DLC campaigns, brand registrations and toll-free
verifications (the services themselves are in skill.sandbox.messaging_services; the seeded records,
one for each finding compliance_status reports, in skill.sandbox.seed_messaging_services)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from skill.core.bulk_rates import campaign_rate
from skill.sandbox.clock import iso8601
from skill.sandbox.http import authenticate, meta_page, owned
from skill.sandbox.state import make_sid

if TYPE_CHECKING:
    from skill.sandbox.app import Sandbox
    from skill.sandbox.state import SandboxState

BASE = "https://messaging.twilio.com/v1"


def registered(state: SandboxState, service_sid: str) -> bool:
    """True when the service has a VERIFIED A2P campaign."""
    return any(
        c["messaging_service_sid"] == service_sid and c["campaign_status"] == "VERIFIED"
        for c in state.a2p_campaigns.values()
    )


def campaign_lane(state: SandboxState, phone_number: str) -> tuple[str, float] | None:
    """For a US long code in a service with a VERIFIED campaign whose carriers report a throughput:
    the campaign's SID and that throughput, which the campaign's numbers share (10DLC is paced per
    campaign, not per number). None for any other sender."""
    number = next((n for n in state.numbers.values() if n["phone_number"] == phone_number), None)
    if number is None or number.get("kind", "local") not in ("local", "mobile") or not phone_number.startswith("+1"):
        return None
    for service in state.services.values():
        if number["sid"] not in service.get("senders", {}):
            continue
        for campaign in state.a2p_campaigns.values():
            if campaign["messaging_service_sid"] == service["sid"] and campaign["campaign_status"] == "VERIFIED":
                rate = campaign_rate(campaign.get("rate_limits"))
                if rate is not None:
                    return str(campaign["sid"]), rate
    return None


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
        "rate_limits": campaign.get("rate_limits"),
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


class CampaignsResource:
    """/v1/Services/{MessagingServiceSid}/Compliance/Usa2p: a service's A2P 10DLC campaigns."""

    def __init__(self, state: SandboxState) -> None:
        self.state = state

    async def list(self, request: Request) -> Response:
        service = owned(self.state, request, self.state.services, "MessagingServiceSid")
        items = [c for c in self.state.a2p_campaigns.values() if c["messaging_service_sid"] == service["sid"]]
        return meta_page(request, "compliance", items, render_campaign)


class BrandsResource:
    """/v1/a2p/BrandRegistrations/{Sid}."""

    def __init__(self, state: SandboxState) -> None:
        self.state = state

    async def fetch(self, request: Request) -> Response:
        return JSONResponse(render_brand(owned(self.state, request, self.state.brand_registrations)))


class TollfreeVerificationsResource:
    """/v1/Tollfree/Verifications, filtered by number and status."""

    def __init__(self, state: SandboxState) -> None:
        self.state = state

    async def list(self, request: Request) -> Response:
        caller = authenticate(self.state, request)
        number_sid = request.query_params.get("TollfreePhoneNumberSid")
        status = request.query_params.get("Status")
        items = sorted(
            (
                v
                for v in self.state.tollfree_verifications.values()
                if v["account_sid"] == caller
                and (not number_sid or v["tollfree_phone_number_sid"] == number_sid)
                and (not status or v["status"] == status)
            ),
            key=lambda v: (v["created"], v["sid"]),
        )
        return meta_page(request, "verifications", items, render_tollfree)


def routes(sandbox: Sandbox) -> dict[str, list[Route]]:
    state = sandbox.state
    return {
        "messaging.twilio.com": [
            Route(
                "/v1/Services/{MessagingServiceSid}/Compliance/Usa2p", CampaignsResource(state).list, methods=["GET"]
            ),
            Route("/v1/a2p/BrandRegistrations/{Sid}", BrandsResource(state).fetch, methods=["GET"]),
            Route("/v1/Tollfree/Verifications", TollfreeVerificationsResource(state).list, methods=["GET"]),
        ]
    }
