"""Programmable Voice calls: place, read, list, hang up or redirect them, and describe what a gated
call would do. Inline TwiML is linted before any request leaves (skill.core.call_documents);
recordings and conferences are skill.core.recordings."""

from __future__ import annotations

from datetime import datetime

from skill.catalog import brief
from skill.core import phones
from skill.core.call_documents import check_document
from skill.core.context import Services
from skill.core.display import quoted
from skill.core.pricing import as_cost
from skill.core.spend import estimate_call
from skill.core.timeutil import as_utc
from skill.core.urls import check_twilio_url
from skill.errors import InputError, SkillError, UpstreamError, twilio_docs_url
from skill.records.approvals import Cost, Fact, Impact
from skill.records.calls import Call, CallReport
from skill.records.page import Page

CLIENT_PREFIX = "client:"
SIP_PREFIX = "sip:"
# How many of a failed call's notifications to read when looking for its error.
NOTIFICATIONS_READ = 5
FINAL_STATUSES = frozenset({"completed", "busy", "failed", "no-answer", "canceled"})
NOT_ANSWERED = frozenset({"queued", "ringing"})


def normalize_callee(value: str, *, region: str) -> str:
    """A call destination: a phone number in E.164, or a client:NAME or sip: address kept as given.

    Raises:
        InputError: input.invalid_phone when it is none of those.
    """
    text = value.strip()
    lowered = text.lower()
    for prefix in (CLIENT_PREFIX, SIP_PREFIX):
        if lowered.startswith(prefix):
            rest = text[len(prefix) :]
            if rest and " " not in rest and (prefix == CLIENT_PREFIX or "@" in rest):
                return prefix + rest
            raise InputError(
                f"'to' value {quoted(value)} is not a valid {prefix[:-1]} address.",
                code="input.invalid_phone",
                remediation=[
                    "Use client:NAME for a Voice SDK client, or sip:user@host for a SIP endpoint.",
                    "Or give a phone number in E.164, e.g. +14155550100.",
                ],
            )
    return phones.to_e164(text, region=region, field="to")


def check_call(
    services: Services, *, to: str, from_: str, url: str | None, twiml: str | None, status_callback: str | None = None
) -> tuple[str, str]:
    """The local checks of a new call, run before the policy gate; returns (to, from) normalised.

    Raises:
        InputError: bad numbers, url/twiml missing or doubled, a URL refused, TwiML too long or invalid.
        PolicyError: inline TwiML dials a country the policy does not allow.
    """
    check_document(services, url, twiml, required=True)
    if status_callback is not None:
        check_twilio_url(status_callback, field="status_callback")
    region = services.settings.default_region
    return normalize_callee(to, region=region), phones.to_e164(from_, region=region, field="from")


def _instructions(url: str | None, twiml: str | None) -> Fact:
    return Fact(label="instructions", value=url if url is not None else f"inline TwiML ({len(twiml or '')} characters)")


async def describe_new_call(
    services: Services,
    *,
    to: str,
    from_: str,
    url: str | None,
    twiml: str | None,
    record: bool | None = None,
    timeout: int | None = None,
) -> Impact:
    """What placing a call would do, for an operator asked to approve it, with its estimated cost
    when Twilio's prices give one; no call is placed.

    Raises:
        InputError: as check_call.
    """
    callee, caller = check_call(services, to=to, from_=from_, url=url, twiml=twiml)
    facts = [Fact(label="caller ID", value=caller), _instructions(url, twiml)]
    if record:
        facts.append(Fact(label="recorded", value="yes"))
    if timeout:
        facts.append(Fact(label="rings for", value=f"{timeout} s"))
    try:
        cost: Cost | None = as_cost(await estimate_call(services, "call_create", {"to": callee}))
    except SkillError:
        cost = None  # no price listed or reachable: the operator is asked without one
    return Impact(resource=f"a call to {callee}", facts=facts, cost=cost, reversibility="costs money")


async def create_call(
    services: Services,
    *,
    to: str,
    from_: str,
    url: str | None,
    twiml: str | None,
    status_callback: str | None = None,
    status_callback_events: list[str] | None = None,
    record: bool | None = None,
    timeout: int | None = None,
    machine_detection: str | None = None,
) -> Call:
    """Place one outbound call after the local checks.

    Raises:
        InputError: bad numbers, url/twiml missing or doubled, TwiML too long or invalid.
        UpstreamError: Twilio refused the call.
    """
    callee, caller = check_call(services, to=to, from_=from_, url=url, twiml=twiml, status_callback=status_callback)
    return await services.twilio.calls.create(
        to=callee,
        from_=caller,
        url=url,
        twiml=twiml,
        status_callback=status_callback,
        status_callback_event=status_callback_events,
        record_call=record,
        timeout=timeout,
        machine_detection=machine_detection,
    )


