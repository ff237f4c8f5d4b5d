"""Messaging Services: list, read with their senders, create, change settings, add and remove senders,
and what a gated create or update would do (its impact)."""

from __future__ import annotations

from collections.abc import Awaitable, Mapping
from datetime import datetime
from typing import TypeVar

from skill.core.context import Services
from skill.core.timeutil import as_utc, parse_iso
from skill.core.urls import webhook_warnings
from skill.errors import InputError, UpstreamError
from skill.records.approvals import Fact, Impact
from skill.records.messaging_services import (
    ConfiguredService,
    MessagingService,
    ServiceChanges,
    ServiceWithSenders,
)
from skill.records.page import Page

T = TypeVar("T")
# Twilio cannot filter services by date: at most this many are looked through per call.
DATE_SCAN = 1000
URL_LABELS = {
    "inbound_request_url": "inbound request URL",
    "fallback_url": "fallback URL",
    "status_callback": "status callback",
}


async def explain_missing(call: Awaitable[T], what: str, remediation: list[str]) -> T:
    """Await a gateway call; a 404 from Twilio gets remediation that names the tool to find the right SID.

    Raises:
        UpstreamError: Twilio refused the call.
    """
    try:
        return await call
    except UpstreamError as exc:
        if exc.twilio_code == 20404:
            exc.message = f"{what} was not found on this account."
            exc.remediation = remediation
        raise


def _missing_service(sid: str) -> list[str]:
    return [
        f"Check the SID {sid}: list the account's services with messaging_services_list.",
        "A service of another account or subaccount is not visible with these credentials.",
    ]


def url_warnings(services: Services, changes: ServiceChanges) -> list[str]:
    """Warnings for the webhook URLs among the changes.

    Raises:
        InputError: a URL is not absolute, or plain http in live mode (input.insecure_url).
    """
    return webhook_warnings(changes.urls(), services.settings.mode)


def nothing_to_change(changes: ServiceChanges) -> None:
    """Raises:
    InputError: input.nothing_to_change when no setting is given.
    """
    if not changes.given():
        raise InputError(
            "Nothing to change: give at least one of " + ", ".join(ServiceChanges.model_fields) + ".",
            code="input.nothing_to_change",
            remediation=["Call messaging_service_update again with the settings to change."],
        )


def _created_between(after: datetime | None, before: datetime | None, service: MessagingService) -> bool:
    created = parse_iso(service.date_created)
    if created is None:
        return False
    return (after is None or created >= as_utc(after)) and (before is None or created < as_utc(before))


async def list_services(
    services: Services, *, after: datetime | None, before: datetime | None, limit: int, cursor: str | None
) -> Page[MessagingService]:
    """Messaging Services on the account. Twilio has no date filter here, so after/before are matched
    on date_created over at most DATE_SCAN services per call (the page says how many it scanned).

    Raises:
        InputError: the cursor is not one of ours, or was made for other filters.
    """
    dated = after is not None or before is not None
    return await services.twilio.messaging_services.list(
        limit=limit,
        cursor=cursor,
        keep=(lambda service: _created_between(after, before, service)) if dated else None,
        scan=DATE_SCAN,
        kept_by={"after": as_utc(after) if after else None, "before": as_utc(before) if before else None},
    )


async def fetch_service(services: Services, sid: str) -> MessagingService:
    """Raises:
    UpstreamError: twilio.20404 (with the tool that lists services) when there is no such service.
    """
    return await explain_missing(
        services.twilio.messaging_services.fetch(sid), f"Messaging Service {sid}", _missing_service(sid)
    )


async def get_service(services: Services, sid: str) -> ServiceWithSenders:
    """One service with its phone number senders.

    Raises:
        UpstreamError: twilio.20404 when no such service exists on the account.
    """
    service = await fetch_service(services, sid)
    senders = await services.twilio.messaging_services.senders(sid)
    return ServiceWithSenders(**service.model_dump(), senders=senders)


async def create_service(services: Services, friendly_name: str, changes: ServiceChanges) -> ConfiguredService:
    """Create a service; it comes back with any URL warnings.

    Raises:
        InputError: a webhook URL is refused.
    """
    warnings = url_warnings(services, changes)
    created = await services.twilio.messaging_services.create(friendly_name, changes)
    return ConfiguredService(**created.model_dump(), senders=[], warnings=warnings)


