"""Sender compliance: A2P 10DLC campaigns and brands for US long codes, verification for toll-free
numbers, and the findings that say which sends US carriers will block and how to fix it.

A US long code is a +1 number with ten digits outside the toll-free area codes. It may message US
recipients only from a Messaging Service whose A2P campaign is VERIFIED (else 30034; a suspended
campaign gives 30033). A toll-free number may message only once its verification is approved (30032).
"""

from __future__ import annotations

import re
from typing import Any

from skill.catalog import brief
from skill.core.context import Services
from skill.core.messaging_services import explain_missing
from skill.errors import UpstreamError

TOLL_FREE_AREA_CODES = ("800", "833", "844", "855", "866", "877", "888")
NANP_NUMBER = re.compile(r"^\+1\d{10}$")
# campaign_status -> the registration state of the service's US long codes
CAMPAIGN_STATES = {"VERIFIED": "registered", "SUSPENDED": "campaign_suspended", "FAILED": "unregistered"}
TOLLFREE_STATES = {
    None: "unverified",
    "PENDING_REVIEW": "verification_pending",
    "IN_REVIEW": "verification_pending",
    "TWILIO_APPROVED": "verified",
    "TWILIO_REJECTED": "verification_rejected",
}


def sender_kind(phone: str) -> str:
    """us_long_code, toll_free or other."""
    if not NANP_NUMBER.match(phone):
        return "other"
    return "toll_free" if phone[2:5] in TOLL_FREE_AREA_CODES else "us_long_code"


def finding(
    code: str,
    subject: str,
    message: str,
    steps: list[str],
    tools: list[str],
    *,
    twilio_code: int | None = None,
    severity: str = "error",
    title: str | None = None,
    services: Services | None = None,
) -> dict[str, Any]:
    """One finding; Twilio's code adds the catalogue's title and remediation after our own steps."""
    explained = brief(twilio_code, services.settings if services else None) if twilio_code else None
    remediation = list(steps)
    if explained:
        remediation += [step for step in explained.remediation if step not in remediation]
    known = explained is not None and explained.meaning is not None
    return {
        "code": code,
        "severity": severity,
        "twilio_code": twilio_code,
        "title": explained.title if explained and known else (title or code),
        "subject": subject,
        "message": message,
        "remediation": remediation,
        "tools": tools,
    }


async def _brand_status(services: Services, sid: str | None, cache: dict[str, str | None]) -> str | None:
    if not sid:
        return None
    if sid not in cache:
        try:
            cache[sid] = (await services.twilio.messaging_services.brand(sid)).get("status")
        except UpstreamError as exc:
            if exc.twilio_code != 20404:
                raise
            cache[sid] = None
    return cache[sid]


async def _tollfree_status(services: Services, number_sid: str) -> tuple[str | None, str | None]:
    """(status, verification sid) of the newest toll-free verification of a number, or (None, None)."""
    found = await services.twilio.messaging_services.tollfree_verifications(number_sid)
    if not found:
        return None, None
    newest = max(found, key=lambda v: str(v.get("date_created") or ""))
    return newest.get("status"), newest.get("sid")


async def _sender(services: Services, sid: str, phone: str, campaign_status: str | None) -> dict[str, Any]:
    kind = sender_kind(phone)
    sender: dict[str, Any] = {"sid": sid, "phone_number": phone, "kind": kind, "tollfree_verification_status": None}
    if kind == "us_long_code":
        state = CAMPAIGN_STATES.get(campaign_status or "", "campaign_pending")
        sender["registration"] = state if campaign_status else "unregistered"
    elif kind == "toll_free":
        status, _ = await _tollfree_status(services, sid)
        sender["tollfree_verification_status"] = status
        sender["registration"] = TOLLFREE_STATES.get(status, "verification_pending")
    else:
        sender["registration"] = "not_applicable"
    return sender


async def _service_report(services: Services, raw: dict[str, Any], brands: dict[str, str | None]) -> dict[str, Any]:
    gateway = services.twilio.messaging_services
    sid = str(raw.get("sid"))
    campaigns = await gateway.campaigns(sid)
    campaign = None
    if campaigns:
        first = campaigns[0]
        brand_sid = first.get("brand_registration_sid")
        campaign = {
            "sid": first.get("sid"),
            "status": first.get("campaign_status"),
            "use_case": first.get("us_app_to_person_usecase"),
            "campaign_id": first.get("campaign_id"),
            "brand_registration_sid": brand_sid,
            "brand_status": await _brand_status(services, brand_sid, brands),
        }
    status = campaign["status"] if campaign else None
    senders = [
        await _sender(services, str(s.get("sid")), str(s.get("phone_number")), status)
        for s in await gateway.senders(sid)
    ]
    return {"sid": sid, "friendly_name": raw.get("friendly_name"), "campaign": campaign, "senders": senders}


