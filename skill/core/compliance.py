"""Sender compliance: A2P 10DLC campaigns and brands for US long codes, verification for toll-free
numbers, and the findings that say which sends US carriers will block and how to fix it.

A US long code is a +1 number with ten digits outside the toll-free area codes. It may message US
recipients only from a Messaging Service whose A2P campaign is VERIFIED (else 30034; a suspended
campaign gives 30033). A toll-free number may message only once its verification is approved (30032).
"""

from __future__ import annotations

import re

from skill.catalog import brief
from skill.core.context import Services
from skill.core.messaging_services import fetch_service
from skill.errors import UpstreamError
from skill.records.compliance import (
    Campaign,
    ComplianceReport,
    Finding,
    SenderCompliance,
    SenderKind,
    ServiceCompliance,
    Severity,
)
from skill.records.messaging_services import MessagingService

TOLL_FREE_AREA_CODES = ("800", "833", "844", "855", "866", "877", "888")
NANP_NUMBER = re.compile(r"^\+1\d{10}$")
# The report reads one page of services and of numbers: enough for any account a person audits by hand.
MAX_SERVICES = 1000
MAX_NUMBERS = 1000
# campaign_status -> the registration state of the service's US long codes
CAMPAIGN_STATES = {"VERIFIED": "registered", "SUSPENDED": "campaign_suspended", "FAILED": "unregistered"}
TOLLFREE_STATES = {
    None: "unverified",
    "PENDING_REVIEW": "verification_pending",
    "IN_REVIEW": "verification_pending",
    "TWILIO_APPROVED": "verified",
    "TWILIO_REJECTED": "verification_rejected",
}


def sender_kind(phone: str) -> SenderKind:
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
    severity: Severity = "error",
    title: str | None = None,
    services: Services | None = None,
) -> Finding:
    """One finding; Twilio's code adds the catalogue's title and remediation after our own steps."""
    explained = brief(twilio_code, services.settings if services else None) if twilio_code else None
    remediation = list(steps)
    if explained:
        remediation += [step for step in explained.remediation if step not in remediation]
    known = explained is not None and explained.meaning is not None
    return Finding(
        code=code,
        severity=severity,
        twilio_code=twilio_code,
        title=explained.title if explained and known else (title or code),
        subject=subject,
        message=message,
        remediation=remediation,
        tools=tools,
    )


async def _brand_status(services: Services, sid: str | None, cache: dict[str, str | None]) -> str | None:
    if not sid:
        return None
    if sid not in cache:
        try:
            cache[sid] = (await services.twilio.messaging_services.brand(sid)).status
        except UpstreamError as exc:
            if exc.twilio_code != 20404:
                raise
            cache[sid] = None
    return cache[sid]


async def _tollfree_status(services: Services, number_sid: str) -> str | None:
    """The status of the newest toll-free verification of a number, or None when none was submitted."""
    found = await services.twilio.messaging_services.tollfree_verifications(number_sid)
    if not found:
        return None
    return max(found, key=lambda v: v.date_created or "").status


async def _sender(services: Services, sid: str, phone: str, campaign_status: str | None) -> SenderCompliance:
    kind = sender_kind(phone)
    status = None
    if kind == "us_long_code":
        state = CAMPAIGN_STATES.get(campaign_status or "", "campaign_pending")
        registration = state if campaign_status else "unregistered"
    elif kind == "toll_free":
        status = await _tollfree_status(services, sid)
        registration = TOLLFREE_STATES.get(status, "verification_pending")
    else:
        registration = "not_applicable"
    return SenderCompliance(
        sid=sid, phone_number=phone, kind=kind, registration=registration, tollfree_verification_status=status
    )


async def _service_report(
    services: Services, service: MessagingService, brands: dict[str, str | None]
) -> ServiceCompliance:
    gateway = services.twilio.messaging_services
    campaigns = await gateway.campaigns(service.sid)
    campaign = None
    if campaigns:
        first = campaigns[0]
        campaign = Campaign(
            sid=first.sid,
            status=first.campaign_status,
            use_case=first.us_app_to_person_usecase,
            campaign_id=first.campaign_id,
            brand_registration_sid=first.brand_registration_sid,
            brand_status=await _brand_status(services, first.brand_registration_sid, brands),
        )
    status = campaign.status if campaign else None
    senders = [
        await _sender(services, sender.sid, str(sender.phone_number), status)
        for sender in await gateway.senders(service.sid)
    ]
    return ServiceCompliance(sid=service.sid, friendly_name=service.friendly_name, campaign=campaign, senders=senders)


def _named(service: ServiceCompliance) -> str:
    return f"{service.friendly_name} ({service.sid})"


