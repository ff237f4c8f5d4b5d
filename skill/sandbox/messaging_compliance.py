"""Sandbox routes for Messaging v1 compliance: A2P 10DLC campaigns, brand registrations and toll-free
verifications (the services themselves are in skill.sandbox.messaging_services).

Seeded records (see seed_compliance) give compliance_status one of each finding:
- "Sandbox notifications" has a VERIFIED campaign; its toll-free +18005550123 has a toll-free
  verification PENDING_REVIEW (unverified: 30032);
- "Sandbox promotions" has a SUSPENDED campaign (30033);
- +15005550006 is in no service, so in no campaign (30034).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from skill.config import SANDBOX_ACCOUNT_SID
from skill.sandbox.clock import iso8601
from skill.sandbox.http import authenticate, meta_page, owned
from skill.sandbox.state import make_sid

if TYPE_CHECKING:
    from skill.sandbox.app import Sandbox
    from skill.sandbox.state import SandboxState

BASE = "https://messaging.twilio.com/v1"


def seed_compliance(state: SandboxState) -> None:
    """An approved brand, a campaign for each seeded service, and a toll-free verification."""
    now = state.clock.now()
    parent = SANDBOX_ACCOUNT_SID
    notifications = make_sid("MG", "seed", "service")
    promotions = make_sid("MG", "seed", "promotions")
    by_phone = {n["phone_number"]: sid for sid, n in state.numbers.items()}
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
    """True when the service has a VERIFIED A2P campaign."""
    return any(
        c["messaging_service_sid"] == service_sid and c["campaign_status"] == "VERIFIED"
        for c in state.a2p_campaigns.values()
    )


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

    async def list_campaigns(request: Request) -> Response:
        service = owned(state, request, state.services, "MessagingServiceSid")
        items = [c for c in state.a2p_campaigns.values() if c["messaging_service_sid"] == service["sid"]]
        return meta_page(request, "compliance", items, render_campaign)

    async def fetch_brand(request: Request) -> Response:
        return JSONResponse(render_brand(owned(state, request, state.brand_registrations)))

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
            Route("/v1/Services/{MessagingServiceSid}/Compliance/Usa2p", list_campaigns, methods=["GET"]),
            Route("/v1/a2p/BrandRegistrations/{Sid}", fetch_brand, methods=["GET"]),
            Route("/v1/Tollfree/Verifications", list_tollfree, methods=["GET"]),
        ]
    }
