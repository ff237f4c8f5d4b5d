"""The instructions of a call: a URL Twilio fetches, or inline TwiML linted and checked against the
policy's countries before any request leaves. Exactly one of the two is given."""

from __future__ import annotations

from skill.core import phones
from skill.core.context import Services
from skill.core.urls import check_twilio_url
from skill.errors import InputError, PolicyError, twilio_docs_url

MAX_TWIML_CHARACTERS = 4000  # Twilio refuses longer inline documents with 32018


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


def check_document(services: Services, url: str | None, twiml: str | None, *, required: bool) -> None:
    """The call's instructions: exactly one of url and twiml (or, when not required, neither).

    Raises:
        InputError: both url and twiml given, or (when required) neither; a URL refused; invalid inline TwiML.
        PolicyError: inline TwiML dials a country the policy does not allow.
    """
    if url is not None and twiml is not None:
        raise InputError(
            "Give either url or twiml, not both. Nothing was sent.",
            code="input.document_conflict",
            remediation=["Keep url to have Twilio fetch the instructions, or twiml to pass them inline."],
        )
    if required and url is None and twiml is None:
        raise InputError(
            "A call needs instructions: give url (where Twilio fetches TwiML) or twiml (inline). Nothing was sent.",
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
