"""Verify v2: list and create services, start a verification within local send limits, check a code.

Local limits, applied before anything is sent or spent: a cooldown between sends to one
destination and a cap on sends per destination per hour ([limits] in the policy file). When
Twilio itself throttles (HTTP 429, 60203, 60212) the error offers another channel and the wait.
"""

from __future__ import annotations

import math
import re

from skill.core import phones
from skill.core.context import Services
from skill.core.pricing import as_cost
from skill.core.spend import estimate_call
from skill.errors import InputError, PolicyError, SkillError, UpstreamError
from skill.records.approvals import Cost, Fact, Impact
from skill.records.page import Page
from skill.records.verify import CodeCheck, Verification, VerifyService

CHANNELS = ("sms", "call", "email", "whatsapp")
HOUR = 3600
# Twilio closes a verification 10 minutes after it started; its limits reset with the next one.
VERIFICATION_LIFETIME = 600
THROTTLE_CODES = (60203, 60212)
# After Twilio throttled a destination, wait at least this long (or the local cooldown, if longer).
THROTTLE_BACKOFF = 60
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z0-9-]{2,}$")


def destination(services: Services, to: str, channel: str) -> str:
    """`to` as Twilio wants it for the channel: an email address, or a phone number in E.164.

    Raises:
        InputError: input.invalid_email or input.invalid_phone.
    """
    text = to.strip()
    if channel == "email":
        if len(text) > 254 or not EMAIL.match(text):
            raise InputError(
                f"'to' value {to!r} is not an email address, which channel 'email' needs.",
                code="input.invalid_email",
                remediation=["Pass the person's email address, e.g. name@example.com, or choose channel 'sms'."],
            )
        return text.lower()
    if "@" in text:
        raise InputError(
            f"'to' is an email address but channel is {channel!r}, which needs a phone number.",
            code="input.invalid_phone",
            remediation=["Use channel 'email' for an email address, or pass the person's phone number."],
        )
    return phones.to_e164(phones.bare_number(text), region=services.settings.default_region, field="to")


def other_channels(channel: str) -> str:
    """A remediation step offering the channels other than the one that was throttled."""
    if channel == "email":
        return "Offer another channel: verification_start with channel='sms' or 'call' to the person's phone number."
    voice_or_text = "'sms'" if channel == "call" else "'call' (a voice call reading the code)"
    return (
        f"Offer another channel: verification_start with channel={voice_or_text} to the same number, "
        "or channel='email' with the person's email address."
    )


def _seconds(value: float) -> int:
    return max(1, math.ceil(value))


def check_send_limits(services: Services, to: str, channel: str) -> None:
    """Refuse a send that would break the cooldown or the hourly cap for this destination.

    Raises:
        PolicyError: policy.verify_cooldown or policy.verify_rate_limited, with the wait in seconds.
    """
    policy, moment = services.policy, services.clock.now()
    recent = services.stores.verify_sends.since(services.profile, to, moment - HOUR)
    cooldown, cap = policy.verify_cooldown_seconds, policy.verify_sends_per_hour
    if recent and moment - recent[-1] < cooldown:
        wait = _seconds(cooldown - (moment - recent[-1]))
        raise PolicyError(
            f"A code was sent to this destination {int(moment - recent[-1])} seconds ago; "
            f"wait {wait} seconds before sending another (cooldown {cooldown} s). Nothing was sent.",
            code="policy.verify_cooldown",
            retryable=True,
            remediation=[
                "Ask the person to enter the code already sent, and check it with verification_check.",
                f"If it has not arrived, send again after {wait} seconds.",
                other_channels(channel),
            ],
        )
    if len(recent) >= cap:
        wait = _seconds(recent[-cap] + HOUR - moment)
        raise PolicyError(
            f"{len(recent)} codes were sent to this destination in the last hour (limit {cap}); "
            f"the next send is possible in {wait} seconds. Nothing was sent.",
            code="policy.verify_rate_limited",
            retryable=True,
            remediation=[
                "Ask the person to use a code already sent, and check it with verification_check.",
                f"Otherwise wait {wait} seconds before sending again.",
                other_channels(channel),
                "Repeated requests for one destination can be SMS pumping fraud; do not raise the limit for it.",
            ],
        )


def _expiry_wait(services: Services, to: str | None) -> int:
    """Seconds until the verification open for `to` expires, from the sends recorded here."""
    if to is None:
        return VERIFICATION_LIFETIME
    moment = services.clock.now()
    sent = services.stores.verify_sends.since(services.profile, to, moment - VERIFICATION_LIFETIME)
    return _seconds(sent[0] + VERIFICATION_LIFETIME - moment) if sent else VERIFICATION_LIFETIME


def _throttled(services: Services, error: UpstreamError, to: str, channel: str) -> UpstreamError:
    """Twilio throttled the send: say how long to wait and which channel to offer instead."""
    if error.twilio_code == 60203:
        wait = _expiry_wait(services, to)
        first = "Check the code the person already has with verification_check instead of sending another."
        then = f"Sends to this verification are used up; it expires in about {wait} seconds."
    else:
        wait = max(THROTTLE_BACKOFF, services.policy.verify_cooldown_seconds)
        first = f"Wait about {wait} seconds before starting another verification for this destination."
        then = "Verifications for this destination are being started too quickly; look for a retry loop."
    error.remediation = [first, then, other_channels(channel)]
    error.retryable = False
    return error


async def list_services(services: Services, *, limit: int, cursor: str | None) -> Page[VerifyService]:
    """Verify services of the account, a page at a time.

    Raises:
        InputError: input.invalid_cursor.
    """
    return await services.twilio.verify.list_services(limit=limit, cursor=cursor)


