"""What TwiML allows: each verb and noun, its attributes and their value kinds, and what may nest where.

The table follows Twilio's TwiML reference; the codes are the ones Twilio logs for a bad value of
that attribute (Twilio's error catalogue), or 12200 (schema validation warning) where it has none.
An element whose `attrs` is None has its attributes left unchecked (nouns of newer verbs with long,
changing attribute lists); an `opaque` element's children are not checked (SSML inside <Say>).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

AttrKind = Literal[
    "int", "bool", "method", "enum", "tokens", "url", "keys", "key", "digits", "speech_timeout", "voice",
    "language", "text",
]  # fmt: skip
TextKind = Literal["none", "say", "url", "name", "phone", "sip", "any"]

SCHEMA_WARNING = 12200
PARSE_FAILURE = 12100
ROOT_NOT_RESPONSE = 12102
INVALID_CONTENT_TYPE = 12300
BODY_TOO_LARGE = 11750
SAY_TOO_LONG = 13521
SAY_INVALID_TEXT = 13520
INVALID_URL = 11100
INVALID_SMS_VERB = 14110
INVALID_BODY = 14103
CONFERENCE_MIXED = 13000

MAX_DOCUMENT_BYTES = 64 * 1024
SAY_LIMIT = 4096  # characters, basic voices
SAY_LIMIT_POLLY = 3000  # characters of text (SSML tags not counted), Amazon Polly voices
MESSAGE_BODY_LIMIT = 1600
MAX_DIAL_NOUNS = 10
QUEUE_NAME_LIMIT = 64
TRANSCRIBE_MAX_SECONDS = 120
BASIC_VOICES = ("man", "woman", "alice")


@dataclass(frozen=True)
class Attr:
    kind: AttrKind
    code: int = SCHEMA_WARNING
    values: tuple[str, ...] = ()
    minimum: int = 0


@dataclass(frozen=True)
class Element:
    attrs: Mapping[str, Attr] | None
    children: frozenset[str] = field(default_factory=frozenset)
    text: TextKind = "none"
    child_code: int = SCHEMA_WARNING
    opaque: bool = False


def _int(code: int = SCHEMA_WARNING, minimum: int = 0) -> Attr:
    return Attr("int", code, minimum=minimum)


def _bool(code: int = SCHEMA_WARNING) -> Attr:
    return Attr("bool", code)


def _method(code: int = SCHEMA_WARNING) -> Attr:
    return Attr("method", code)


def _enum(values: str, code: int = SCHEMA_WARNING) -> Attr:
    return Attr("enum", code, values=tuple(values.split()))


def _tokens(values: str, code: int = SCHEMA_WARNING) -> Attr:
    return Attr("tokens", code, values=tuple(values.split()))


URL = Attr("url")
TEXT = Attr("text")
CALL_EVENTS = _tokens("initiated ringing answered completed")
RECORDING_EVENTS = _tokens("in-progress completed absent", 13621)
TRIM = _enum("trim-silence do-not-trim")
DIAL_RECORD = _enum(
    "do-not-record record-from-answer record-from-ringing record-from-answer-dual record-from-ringing-dual true false",
    13217,
)
AMD = {
    "machineDetection": _enum("Enable DetectMessageEnd"),
    "amdStatusCallback": URL,
    "amdStatusCallbackMethod": _method(),
    "machineDetectionTimeout": _int(),
    "machineDetectionSpeechThreshold": _int(),
    "machineDetectionSpeechEndThreshold": _int(),
    "machineDetectionSilenceTimeout": _int(),
}
CALLBACKS = {"statusCallback": URL, "statusCallbackMethod": _method(), "statusCallbackEvent": CALL_EVENTS}


def _set(names: str) -> frozenset[str]:
    return frozenset(names.split())


VOICE_VERBS = _set(
    "Say Play Pause Gather Dial Record Enqueue Leave Hangup Redirect Reject Connect Start Stop Refer Pay Echo Sms"
)
MESSAGING_VERBS = _set("Message Redirect")
# Verbs after which nothing else in the document runs.
TERMINAL_VERBS = _set("Hangup Reject Redirect")
PROMPT_VERBS = _set("Say Play Pause")
DIAL_NOUNS = _set("Number Client Sip Queue Conference Sim Application WhatsApp")
EXCLUSIVE_DIAL_NOUNS = _set("Conference Queue")

ELEMENTS: dict[str, Element] = {
    "Say": Element(
        {"voice": Attr("voice", 13511), "language": Attr("language"), "loop": _int(13510)}, text="say", opaque=True
    ),
    "Play": Element({"loop": _int(13410), "digits": Attr("digits", 13430)}, text="url"),
    "Pause": Element({"length": _int(13910, minimum=1)}),
    "Gather": Element(
        {
            "action": URL,
            "actionOnEmptyResult": _bool(13338),
            "bargeIn": _bool(13332),
            "debug": _bool(),
            "enhanced": _bool(),
            "finishOnKey": Attr("key", 13310),
            "hints": TEXT,
            "input": _tokens("dtmf speech", 13326),
            "language": Attr("language", 13331),
            "maxSpeechTime": _int(13328, minimum=1),
            "method": _method(13312),
            "numDigits": _int(13314, minimum=1),
            "partialResultCallback": URL,
            "partialResultCallbackMethod": _method(13329),
            "profanityFilter": _bool(13333),
            "speechModel": TEXT,
            "speechTimeout": Attr("speech_timeout", 13327),
            "timeout": _int(13313),
        },
        children=PROMPT_VERBS,
        child_code=13320,
    ),
    "Dial": Element(
        {
            "action": URL,
            "answerOnBridge": _bool(13219),
            "callerId": Attr("text", 13214),
            "callReason": TEXT,
            "events": TEXT,
            "hangupOnStar": _bool(13213),
            "method": _method(13210),
            "record": DIAL_RECORD,
            "recordingStatusCallback": URL,
            "recordingStatusCallbackMethod": _method(),
            "recordingStatusCallbackEvent": RECORDING_EVENTS,
            "recordingTrack": _enum("both inbound outbound"),
            "referUrl": URL,
            "referMethod": _method(),
            "ringTone": Attr("text", 13220),
            "sequential": _bool(13218),
            "timeLimit": _int(13216, minimum=1),
            "timeout": _int(13212, minimum=1),
            "trim": TRIM,
        },
        children=DIAL_NOUNS,
        text="phone",
        child_code=13215,
    ),
    "Number": Element(
        {"sendDigits": Attr("digits", 13222), "url": URL, "method": _method(13221), "byoc": TEXT, **CALLBACKS, **AMD},
        text="phone",
    ),
    "Client": Element({"url": URL, "method": _method(), **CALLBACKS}, children=_set("Identity Parameter"), text="any"),
    "Identity": Element({}, text="any"),
    "Parameter": Element({"name": TEXT, "value": TEXT}),
    "Sip": Element(
        {
            "username": TEXT,
            "password": TEXT,
            "url": URL,
            "method": _method(13241),
            "sendDigits": Attr("digits", 13242),
            **CALLBACKS,
            **AMD,
        },
        text="sip",
    ),
    "Queue": Element(
        {"url": URL, "method": _method(), "reservationSid": TEXT, "postWorkActivitySid": TEXT}, text="name"
    ),
    "Conference": Element(
        {
            "muted": _bool(13230),
            "beep": _enum("true false onEnter onExit", 13235),
            "startConferenceOnEnter": _bool(13232),
            "endConferenceOnExit": _bool(13231),
            "waitUrl": Attr("url", 13233),
            "waitMethod": _method(13234),
            "maxParticipants": _int(minimum=2),
            "record": _enum("do-not-record record-from-start"),
            "region": TEXT,
            "coach": TEXT,
            "trim": Attr("enum", 13239, values=TRIM.values),
            "statusCallback": URL,
            "statusCallbackMethod": _method(),
            "statusCallbackEvent": _tokens("start end join leave mute hold modify speaker announcement"),
            "recordingStatusCallback": URL,
            "recordingStatusCallbackMethod": _method(),
            "recordingStatusCallbackEvent": RECORDING_EVENTS,
            "eventCallbackUrl": URL,
            "jitterBufferSize": _enum("off small medium large"),
            "participantLabel": TEXT,
        },
        text="name",
    ),
    "Sim": Element({}, text="any"),
    "Application": Element(
        {"url": URL, "method": _method(), "customerId": TEXT, "copyParentTo": _bool(), **CALLBACKS},
        children=_set("ApplicationSid Parameter"),
    ),
    "ApplicationSid": Element({}, text="any"),
    "WhatsApp": Element(None, text="any", opaque=True),
    "Record": Element(
        {
            "action": URL,
            "method": _method(13610),
            "timeout": _int(13611),
            "finishOnKey": Attr("keys", 13613),
            "maxLength": _int(13612, minimum=1),
            "playBeep": _bool(13616),
            "trim": Attr("enum", 13699, values=TRIM.values),
            "recordingStatusCallback": URL,
            "recordingStatusCallbackMethod": _method(),
            "recordingStatusCallbackEvent": RECORDING_EVENTS,
            "storageUrl": URL,
            "storageUrlMethod": _method(),
            "transcribe": _bool(13614),
            "transcribeCallback": URL,
        }
    ),
    "Enqueue": Element(
        {
            "action": Attr("url", 14203),
            "maxQueueSize": _int(minimum=1),
            "method": _method(14201),
            "waitUrl": Attr("url", 14202),
            "waitUrlMethod": _method(14206),
            "workflowSid": TEXT,
        },
        children=_set("Task"),
        text="name",
    ),
    "Task": Element({"priority": _int(), "timeout": _int()}, text="any"),
    "Leave": Element({}),
    "Hangup": Element({}, children=_set("Parameter")),
    "Redirect": Element({"method": _method(13710)}, text="url"),
    "Reject": Element({"reason": _enum("rejected busy", 13810)}, children=_set("Parameter")),
    "Connect": Element(
        {"action": URL, "method": _method()},
        children=_set("Stream Room Conversation VirtualAgent ConversationRelay Autopilot"),
    ),
    "Start": Element({"action": URL, "method": _method()}, children=_set("Stream Siprec Transcription Recording")),
    "Stop": Element({}, children=_set("Stream Siprec Transcription Recording")),
    "Refer": Element({"action": URL, "method": _method()}, children=_set("Sip")),
    "Pay": Element(None, opaque=True),
    "Echo": Element({}),
    "Sms": Element({"to": TEXT, "from": TEXT, "action": URL, "method": _method(), "statusCallback": URL}, text="any"),
    "Message": Element(
        {"to": TEXT, "from": TEXT, "action": URL, "method": _method(14104), "statusCallback": Attr("url", 14105)},
        children=_set("Body Media"),
        text="any",
    ),
    "Body": Element({}, text="any"),
    "Media": Element({}, text="url"),
}
# Nouns of newer verbs: names checked, their attributes and content left to Twilio.
for _noun in ("Stream", "Room", "Conversation", "VirtualAgent", "ConversationRelay", "Autopilot", "Siprec"):
    ELEMENTS[_noun] = Element(None, text="any", opaque=True)
for _noun in ("Transcription", "Recording"):
    ELEMENTS[_noun] = Element(None, text="any", opaque=True)


def parents_of(name: str) -> list[str]:
    """The elements that may contain `name`, in table order."""
    return [parent for parent, rule in ELEMENTS.items() if name in rule.children]


def known_name(name: str) -> str | None:
    """The TwiML name spelled `name` in another case ('say' -> 'Say'), or None."""
    lowered = name.lower()
    return next((known for known in ELEMENTS if known.lower() == lowered), None)
