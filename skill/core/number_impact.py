"""What a gated change to a phone number would do, for the operator who approves it: the number in
full, what it serves now (webhooks, Messaging Service), its traffic over the last 30 days, and
whether the change can be undone. Each check also refuses a change that could not run (an unknown
number, one the account already owns), so no operator is asked to approve it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

from skill.core import pricing
from skill.core.context import Services
from skill.core.display import quoted
from skill.core.numbers import to_e164
from skill.core.timeutil import upstream_now
from skill.errors import InputError, SkillError, UpstreamError
from skill.records.approvals import Cost, Fact, Impact
from skill.records.numbers import PhoneNumber

TRAFFIC_DAYS = 30
TRAFFIC_CAP = 100  # messages or calls counted per direction; more reads "100+"
SERVICES_CAP = 20  # Messaging Services looked through for the number
LABELS = {
    "sms_url": "SMS URL",
    "sms_method": "SMS method",
    "sms_fallback_url": "SMS fallback URL",
    "voice_url": "voice URL",
    "voice_method": "voice method",
    "voice_fallback_url": "voice fallback URL",
    "status_callback": "status callback",
    "friendly_name": "name",
}
KINDS = {"TOLL_FREE": "toll_free", "MOBILE": "mobile", "FIXED_LINE": "local", "FIXED_LINE_OR_MOBILE": "local"}
PRICED: dict[str, pricing.NumberKind] = {"local": "local", "mobile": "mobile", "toll_free": "toll_free"}


def resource(phone_number: str, friendly_name: str | None) -> str:
    named = f" {quoted(friendly_name)}" if friendly_name and friendly_name != phone_number else ""
    return f"Phone number {phone_number}{named}"


def settings_now(number: PhoneNumber) -> list[Fact]:
    """The number's webhooks as they are (the ones it has), its kind and what it can do."""
    facts = [
        Fact(label="SMS URL", value=number.sms_url or "none"),
        Fact(label="voice URL", value=number.voice_url or "none"),
    ]
    for field in ("sms_fallback_url", "voice_fallback_url", "status_callback"):
        value = getattr(number, field)
        if value:
            facts.append(Fact(label=LABELS[field], value=value))
    caps = number.capabilities
    can = [name for name, on in (("SMS", caps.sms), ("MMS", caps.mms), ("voice", caps.voice)) if on]
    facts.append(Fact(label="kind", value=f"{number.kind or 'unknown'}; {', '.join(can) or 'no capabilities'}"))
    return facts


async def service_fact(services: Services, number: PhoneNumber) -> Fact:
    """The Messaging Service(s) sending from the number (their inbound settings override its SMS URL)."""
    try:
        using, complete = await services.twilio.numbers.services_using(number.sid, SERVICES_CAP)
    except UpstreamError as exc:
        return Fact(label="messaging service", value=f"unknown ({exc.code})")
    if using:
        value = ", ".join(f"{quoted(service.friendly_name or '')} ({service.sid})" for service in using)
    else:
        value = "none" if complete else f"none among the first {SERVICES_CAP} services"
    return Fact(label="messaging service", value=value)


async def traffic(services: Services, number: PhoneNumber) -> list[Fact]:
    """Messages and calls on the number over the last TRAFFIC_DAYS days (on Twilio's clock)."""
    window = f"last {TRAFFIC_DAYS} days"
    since = datetime.fromtimestamp(upstream_now(services) - TRAFFIC_DAYS * 86400, UTC)
    try:
        seen = await services.twilio.numbers.traffic(number.phone_number, since, TRAFFIC_CAP)
    except UpstreamError as exc:
        return [Fact(label=f"traffic, {window}", value=f"unknown ({exc.code})")]
    return [
        Fact(
            label=f"messages, {window}",
            value=f"{seen.messages_sent.text()} sent, {seen.messages_received.text()} received",
        ),
        Fact(label=f"calls, {window}", value=f"{seen.calls_made.text()} made, {seen.calls_received.text()} received"),
    ]