async def update_service(services: Services, sid: str, changes: ServiceChanges) -> ConfiguredService:
    """Change a service's settings; it comes back with its senders and any URL warnings.

    Raises:
        InputError: nothing to change, or a webhook URL is refused.
        UpstreamError: twilio.20404 when no such service exists.
    """
    nothing_to_change(changes)
    warnings = url_warnings(services, changes)
    gateway = services.twilio.messaging_services
    await explain_missing(gateway.update(sid, changes), f"Messaging Service {sid}", _missing_service(sid))
    service = await get_service(services, sid)
    return ConfiguredService(**service.model_dump(), warnings=warnings)


def _url_facts(urls: Mapping[str, str | None], prefix: str = "") -> list[Fact]:
    return [Fact(label=prefix + URL_LABELS[name], value=url or "none") for name, url in urls.items()]


def create_impact(friendly_name: str, changes: ServiceChanges) -> Impact:
    """What a create would do: a new service, and the URLs it would send traffic to."""
    given = {name: url for name, url in changes.urls().items() if url}
    return Impact(
        resource=f"new Messaging Service {friendly_name}",
        facts=_url_facts(given, "new "),
        reversibility="reversible",
    )


async def update_impact(services: Services, sid: str, changes: ServiceChanges) -> Impact:
    """What an update would do to a service that exists: its name, its URLs now and after, how many
    senders' traffic follows them.

    Raises:
        UpstreamError: twilio.20404 when there is no such service (so no approval is asked for).
    """
    service = await fetch_service(services, sid)
    senders = await services.twilio.messaging_services.senders(sid)
    now = {
        "inbound_request_url": service.inbound_request_url,
        "fallback_url": service.fallback_url,
        "status_callback": service.status_callback,
    }
    changed = {name: url for name, url in changes.urls().items() if url is not None}
    other = [
        Fact(label=f"new {name}", value=str(value)) for name, value in changes.given().items() if name not in changed
    ]
    return Impact(
        resource=f"Messaging Service {service.friendly_name or '(no name)'} ({service.sid})",
        facts=[*_url_facts(now), *_url_facts(changed, "new "), *other],
        blast_radius=[Fact(label="senders", value=f"{len(senders)} phone number(s) send and receive through it")],
        reversibility="reversible",
    )


async def add_sender(services: Services, service_sid: str, phone_number_sid: str) -> ServiceWithSenders:
    """Add a phone number to a service's sender pool; returns the service with its senders.

    Raises:
        UpstreamError: twilio.20404 (no such service), 21421 (number not on the account),
            21710 (already in this service), 21712 (in another service).
    """
    gateway = services.twilio.messaging_services
    try:
        await explain_missing(
            gateway.add_sender(service_sid, phone_number_sid),
            f"Messaging Service {service_sid}",
            _missing_service(service_sid),
        )
    except UpstreamError as exc:
        steps = {
            21421: [
                f"{phone_number_sid} is not a phone number on this account; find its PN... SID with numbers_list.",
            ],
            21710: ["Nothing to do: the number already sends for this service (see messaging_service_get)."],
            21712: [
                "A number belongs to one service at a time: find the service holding it with "
                "messaging_services_list and messaging_service_get.",
                "Remove it there with messaging_service_sender_remove, then add it here again.",
            ],
        }.get(exc.twilio_code or 0)
        if steps:
            exc.remediation = steps
        raise
    return await get_service(services, service_sid)


async def remove_sender(services: Services, service_sid: str, phone_number_sid: str) -> ServiceWithSenders:
    """Take a phone number out of a service's sender pool; returns the service with its senders.

    Raises:
        UpstreamError: twilio.20404 when the service does not exist or the number is not one of its senders.
    """
    await explain_missing(
        services.twilio.messaging_services.remove_sender(service_sid, phone_number_sid),
        f"Sender {phone_number_sid} in Messaging Service {service_sid}",
        [
            f"Check the service's senders with messaging_service_get (sid={service_sid}).",
            "Check the service SID with messaging_services_list.",
        ],
    )
    return await get_service(services, service_sid)