async def get_call(services: Services, sid: str) -> CallReport:
    """One call; a failed one comes with the error Twilio logged for it, explained.

    Raises:
        UpstreamError: twilio.20404 when there is no such call.
    """
    call = await services.twilio.calls.fetch(sid)
    report = CallReport(**call.model_dump())
    if call.status != "failed":
        return report
    for notification in await services.twilio.calls.notifications(sid, limit=NOTIFICATIONS_READ):
        if notification.error_code:
            reported = notification.message_text or None
            explained = brief(notification.error_code, services.settings, reported).model_copy(
                update={"detail": reported}
            )
            return report.model_copy(update={"error": explained})
    return report


async def list_calls(
    services: Services,
    *,
    to: str | None,
    from_: str | None,
    status: str | None,
    after: datetime | None,
    before: datetime | None,
    limit: int,
    cursor: str | None,
) -> Page[Call]:
    """Calls, newest first, filtered at Twilio (after/before are the start time).

    Raises:
        InputError: a filter number is not valid, or the cursor is not one of ours.
    """
    region = services.settings.default_region
    return await services.twilio.calls.list(
        to=normalize_callee(to, region=region) if to else None,
        from_=phones.to_e164(from_, region=region, field="from") if from_ else None,
        status=status,
        start_time_after=as_utc(after) if after else None,
        start_time_before=as_utc(before) if before else None,
        limit=limit,
        cursor=cursor,
    )


def check_update(services: Services, *, status: str | None, url: str | None, twiml: str | None) -> None:
    """The local checks of a call update, run before the policy gate.

    Raises:
        InputError: nothing or too much asked, or invalid inline TwiML.
        PolicyError: inline TwiML dials a country the policy does not allow.
    """
    if status is None and url is None and twiml is None:
        raise InputError(
            "Nothing to change: give status, url or twiml.",
            code="input.update_required",
            remediation=[
                "status=canceled ends a queued or ringing call; status=completed hangs up one in progress.",
                "url or twiml redirects a live call to new instructions.",
            ],
        )
    if status is not None and (url is not None or twiml is not None):
        raise InputError(
            "Give status to end the call, or url/twiml to redirect it, not both.",
            code="input.update_conflict",
            remediation=["Make two calls if you need both, redirect first."],
        )
    check_document(services, url, twiml, required=False)


def _not_in_state(call: Call, wanted: str, steps: list[str]) -> UpstreamError:
    return UpstreamError(
        f"Call {call.sid} is {call.status}: it cannot be {wanted}. Nothing was changed.",
        code="twilio.21220",
        twilio_code=21220,
        docs_url=twilio_docs_url(21220),
        remediation=steps,
    )


async def describe_call_update(
    services: Services, sid: str, *, status: str | None, url: str | None, twiml: str | None
) -> Impact:
    """The call an update would end or redirect, confirmed to be in a state that allows it.

    Raises:
        InputError: as check_update.
        UpstreamError: twilio.20404 for an unknown call; twilio.21220 when it has ended, or when
            canceling a call that is already answered.
    """
    check_update(services, status=status, url=url, twiml=twiml)
    call = await services.twilio.calls.fetch(sid)
    if call.status in FINAL_STATUSES:
        raise _not_in_state(call, "ended or redirected any more", ["Check it with call_get; there is nothing to do."])
    if status == "canceled" and call.status not in NOT_ANSWERED:
        raise _not_in_state(call, "canceled once answered", ["Use status=completed to hang up a call in progress."])
    facts = [
        Fact(label="from", value=call.from_ or "unknown"),
        Fact(label="status", value=call.status or "unknown"),
    ]
    if call.start_time:
        facts.append(Fact(label="started", value=call.start_time))
    if status is not None:
        return Impact(resource=f"call {call.sid} to {call.to}", facts=facts, reversibility="not reversible")
    facts.append(Fact(label="redirect to", value=_instructions(url, twiml).value))
    return Impact(resource=f"live call {call.sid} to {call.to}", facts=facts, reversibility="reversible")


async def update_call(services: Services, sid: str, *, status: str | None, url: str | None, twiml: str | None) -> Call:
    """End a call (canceled before it is answered, completed once it is) or redirect it to new TwiML.

    Raises:
        InputError: nothing or too much asked, or invalid inline TwiML.
        UpstreamError: twilio.21220 when the call is not in a state that allows the change.
    """
    check_update(services, status=status, url=url, twiml=twiml)
    return await services.twilio.calls.update(sid, status=status, url=url, twiml=twiml)
