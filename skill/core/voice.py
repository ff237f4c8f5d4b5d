"""Programmable Voice: place, read, list, hang up or redirect calls; list and delete recordings;
list conferences. Inline TwiML is linted before any request leaves."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from skill.catalog import brief
from skill.core import phones
from skill.core.context import Services
from skill.core.timeutil import as_utc
from skill.core.urls import check_twilio_url
from skill.core.values import int_or_none
from skill.errors import InputError, PolicyError, twilio_docs_url

MAX_TWIML_CHARACTERS = 4000  # Twilio refuses longer inline documents with 32018
CLIENT_PREFIX = "client:"
SIP_PREFIX = "sip:"
# How many of a failed call's notifications to read when looking for its error.
NOTIFICATIONS_READ = 5


def public_call(raw: dict[str, Any]) -> dict[str, Any]:
    """The fields of a Call resource the tools report, with the duration as an integer."""
    return {
        "sid": raw.get("sid"),
        "status": raw.get("status"),
        "to": raw.get("to"),
        "from": raw.get("from"),
        "direction": raw.get("direction"),
        "answered_by": raw.get("answered_by"),
        "parent_call_sid": raw.get("parent_call_sid"),
        "start_time": raw.get("start_time"),
        "end_time": raw.get("end_time"),
        "duration": int_or_none(raw.get("duration")),
        "price": raw.get("price"),
        "price_unit": raw.get("price_unit"),
        "date_created": raw.get("date_created"),
        "date_updated": raw.get("date_updated"),
    }


def public_recording(raw: dict[str, Any]) -> dict[str, Any]:
    return {
        "sid": raw.get("sid"),
        "call_sid": raw.get("call_sid"),
        "conference_sid": raw.get("conference_sid"),
        "status": raw.get("status"),
        "source": raw.get("source"),
        "duration": int_or_none(raw.get("duration")),
        "channels": int_or_none(raw.get("channels")),
        "price": raw.get("price"),
        "price_unit": raw.get("price_unit"),
        "start_time": raw.get("start_time"),
        "date_created": raw.get("date_created"),
        "media_url": raw.get("media_url"),
    }


def public_conference(raw: dict[str, Any]) -> dict[str, Any]:
    return {
        "sid": raw.get("sid"),
        "friendly_name": raw.get("friendly_name"),
        "status": raw.get("status"),
        "region": raw.get("region"),
        "reason_conference_ended": raw.get("reason_conference_ended"),
        "date_created": raw.get("date_created"),
        "date_updated": raw.get("date_updated"),
    }


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
                f"'to' value {value!r} is not a valid {prefix[:-1]} address.",
                code="input.invalid_phone",
                remediation=[
                    "Use client:NAME for a Voice SDK client, or sip:user@host for a SIP endpoint.",
                    "Or give a phone number in E.164, e.g. +14155550100.",
                ],
            )
    return phones.to_e164(text, region=region, field="to")


def check_twiml(twiml: str) -> None:
    """Refuse an inline document Twilio would refuse or fail on, before any request leaves.

    Raises:
        InputError: input.twiml_too_long over 4000 characters; input.invalid_twiml when the linter
            finds errors (the findings are in the message and the remediation).
    """
    if len(twiml) > MAX_TWIML_CHARACTERS:
        raise InputError(
            f"The TwiML has {len(twiml)} characters; Twilio takes at most {MAX_TWIML_CHARACTERS} inline. "
            "Nothing was sent.",
            code="input.twiml_too_long",
            twilio_code=32018,
            docs_url=twilio_docs_url(32018),
            remediation=[
                "Serve the document from a URL and pass it as url instead of twiml.",
                "Or shorten it: move long <Say> text into a <Play> of a recorded file.",
            ],
        )
    from skill.core.twiml_lint import lint_errors

    errors = lint_errors(twiml, "voice")
    if errors:
        found = "; ".join(f"{error.path}: {error.message}" for error in errors)
        raise InputError(
            f"The TwiML has {len(errors)} error(s) Twilio would fail on: {found} Nothing was sent.",
            code="input.invalid_twiml",
            twilio_code=errors[0].twilio_code,
            docs_url=twilio_docs_url(errors[0].twilio_code) if errors[0].twilio_code else None,
            remediation=[
                *(f"{error.path}: {error.remediation}" for error in errors),
                "Then make the same call again with the corrected twiml.",
            ],
        )


def _dialled_numbers(twiml: str) -> list[str]:
    """The phone numbers a valid document dials: <Number> nouns of <Dial>, and a number written as
    <Dial>'s own text."""
    import xml.etree.ElementTree as ET

    from skill.core.twiml_checks import local_name, own_text

    try:
        root = ET.fromstring(twiml)  # only after the linter passed it: no declarations, well formed
    except ET.ParseError:
        return []
    found: list[str] = []
    for dial in (element for element in root.iter() if local_name(element.tag) == "Dial"):
        if text := own_text(dial).strip():
            found.append(text)
        found.extend(
            number for child in dial if local_name(child.tag) == "Number" and (number := (child.text or "").strip())
        )
    return found


def check_dial_countries(services: Services, twiml: str) -> None:
    """Refuse inline TwiML that dials a number outside the policy's allowed countries.

    Raises:
        PolicyError: policy.country_not_allowed.
    """
    for number in _dialled_numbers(twiml):
        region = phones.region_of(number, services.settings.default_region)
        if services.policy.country_allowed(region):
            continue
        allowed = ", ".join(services.policy.allowed_countries) or "none"
        where = f"a number in {region}" if region else "a number whose country cannot be told"
        raise PolicyError(
            f"The TwiML dials {where} (<Dial>), which is not allowed by the policy (allowed: {allowed}). "
            "Nothing was sent.",
            code="policy.country_not_allowed",
            remediation=[
                "Do not retry with this <Dial> target; tell the person it is outside the allowed countries.",
                "Write dialled numbers in E.164 (+ and the country code) so their country can be told.",
                "An operator can add the country to [limits].allowed_countries in the policy file.",
            ],
        )