def _findings(services: Services, report: dict[str, Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    registered = [s for s in report["services"] if s["campaign"] and s["campaign"]["status"] == "VERIFIED"]
    home = registered[0] if registered else None
    seen_brands: set[str] = set()
    for service in report["services"]:
        campaign, name = service["campaign"], f"{service['friendly_name']} ({service['sid']})"
        if campaign and campaign["status"] == "SUSPENDED":
            phones = ", ".join(s["phone_number"] for s in service["senders"])
            held = f"messages from its senders ({phones}) to US numbers are blocked" if phones else "it has no senders"
            steps = (
                [
                    "Move its senders to a service with a VERIFIED campaign: messaging_service_sender_remove, then "
                    "messaging_service_sender_add."
                ]
                if phones
                else ["Add no senders to this service until the suspension is lifted."]
            )
            found.append(
                finding(
                    "a2p.campaign_suspended",
                    service["sid"],
                    f"The A2P 10DLC campaign of {name} is suspended; {held} (30033).",
                    steps,
                    ["messaging_service_get", "messaging_service_sender_remove", "messaging_service_sender_add"],
                    twilio_code=30033,
                    services=services,
                )
            )  # fmt: skip
        elif campaign and campaign["status"] not in CAMPAIGN_STATES and service["senders"]:
            found.append(
                finding(
                    "a2p.campaign_pending",
                    service["sid"],
                    f"The A2P 10DLC campaign of {name} is {campaign['status']}; its US long codes wait until "
                    "it is VERIFIED (30035).",
                    ["Run compliance_status again later; vetting takes days."],
                    ["compliance_status"],
                    twilio_code=30035,
                    severity="warning",
                    services=services,
                )
            )
        brand_sid, brand_status = (campaign or {}).get("brand_registration_sid"), (campaign or {}).get("brand_status")
        if brand_sid and brand_status not in (None, "APPROVED") and brand_sid not in seen_brands:
            seen_brands.add(brand_sid)
            found.append(
                finding(
                    "a2p.brand_not_approved",
                    brand_sid,
                    f"A2P brand {brand_sid} is {brand_status}; its campaigns cannot be verified until it is approved.",
                    ["Open the brand in the Console (Messaging > Regulatory Compliance) and fix what it reports."],
                    ["compliance_status"],
                    title="A2P 10DLC brand not approved",
                )
            )
    for owner, sender in _all_senders(report):
        if sender["kind"] == "us_long_code" and sender["registration"] == "unregistered":
            found.append(_unregistered(services, owner, sender, home))
        elif sender["kind"] == "toll_free" and sender["registration"] != "verified":
            found.append(_unverified_tollfree(services, sender))
    return found


def _all_senders(report: dict[str, Any]) -> list[tuple[dict[str, Any] | None, dict[str, Any]]]:
    pairs: list[tuple[dict[str, Any] | None, dict[str, Any]]] = [
        (service, sender) for service in report["services"] for sender in service["senders"]
    ]
    return pairs + [(None, sender) for sender in report["unassigned_numbers"]]


def _unregistered(
    services: Services, owner: dict[str, Any] | None, sender: dict[str, Any], home: dict[str, Any] | None
) -> dict[str, Any]:
    phone, where = sender["phone_number"], "is in no Messaging Service"
    steps = []
    if owner is not None:
        where = f"is in {owner['friendly_name']} ({owner['sid']}), which has no verified A2P campaign"
    if home is not None:
        if owner is not None:
            steps.append(f"Remove it from {owner['sid']} with messaging_service_sender_remove.")
        steps.append(
            f"Add it to {home['friendly_name']}, whose campaign is VERIFIED: messaging_service_sender_add with "
            f"service_sid={home['sid']} and phone_number_sid={sender['sid']}."
        )
    return finding(
        "a2p.unregistered_number",
        phone,
        f"US long code {phone} {where}; US carriers block its messages to US numbers (30034).",
        steps,
        ["messaging_services_list", "messaging_service_sender_add", "messaging_service_sender_remove"],
        twilio_code=30034,
        services=services,
    )


def _unverified_tollfree(services: Services, sender: dict[str, Any]) -> dict[str, Any]:
    phone, status = sender["phone_number"], sender["tollfree_verification_status"]
    state = f"verification is {status}, not approved" if status else "no verification was submitted"
    return finding(
        "tollfree.unverified",
        phone,
        f"Toll-free number {phone}: {state}; its messages to the US and Canada are blocked (30032).",
        ["Check progress with compliance_status; review usually takes a few business days."] if status else [],
        ["compliance_status", "numbers_list"],
        twilio_code=30032,
        services=services,
    )


async def compliance_status(services: Services, service_sid: str | None = None) -> dict[str, Any]:
    """Campaign, brand and toll-free verification status per Messaging Service, with findings.

    Raises:
        UpstreamError: twilio.20404 for an unknown service_sid, or another refusal.
    """
    gateway = services.twilio.messaging_services
    if service_sid:
        raw_services = [
            await explain_missing(
                gateway.fetch(service_sid),
                f"Messaging Service {service_sid}",
                ["List the account's services with messaging_services_list and pass one of their SIDs."],
            )
        ]
    else:
        raw_services = await gateway.list(1000)
    brands: dict[str, str | None] = {}
    reports = [await _service_report(services, raw, brands) for raw in raw_services]
    unassigned: list[dict[str, Any]] = []
    if service_sid is None:
        in_service = {sender["sid"] for report in reports for sender in report["senders"]}
        numbers = await services.twilio.numbers.list(phone_number=None, limit=1000)
        unassigned = [
            await _sender(services, str(n.get("sid")), str(n.get("phone_number")), None)
            for n in numbers
            if n.get("sid") not in in_service
        ]
    report: dict[str, Any] = {"services": reports, "unassigned_numbers": unassigned}
    report["findings"] = _findings(services, report)
    report["ok"] = not any(f["severity"] == "error" for f in report["findings"])
    return report