async def create_service(
    services: Services, *, friendly_name: str, code_length: int | None, lookup_enabled: bool | None
) -> VerifyService:
    return await services.twilio.verify.create_service(
        friendly_name=friendly_name, code_length=code_length, lookup_enabled=lookup_enabled
    )


CODE_LENGTHS = range(4, 11)


async def update_service(
    services: Services, sid: str, *, code_length: int | None, lookup_enabled: bool | None
) -> VerifyService:
    """Change a Verify service's code length or lookup setting.

    Raises:
        InputError: input.nothing_to_change, or a code length outside 4-10.
        UpstreamError: twilio.20404 when there is no such service, or another refusal.
    """
    if code_length is None and lookup_enabled is None:
        raise InputError(
            "Nothing to change: give code_length or lookup_enabled.",
            code="input.nothing_to_change",
            remediation=["Say which setting of the Verify service to change."],
        )
    if code_length is not None and (isinstance(code_length, bool) or code_length not in CODE_LENGTHS):
        raise InputError(
            f"code_length {code_length!r} must be a whole number from 4 to 10.",
            code="input.invalid",
            remediation=["Give code_length from 4 to 10 (Twilio's default is 6)."],
        )
    if lookup_enabled is not None and not isinstance(lookup_enabled, bool):
        raise InputError(
            f"lookup_enabled {str(lookup_enabled)[:40]!r} must be true or false.",
            code="input.invalid",
            remediation=["Give lookup_enabled as true or false."],
        )
    return await services.twilio.verify.update_service(sid, code_length=code_length, lookup_enabled=lookup_enabled)


def check_start(services: Services, *, to: str, channel: str) -> str:
    """The local checks of a send: `to` fits the channel, and the local limits allow a send to it now.

    Raises:
        InputError: input.invalid_email or input.invalid_phone.
        PolicyError: policy.verify_cooldown or policy.verify_rate_limited.
    """
    address = destination(services, to, channel)
    check_send_limits(services, address, channel)
    return address


async def _estimated_cost(services: Services, *, to: str, channel: str) -> Cost | None:
    try:
        return as_cost(await estimate_call(services, "verification_start", {"to": to, "channel": channel}))
    except SkillError:
        return None  # no price to show; the spend caps, when set, judge the cost on their own


async def start_impact(services: Services, *, service_sid: str, to: str, channel: str) -> Impact:
    """What a send waiting for an operator would do: which service sends, by what, at what cost.

    Raises:
        UpstreamError: twilio.20404 when there is no such service.
    """
    service = await services.twilio.verify.fetch_service(service_sid)
    return Impact(
        cost=await _estimated_cost(services, to=to, channel=channel),
        resource=f"Verify service {service.friendly_name or '(unnamed)'} ({service.sid})",
        facts=[
            Fact(label="channel", value=channel),
            Fact(label="code length", value=str(service.code_length or 6)),
        ],
        reversibility="costs money",
    )


async def start_verification(
    services: Services, *, service_sid: str, to: str, channel: str, locale: str | None
) -> Verification:
    """Send a verification code, after the local limits allow it.

    Raises:
        InputError: `to` does not fit the channel.
        PolicyError: policy.verify_cooldown / policy.verify_rate_limited; nothing was sent.
        UpstreamError: Twilio refused; throttling errors offer another channel and the wait.
    """
    address = check_start(services, to=to, channel=channel)
    try:
        started = await services.twilio.verify.start(service_sid, to=address, channel=channel, locale=locale)
    except UpstreamError as error:
        if error.http_status == 429 or error.twilio_code in THROTTLE_CODES:
            raise _throttled(services, error, address, channel) from None
        raise
    services.stores.verify_sends.record(services.profile, address, channel, at=services.clock.now())
    return started


def check_target(services: Services, *, to: str | None, verification_sid: str | None) -> str | None:
    """The destination to check against, normalised (None when the verification is named by SID).

    Raises:
        InputError: neither or both of to and verification_sid; `to` is not a phone number or email.
    """
    if bool(to) == bool(verification_sid):
        raise InputError(
            "Give exactly one of 'to' and verification_sid to say which verification to check.",
            code="input.verification_target",
            remediation=["Pass the same 'to' used with verification_start, or the SID (VE...) it returned."],
        )
    return destination(services, to, "email" if "@" in to else "sms") if to else None


async def check_verification(
    services: Services, *, service_sid: str, code: str, to: str | None, verification_sid: str | None
) -> CodeCheck:
    """Check a code against the open verification for `to` (or the one named by verification_sid).

    Raises:
        InputError: neither or both of to and verification_sid.
        UpstreamError: twilio.20404 (none open: expired, approved or never started), twilio.60202.
    """
    address = check_target(services, to=to, verification_sid=verification_sid)
    try:
        checked = await services.twilio.verify.check(
            service_sid, code=code, to=address, verification_sid=verification_sid
        )
    except UpstreamError as error:
        if error.twilio_code == 60202:
            wait = _expiry_wait(services, address)
            error.remediation = [
                "Stop checking: this verification takes no more attempts.",
                f"After it expires (about {wait} seconds), start a new one with verification_start.",
                "Offer another channel for the new code: channel='call' to the same number, "
                "or channel='email' with the person's email address.",
            ]
        elif error.http_status == 404:
            error.remediation = [
                "No verification is open for this destination: it expired (10 minutes), was already approved, "
                "or was never started.",
                "Start a new one with verification_start and check the new code.",
            ]
        raise
    return CodeCheck(**checked.model_dump(), approved=checked.status == "approved")
