"""Build TwiML from verb objects: one model per verb, rendered with ElementTree, then linted.

    build_twiml(kind, verbs, region)   the document, its size and its lint findings

Attribute names follow TwiML (camelCase); the models use snake_case and render the TwiML names.
Phone numbers are normalised to E.164 before they are written.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Literal, Protocol

from pydantic import Discriminator, Field, StringConstraints, Tag, WithJsonSchema, model_validator

from skill.core import phones
from skill.core.twiml_lint import CONTENT_TYPE, Finding, Kind, lint
from skill.errors import InputError
from skill.results import Model

DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>'
Url = Annotated[str, StringConstraints(min_length=1, max_length=2000)]
Method = Literal["GET", "POST"]
Phone = Annotated[str, StringConstraints(min_length=1, max_length=64)]
Name = Annotated[str, StringConstraints(min_length=1, max_length=64)]
Keys = Annotated[str, StringConstraints(pattern=r"^[0-9#*]*$", max_length=12)]
DialRecord = Literal[
    "do-not-record", "record-from-answer", "record-from-ringing", "record-from-answer-dual", "record-from-ringing-dual"
]


class Renderable(Protocol):
    def render(self, region: str) -> ET.Element: ...


def _camel(name: str) -> str:
    head, *rest = name.rstrip("_").split("_")
    return head + "".join(part.capitalize() for part in rest)


def _attribute(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return str(value)


def element(tag: str, text: str | None = None, **attributes: Any) -> ET.Element:
    """A TwiML element; snake_case keyword attributes become camelCase, None ones are left out."""
    node = ET.Element(tag, {_camel(key): _attribute(value) for key, value in attributes.items() if value is not None})
    node.text = text
    return node


class Say(Model):
    verb: Literal["Say"] = Field(description="Speak text.")
    text: str = Field(min_length=1, max_length=10000, description="Words to speak (limit 4096; 3000 for Polly).")
    voice: str | None = Field(
        default=None, max_length=64, description="man, woman, alice, Polly.Joanna, Google.en-US-Standard-C..."
    )
    language: str | None = Field(default=None, max_length=16, description="Language tag, e.g. en-US.")
    loop: int | None = Field(default=None, ge=0, le=1000, description="Times to repeat; 0 repeats until hangup.")

    def render(self, region: str) -> ET.Element:
        return element("Say", self.text, voice=self.voice, language=self.language, loop=self.loop)


class Play(Model):
    verb: Literal["Play"] = Field(description="Play audio (url) or send DTMF (digits); give one.")
    url: Url | None = Field(default=None, description="Audio file URL (https).")
    loop: int | None = Field(default=None, ge=0, le=1000, description="Times to repeat; 0 repeats until hangup.")
    digits: str | None = Field(
        default=None, pattern=r"^[0-9#*wW]+$", max_length=64, description="DTMF to send; w waits 0.5 s."
    )

    @model_validator(mode="after")
    def _url_or_digits(self) -> Play:
        if not self.url and not self.digits:
            raise ValueError("Play needs url or digits")
        return self

    def render(self, region: str) -> ET.Element:
        return element("Play", self.url, loop=self.loop, digits=self.digits)


class Pause(Model):
    verb: Literal["Pause"] = Field(description="Wait silently.")
    length: int | None = Field(default=None, ge=1, le=600, description="Seconds; default 1.")

    def render(self, region: str) -> ET.Element:
        return element("Pause", length=self.length)


def _verb_tag(value: Any) -> str | None:
    found = value.get("verb") if isinstance(value, dict) else getattr(value, "verb", None)
    return found if isinstance(found, str) else None


GatherPrompt = Annotated[
    Annotated[Say, Tag("Say")] | Annotated[Play, Tag("Play")] | Annotated[Pause, Tag("Pause")],
    Discriminator(_verb_tag, custom_error_type="invalid_verb", custom_error_message="verb must be Say, Play or Pause"),
]


class Gather(Model):
    verb: Literal["Gather"] = Field(description="Collect keypresses or speech while prompting.")
    input: Literal["dtmf", "speech", "dtmf speech"] | None = Field(default=None, description="Default dtmf.")
    num_digits: int | None = Field(default=None, ge=1, le=64, description="Stop after this many digits.")
    action: Url | None = Field(default=None, description="URL that receives Digits/SpeechResult.")
    method: Method | None = Field(default=None, description="Method for action; default POST.")
    timeout: int | None = Field(default=None, ge=1, le=600, description="Seconds to wait for input; default 5.")
    finish_on_key: str | None = Field(default=None, pattern=r"^[0-9#*]?$", description="Key ending input; '' none.")
    speech_timeout: str | None = Field(
        default=None, pattern=r"^(auto|[0-9]{1,3})$", description="Seconds of silence that end speech, or auto."
    )
    language: str | None = Field(default=None, max_length=16, description="Speech language, e.g. en-US.")
    hints: list[Annotated[str, StringConstraints(min_length=1, max_length=100)]] | None = Field(
        default=None, max_length=500, description="Expected words or phrases."
    )
    # Listed as plain objects: the same Say/Play/Pause schemas already appear once at the top level.
    verbs: Annotated[list[GatherPrompt], WithJsonSchema({"type": "array", "items": {"type": "object"}})] = Field(
        default_factory=list, max_length=20, description="Say, Play or Pause objects to prompt with."
    )

    def render(self, region: str) -> ET.Element:
        node = element(
            "Gather",
            input=self.input,
            num_digits=self.num_digits,
            action=self.action,
            method=self.method,
            timeout=self.timeout,
            finish_on_key=self.finish_on_key,
            speech_timeout=self.speech_timeout,
            language=self.language,
            hints=self.hints,
        )
        node.extend([prompt.render(region) for prompt in self.verbs])
        return node


class Dial(Model):
    verb: Literal["Dial"] = Field(
        description="Connect the caller: give exactly one of numbers, client, sip, queue, conference."
    )
    numbers: list[Phone] | None = Field(default=None, min_length=1, max_length=10, description="Numbers, rung at once.")
    client: Name | None = Field(default=None, description="Client identity.")
    sip: Annotated[str, StringConstraints(pattern=r"^sips?:\S+$", max_length=500)] | None = Field(
        default=None, description="SIP URI, sip:user@host."
    )
    queue: Name | None = Field(default=None, description="Queue name.")
    conference: Name | None = Field(default=None, description="Conference room name.")
    caller_id: Phone | None = Field(default=None, description="Caller ID: your Twilio or verified number.")
    timeout: int | None = Field(default=None, ge=5, le=600, description="Seconds to ring; default 30.")
    record: DialRecord | None = Field(default=None, description="Recording mode.")
    action: Url | None = Field(default=None, description="URL requested when the dialed call ends.")
    method: Method | None = Field(default=None, description="Method for action.")
    time_limit: int | None = Field(default=None, ge=1, le=86400, description="Most seconds the call may last.")

    @model_validator(mode="after")
    def _one_kind(self) -> Dial:
        kinds = [name for name in ("numbers", "client", "sip", "queue", "conference") if getattr(self, name)]
        if len(kinds) != 1:
            raise ValueError("Dial needs exactly one of numbers, client, sip, queue or conference")
        return self

    def render(self, region: str) -> ET.Element:
        caller_id = self.caller_id
        if caller_id and ":" not in caller_id:  # client:alice and sip: caller IDs stay as given
            caller_id = phones.to_e164(caller_id, region=region, field="caller_id")
        node = element(
            "Dial",
            caller_id=caller_id,
            timeout=self.timeout,
            record=self.record,
            action=self.action,
            method=self.method,
            time_limit=self.time_limit,
        )
        nouns = [
            element("Number", phones.to_e164(number, region=region, field="numbers")) for number in self.numbers or []
        ]
        for tag, value in (("Client", self.client), ("Sip", self.sip), ("Queue", self.queue)):
            if value:
                nouns.append(element(tag, value))
        if self.conference:
            nouns.append(element("Conference", self.conference))
        node.extend(nouns)
        return node


class Record(Model):
    verb: Literal["Record"] = Field(description="Record the caller (voicemail).")
    action: Url | None = Field(default=None, description="URL requested when recording ends.")
    method: Method | None = Field(default=None, description="Method for action.")
    timeout: int | None = Field(default=None, ge=0, le=600, description="Seconds of silence that end it; default 5.")
    max_length: int | None = Field(default=None, ge=1, le=14400, description="Most seconds; default 3600.")
    finish_on_key: Keys | None = Field(default=None, description="Keys that end it; default 1234567890*#.")
    play_beep: bool | None = Field(default=None, description="Beep before recording; default true.")
    transcribe: bool | None = Field(default=None, description="Transcribe (recordings up to 120 s).")
    recording_status_callback: Url | None = Field(default=None, description="URL told when the file is ready.")

    def render(self, region: str) -> ET.Element:
        return element(
            "Record",
            action=self.action,
            method=self.method,
            timeout=self.timeout,
            max_length=self.max_length,
            finish_on_key=self.finish_on_key,
            play_beep=self.play_beep,
            transcribe=self.transcribe,
            recording_status_callback=self.recording_status_callback,
        )


class Enqueue(Model):
    verb: Literal["Enqueue"] = Field(description="Put the caller in a queue.")
    queue: Name = Field(description="Queue name.")
    wait_url: Url | None = Field(default=None, description="TwiML played while waiting.")
    action: Url | None = Field(default=None, description="URL requested when the caller leaves the queue.")

    def render(self, region: str) -> ET.Element:
        return element("Enqueue", self.queue, wait_url=self.wait_url, action=self.action)


class Redirect(Model):
    verb: Literal["Redirect"] = Field(description="Continue with the TwiML at another URL.")
    url: Url = Field(description="Absolute https URL of the next document.")
    method: Method | None = Field(default=None, description="Default POST.")

    def render(self, region: str) -> ET.Element:
        return element("Redirect", self.url, method=self.method)


class Hangup(Model):
    verb: Literal["Hangup"] = Field(description="End the call.")

    def render(self, region: str) -> ET.Element:
        return element("Hangup")


class Reject(Model):
    verb: Literal["Reject"] = Field(description="Refuse an incoming call unanswered (not billed).")
    reason: Literal["rejected", "busy"] | None = Field(default=None, description="Tone the caller hears.")

    def render(self, region: str) -> ET.Element:
        return element("Reject", reason=self.reason)


class Message(Model):
    verb: Literal["Message"] = Field(description="Reply with a message (messaging only): body, media_urls or both.")
    body: str | None = Field(default=None, max_length=1600, description="Text.")
    media_urls: list[Url] | None = Field(default=None, max_length=10, description="Media file URLs.")
    to: Phone | None = Field(default=None, description="Recipient; default the sender of the incoming message.")
    from_: Phone | None = Field(default=None, alias="from", description="Sender; default the number written to.")
    action: Url | None = Field(default=None, description="Status URL for this reply.")

    @model_validator(mode="after")
    def _body_or_media(self) -> Message:
        if not self.body and not self.media_urls:
            raise ValueError("Message needs body or media_urls")
        return self

    def render(self, region: str) -> ET.Element:
        to = phones.normalize_address(self.to, region=region, field="to") if self.to else None
        sender = phones.normalize_sender(self.from_, region=region) if self.from_ else None
        node = element("Message", to=to, action=self.action)
        if sender:
            node.set("from", sender)
        if self.body:
            node.append(element("Body", self.body))
        node.extend([element("Media", url) for url in self.media_urls or []])
        return node


VERB_MODELS = (Say, Play, Pause, Gather, Dial, Record, Enqueue, Redirect, Hangup, Reject, Message)
VOICE_ONLY = frozenset(model.__name__ for model in VERB_MODELS) - {"Message", "Redirect"}

Verb = Annotated[
    Annotated[Say, Tag("Say")]
    | Annotated[Play, Tag("Play")]
    | Annotated[Pause, Tag("Pause")]
    | Annotated[Gather, Tag("Gather")]
    | Annotated[Dial, Tag("Dial")]
    | Annotated[Record, Tag("Record")]
    | Annotated[Enqueue, Tag("Enqueue")]
    | Annotated[Redirect, Tag("Redirect")]
    | Annotated[Hangup, Tag("Hangup")]
    | Annotated[Reject, Tag("Reject")]
    | Annotated[Message, Tag("Message")],
    Discriminator(
        _verb_tag,
        custom_error_type="invalid_verb",
        custom_error_message="verb must be one of " + ", ".join(model.__name__ for model in VERB_MODELS),
    ),
]


@dataclass
class BuiltTwiml:
    kind: Kind
    xml: str
    size_bytes: int
    findings: list[Finding]
    content_type: str = CONTENT_TYPE

    @property
    def ok(self) -> bool:
        """True when linting found no error."""
        return not any(finding.severity == "error" for finding in self.findings)


def render(verbs: Sequence[Renderable], region: str) -> str:
    """The document for already-checked verb models, with its XML declaration."""
    root = ET.Element("Response")
    root.extend([verb.render(region) for verb in verbs])
    return DECLARATION + ET.tostring(root, encoding="unicode")


def build_twiml(kind: Kind, verbs: Sequence[Renderable], region: str) -> BuiltTwiml:
    """A TwiML document for `verbs`, linted.

    Raises:
        InputError: input.invalid_twiml when a verb does not belong to `kind`;
            input.invalid_phone when a number cannot be normalised.
    """
    problems = []
    for index, verb in enumerate(verbs):
        name = type(verb).__name__
        if kind == "messaging" and name in VOICE_ONLY:
            problems.append(f"verbs.{index}: {name} is a voice verb; a messaging response takes Message and Redirect")
        elif kind == "voice" and name == "Message":
            problems.append(f"verbs.{index}: Message belongs to messaging responses, not voice")
    if problems:
        raise InputError(
            "These verbs do not fit a " + kind + " response: " + "; ".join(problems) + ".",
            code="input.invalid_twiml",
            remediation=[
                "Use Say, Play, Pause, Gather, Dial, Record, Enqueue, Redirect, Hangup or Reject for voice;",
                "use Message and Redirect for messaging (kind='messaging'); to text a caller, use message_send.",
            ],
        )
    xml = render(verbs, region)
    report = lint(xml, kind)
    return BuiltTwiml(kind=kind, xml=xml, size_bytes=report.size_bytes, findings=report.findings)