def _campaign_findings(services: Services, service: ServiceCompliance) -> list[Finding]:
    campaign = service.campaign
    if campaign is None:
        return []
    if campaign.status == "SUSPENDED":
        phones = ", ".join(s.phone_number for s in service.senders)
        held = f"messages from its senders ({phones}) to US numbers are blocked" if phones else "it has no senders"
        steps = (
            [
                "Move its senders to a service with a VERIFIED campaign: messaging_service_sender_remove, then "
                "messaging_service_sender_add."
            ]
            if phones
            else ["Add no senders to this service until the suspension is lifted."]
        )
        return [
            finding(
                "a2p.campaign_suspended",
                service.sid,
                f"The A2P 10DLC campaign of {_named(service)} is suspended; {held} (30033).",
                steps,
                ["messaging_service_get", "messaging_service_sender_remove", "messaging_service_sender_add"],
                twilio_code=30033,
                services=services,
            )
        ]
    if campaign.status not in CAMPAIGN_STATES and service.senders:
        return [
            finding(
                "a2p.campaign_pending",
                service.sid,
                f"The A2P 10DLC campaign of {_named(service)} is {campaign.status}; its US long codes wait until "
                "it is VERIFIED (30035).",
                ["Run compliance_status again later; vetting takes days."],
                ["compliance_status"],
                twilio_code=30035,
                severity="warning",
                services=services,
            )
        ]
    return []


def _findings(
    services: Services, reports: list[ServiceCompliance], unassigned: list[SenderCompliance]
) -> list[Finding]:
    found: list[Finding] = []
    registered = [s for s in reports if s.campaign and s.campaign.status == "VERIFIED"]
    home = registered[0] if registered else None
    seen_brands: set[str] = set()
    for service in reports:
        found += _campaign_findings(services, service)
        brand_sid = service.campaign.brand_registration_sid if service.campaign else None
        brand_status = service.campaign.brand_status if service.campaign else None
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
    pairs: list[tuple[ServiceCompliance | None, SenderCompliance]] = [
        (service, sender) for service in reports for sender in service.senders
    ]
    for owner, sender in pairs + [(None, sender) for sender in unassigned]:
        if sender.kind == "us_long_code" and sender.registration == "unregistered":
            found.append(_unregistered(services, owner, sender, home))
        elif sender.kind == "toll_free" and sender.registration != "verified":
            found.append(_unverified_tollfree(services, sender))
    return sorted(found, key=lambda f: f.severity != "error")


def _unregistered(
    services: Services, owner: ServiceCompliance | None, sender: SenderCompliance, home: ServiceCompliance | None
) -> Finding:
    phone, where = sender.phone_number, "is in no Messaging Service"
    steps = []
    if owner is not None:
        where = f"is in {_named(owner)}, which has no verified A2P campaign"
    if home is not None:
        if owner is not None:
            steps.append(f"Remove it from {owner.sid} with messaging_service_sender_remove.")
        steps.append(
            f"Add it to {home.friendly_name}, whose campaign is VERIFIED: messaging_service_sender_add with "
            f"service_sid={home.sid} and phone_number_sid={sender.sid}."
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


def _unverified_tollfree(services: Services, sender: SenderCompliance) -> Finding:
    phone, status = sender.phone_number, sender.tollfree_verification_status
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


async def _account_numbers(services: Services) -> list[tuple[str, str]]:
    """(sid, phone number) of the account's numbers."""
    return [(n.sid, n.phone_number) for n in await services.twilio.numbers.all(MAX_NUMBERS)]


async def compliance_status(services: Services, service_sid: str | None = None) -> ComplianceReport:
    """Campaign, brand and toll-free verification status per Messaging Service, with findings (errors first).

    Raises:
        UpstreamError: twilio.20404 for an unknown service_sid, or another refusal.
    """
    if service_sid:
        chosen = [await fetch_service(services, service_sid)]
    else:
        chosen = (await services.twilio.messaging_services.list(limit=MAX_SERVICES)).items
    brands: dict[str, str | None] = {}
    reports = [await _service_report(services, service, brands) for service in chosen]
    unassigned: list[SenderCompliance] = []
    if service_sid is None:
        in_service = {sender.sid for report in reports for sender in report.senders}
        unassigned = [
            await _sender(services, sid, phone, None)
            for sid, phone in await _account_numbers(services)
            if sid not in in_service
        ]
    findings = _findings(services, reports, unassigned)
    return ComplianceReport(
        ok=not any(f.severity == "error" for f in findings),
        services=reports,
        unassigned_numbers=unassigned,
        findings=findings,
    )