def _check_document(services: Services, url: str | None, twiml: str | None, *, required: bool) -> None:
    """Raises:
    InputError: both url and twiml given, or (when required) neither; invalid inline TwiML.
    PolicyError: inline TwiML dials a country the policy does not allow.
    """
    if url is not None and twiml is not None:
        raise InputError(
            "Give either url or twiml, not both.",
            code="input.document_conflict",
            remediation=["Keep url to have Twilio fetch the instructions, or twiml to pass them inline."],
        )
    if required and url is None and twiml is None:
        raise InputError(
            "A call needs instructions: give url (where Twilio fetches TwiML) or twiml (inline).",
            code="input.document_required",
            twilio_code=21205,
            remediation=[
                "Pass url with a public http(s) URL that answers with TwiML, or",
                "pass twiml with a short document, e.g. <Response><Say>Hello</Say></Response>.",
            ],
        )
    if url is not None:
        check_twilio_url(url, field="url")
    if twiml is not None:
        check_twiml(twiml)
        check_dial_countries(services, twiml)


def check_call(
    services: Services, *, to: str, from_: str, url: str | None, twiml: str | None, status_callback: str | None = None
) -> tuple[str, str]:
    """The local checks of a new call, run before the policy gate; returns (to, from) normalised.

    Raises:
        InputError: bad numbers, url/twiml missing or doubled, a URL refused, TwiML too long or invalid.
        PolicyError: inline TwiML dials a country the policy does not allow.
    """
    _check_document(services, url, twiml, required=True)
    if status_callback is not None:
        check_twilio_url(status_callback, field="status_callback")
    region = services.settings.default_region
    return normalize_callee(to, region=region), phones.to_e164(from_, region=region, field="from")


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
) -> dict[str, Any]:
    """Place one outbound call after the local checks.

    Raises:
        InputError: bad numbers, url/twiml missing or doubled, TwiML too long or invalid.
        UpstreamError: Twilio refused the call.
    """
    callee, caller = check_call(services, to=to, from_=from_, url=url, twiml=twiml, status_callback=status_callback)
    raw = await services.twilio.calls.create(
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
    return public_call(raw)


async def get_call(services: Services, sid: str) -> dict[str, Any]:
    """One call; a failed one comes with the error Twilio logged for it, explained.

    Raises:
        UpstreamError: twilio.20404 when there is no such call.
    """
    call = public_call(await services.twilio.calls.fetch(sid))
    call["error"] = None
    if call["status"] == "failed":
        notifications = await services.twilio.calls.notifications(sid, limit=NOTIFICATIONS_READ)
        for notification in notifications:
            code = int_or_none(notification.get("error_code"))
            if code:
                text = notification.get("message_text")
                reported = text if isinstance(text, str) and text else None
                call["error"] = brief(code, services.settings, reported).model_copy(update={"detail": reported})
                break
    return call


async def list_calls(
    services: Services,
    *,
    to: str | None,
    from_: str | None,
    status: str | None,
    started_after: datetime | None,
    started_before: datetime | None,
    limit: int,
) -> list[dict[str, Any]]:
    """Calls, newest first, filtered at Twilio.

    Raises:
        InputError: a filter number is not valid.
    """
    region = services.settings.default_region
    raw = await services.twilio.calls.list(
        to=normalize_callee(to, region=region) if to else None,
        from_=phones.to_e164(from_, region=region, field="from") if from_ else None,
        status=status,
        started_after=as_utc(started_after) if started_after else None,
        started_before=as_utc(started_before) if started_before else None,
        limit=limit,
    )
    return [public_call(item) for item in raw]


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
    _check_document(services, url, twiml, required=False)


async def update_call(
    services: Services, sid: str, *, status: str | None, url: str | None, twiml: str | None
) -> dict[str, Any]:
    """End a call (canceled before it is answered, completed once it is) or redirect it to new TwiML.

    Raises:
        InputError: nothing or too much asked, or invalid inline TwiML.
        UpstreamError: twilio.21220 when the call is not in a state that allows the change.
    """
    check_update(services, status=status, url=url, twiml=twiml)
    return public_call(await services.twilio.calls.update(sid, status=status, url=url, twiml=twiml))


async def list_recordings(
    services: Services,
    *,
    call_sid: str | None,
    created_after: datetime | None,
    created_before: datetime | None,
    limit: int,
) -> list[dict[str, Any]]:
    """Recordings, newest first, filtered at Twilio by call and creation time."""
    raw = await services.twilio.calls.recordings(
        call_sid=call_sid,
        created_after=as_utc(created_after) if created_after else None,
        created_before=as_utc(created_before) if created_before else None,
        limit=limit,
    )
    return [public_recording(item) for item in raw]


async def delete_recording(services: Services, sid: str) -> dict[str, Any]:
    """Delete a recording for good.

    Raises:
        UpstreamError: twilio.20404 when there is no such recording.
    """
    await services.twilio.calls.delete_recording(sid)
    return {"sid": sid, "deleted": True}


async def list_conferences(
    services: Services, *, status: str | None, friendly_name: str | None, limit: int
) -> list[dict[str, Any]]:
    """Conferences, newest first, filtered at Twilio by status and name."""
    raw = await services.twilio.calls.conferences(status=status, friendly_name=friendly_name, limit=limit)
    return [public_conference(item) for item in raw]
