"""The sandbox's seeded Messaging v1 data: the services' settings and senders, a second service
without any, and the A2P 10DLC and toll-free records that give compliance_status one of each finding.

- "Sandbox notifications" holds +14155550142 and the toll-free +18005550123, and has a VERIFIED
  campaign whose carriers allow 4 segments per second (AT&T 240 per minute, T-Mobile's low tier);
  the toll-free number's verification is PENDING_REVIEW (unverified: 30032);
- "Sandbox promotions" has no senders and a SUSPENDED campaign (30033);
- +15005550006, Twilio's magic test number, is an ordinary US long code on the account and in no
  service, so in no campaign (30034).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from skill.config import SANDBOX_ACCOUNT_SID
from skill.sandbox.state import make_sid

if TYPE_CHECKING:
    from skill.sandbox.state import SandboxState

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
DAY = 86400
# Throughput per carrier as Twilio reports it: AT&T by message class, T-Mobile by the brand's tier.
RATE_LIMITS: dict[str, dict[str, Any]] = {
    "VERIFIED": {"att": {"tpm": 240, "msg_class": "E"}, "tmobile": {"brand_tier": "LOW"}},
    "SUSPENDED": {"att": {"mps": 600, "msg_class": "A"}, "tmobile": {"brand_tier": "TOP"}},
}


def seed_messaging_services(state: SandboxState) -> None:
    """Messaging v1 settings for the seeded service and its senders, a second service without any,
    and their compliance records."""
    now = state.clock.now()
    for service in state.services.values():
        for key, value in SERVICE_DEFAULTS.items():
            service.setdefault(key, value)
        service.setdefault("senders", {})
    promotions = make_sid("MG", "seed", "promotions")
    state.services[promotions] = {
        "sid": promotions,
        "account_sid": SANDBOX_ACCOUNT_SID,
        "friendly_name": "Sandbox promotions",
        "created": now - DAY * 150,
        "updated": now - DAY * 5,
        **SERVICE_DEFAULTS,
        "usecase": "marketing",
        "senders": {},
    }
    notifications = make_sid("MG", "seed", "service")
    by_phone = {n["phone_number"]: sid for sid, n in state.numbers.items()}
    for phone in ("+14155550142", "+18005550123"):
        state.services[notifications]["senders"][by_phone[phone]] = now - DAY * 60
    seed_compliance(state)


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
        "created": now - DAY * 90,
        "updated": now - DAY * 80,
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
            "created": now - DAY * 70,
            "updated": now - DAY * (2 if status == "SUSPENDED" else 60),
            "rate_limits": RATE_LIMITS[status],
        }
    verification = make_sid("HH", "seed", "tollfree")
    state.tollfree_verifications[verification] = {
        "sid": verification,
        "account_sid": parent,
        "tollfree_phone_number_sid": by_phone["+18005550123"],
        "tollfree_phone_number": "+18005550123",
        "status": "PENDING_REVIEW",
        "business_name": "Sandbox Co",
        "created": now - DAY * 3,
        "updated": now - DAY * 3,
    }