async def monthly_fee(services: Services, phone_number: str, kind: str | None) -> Cost | str:
    """The number's monthly fee from Twilio's published prices, or why it is unknown."""
    country, parsed_kind = country_and_kind(phone_number)
    wanted = PRICED.get(kind or "") or PRICED.get(parsed_kind)
    if wanted is None:
        return f"unknown (no price list for {kind or parsed_kind} numbers)"
    try:
        estimate = await pricing.number_monthly_price(services, country, wanted)
    except SkillError as exc:
        return f"unknown ({exc.code})"
    return pricing.as_cost(estimate)


async def release_impact(services: Services, sid: str) -> Impact:
    """What releasing a number would stop.

    Raises:
        UpstreamError: twilio.20404 when the account has no such number.
    """
    number = await services.twilio.numbers.fetch(sid)
    fee = await monthly_fee(services, number.phone_number, number.kind)
    return Impact(
        resource=resource(number.phone_number, number.friendly_name),
        facts=[
            *settings_now(number),
            await service_fact(services, number),
            Fact(label="monthly fee it stops", value=fee.text() if isinstance(fee, Cost) else fee),
        ],
        blast_radius=await traffic(services, number),
        reversibility="not reversible",
    )


async def configure_impact(services: Services, sid: str, changes: Mapping[str, str | None]) -> Impact:
    """What repointing a number would move: each setting from what it is to what it would be.

    Raises:
        UpstreamError: twilio.20404 when the account has no such number.
    """
    number = await services.twilio.numbers.fetch(sid)
    facts = [
        Fact(label=LABELS.get(field, field), value=f"{getattr(number, field, None) or 'none'} → {value}")
        for field, value in changes.items()
        if value is not None
    ]
    return Impact(
        resource=resource(number.phone_number, number.friendly_name),
        facts=[*facts, await service_fact(services, number)],
        blast_radius=await traffic(services, number),
        reversibility="reversible",
    )


def country_and_kind(e164: str) -> tuple[str, str]:
    """The number's ISO country and its kind as the numbering plan has it (local, mobile, toll_free)."""
    import phonenumbers

    parsed = phonenumbers.parse(e164, None)
    names = {value: name for name, value in vars(phonenumbers.PhoneNumberType).items() if name.isupper()}
    kind = KINDS.get(names.get(phonenumbers.number_type(parsed), ""), "other")
    return phonenumbers.region_code_for_number(parsed) or "unknown", kind


async def buy_impact(
    services: Services, *, phone_number: str, friendly_name: str | None, sms_url: str | None, voice_url: str | None
) -> Impact:
    """What buying a number would commit to; refuses one the account already owns.

    Raises:
        InputError: input.invalid_phone, or input.number_owned when numbers_list already shows it.
    """
    e164 = to_e164(phone_number, services.settings.default_region)
    try:
        owned = (await services.twilio.numbers.list_page(phone_number=e164, limit=1)).items
    except UpstreamError:
        owned = []  # e.g. test credentials may buy but not list; Twilio itself refuses a number taken
    if owned:
        raise InputError(
            f"The account already owns {e164} ({owned[0].sid}); nothing to buy.",
            code="input.number_owned",
            remediation=[
                f"Configure it with number_configure(sid={owned[0].sid}) instead.",
                "Or run number_search and buy one of the numbers it returns.",
            ],
        )
    country, kind = country_and_kind(e164)
    fee = await monthly_fee(services, e164, kind)
    facts = [
        Fact(label="country", value=country),
        Fact(label="kind", value=kind),
        Fact(label="SMS URL", value=sms_url or "none"),
        Fact(label="voice URL", value=voice_url or "none"),
    ]
    if not isinstance(fee, Cost):
        facts.append(Fact(label="monthly fee", value=fee))
    return Impact(
        resource=resource(e164, friendly_name),
        facts=facts,
        cost=fee if isinstance(fee, Cost) else None,
        reversibility="costs money",
    )
