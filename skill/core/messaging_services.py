"""Messaging Services: list, read with their senders, create, change settings, add and remove senders."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any, TypeVar

from skill.core.context import Services
from skill.core.urls import webhook_warnings
from skill.errors import InputError, UpstreamError

T = TypeVar("T")
SETTINGS = (
    "friendly_name",
    "status_callback",
    "inbound_request_url",
    "sticky_sender",
    "area_code_geomatch",
    "smart_encoding",
    "validity_period",
    "fallback_to_long_code",
)
URL_SETTINGS = ("status_callback", "inbound_request_url")


def public_service(raw: dict[str, Any]) -> dict[str, Any]:
    return {
        "sid": raw.get("sid"),
        "friendly_name": raw.get("friendly_name"),
        "inbound_request_url": raw.get("inbound_request_url") or None,
        "inbound_method": raw.get("inbound_method"),
        "status_callback": raw.get("status_callback") or None,
        "sticky_sender": raw.get("sticky_sender"),
        "area_code_geomatch": raw.get("area_code_geomatch"),
        "smart_encoding": raw.get("smart_encoding"),
        "fallback_to_long_code": raw.get("fallback_to_long_code"),
        "validity_period": raw.get("validity_period"),
        "usecase": raw.get("usecase"),
        "us_app_to_person_registered": raw.get("us_app_to_person_registered"),
        "date_created": raw.get("date_created"),
        "date_updated": raw.get("date_updated"),
    }


def public_sender(raw: dict[str, Any]) -> dict[str, Any]:
    caps = raw.get("capabilities")
    return {
        "sid": raw.get("sid"),
        "phone_number": raw.get("phone_number"),
        "country_code": raw.get("country_code"),
        "capabilities": [str(c) for c in caps] if isinstance(caps, list) else [],
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


def url_warnings(services: Services, settings: dict[str, Any]) -> list[str]:
    """Warnings for the webhook URLs among settings.

    Raises:
        InputError: a URL is not absolute, or plain http in live mode (input.insecure_url).
    """
    return webhook_warnings({field: settings.get(field) for field in URL_SETTINGS}, services.settings.mode)


def nothing_to_change(given: dict[str, Any]) -> None:
    """Raises:
    InputError: input.nothing_to_change when no setting is given.
    """
    if not given:
        raise InputError(
            "Nothing to change: give at least one of " + ", ".join(SETTINGS) + ".",
            code="input.nothing_to_change",
            remediation=["Call messaging_service_update again with the settings to change."],
        )


async def list_services(services: Services, limit: int) -> list[dict[str, Any]]:
    return [public_service(raw) for raw in await services.twilio.messaging_services.list(limit)]


async def get_service(services: Services, sid: str) -> dict[str, Any]:
    """One service with its phone number senders.

    Raises:
        UpstreamError: twilio.20404 when no such service exists on the account.
    """
    gateway = services.twilio.messaging_services
    service = public_service(
        await explain_missing(gateway.fetch(sid), f"Messaging Service {sid}", _missing_service(sid))
    )
    service["senders"] = [public_sender(raw) for raw in await gateway.senders(sid)]
    return service


async def create_service(services: Services, settings: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """Create a service; returns it and any URL warnings.

    Raises:
        InputError: a webhook URL is refused.
    """
    given = {key: value for key, value in settings.items() if value is not None}
    warnings = url_warnings(services, given)
    name = given.pop("friendly_name")
    created = await services.twilio.messaging_services.create(name, **given)
    return {**public_service(created), "senders": []}, warnings


async def update_service(services: Services, sid: str, settings: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """Change a service's settings; returns it (with senders) and any URL warnings.

    Raises:
        InputError: nothing to change, or a webhook URL is refused.
        UpstreamError: twilio.20404 when no such service exists.
    """
    given = {key: value for key, value in settings.items() if value is not None}
    nothing_to_change(given)
    warnings = url_warnings(services, given)
    gateway = services.twilio.messaging_services
    await explain_missing(gateway.update(sid, **given), f"Messaging Service {sid}", _missing_service(sid))
    return await get_service(services, sid), warnings


async def add_sender(services: Services, service_sid: str, phone_number_sid: str) -> dict[str, Any]:
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


async def remove_sender(services: Services, service_sid: str, phone_number_sid: str) -> dict[str, Any]:
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
