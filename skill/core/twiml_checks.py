"""The checks of one TwiML element: attribute values, URLs, text content, and verb-specific rules.

`Checks` collects findings; the linter (skill.core.twiml_lint) walks the document and calls it.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import Literal

from pydantic import Field

from skill.core import twiml_rules as rules
from skill.core.twiml_rules import Attr, Element
from skill.core.urls import is_local_host, try_split
from skill.results import Model

Severity = Literal["error", "warning", "info"]
_LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
_VOICE = re.compile(r"^(Polly|Google)\.[A-Za-z0-9._-]+$")
_PHONE = re.compile(r"^\+?[0-9 ().-]{2,32}$")
_NAME_CODES = {"Queue": (14212, 14213), "Enqueue": (14204, 14205), "Conference": (13237, None)}
_SPEECH_ONLY = ("hints", "speechTimeout", "speechModel", "maxSpeechTime", "profanityFilter")


class Finding(Model):
    severity: Severity = Field(description="error: Twilio fails or skips it; warning: risky; info: advice.")
    path: str = Field(description="Where, e.g. /Response/Gather[1]/Say[1], or .../@attribute.")
    message: str = Field(description="What is wrong.")
    remediation: str = Field(description="How to fix it.")
    twilio_code: int | None = Field(default=None, description="Twilio's error code for it, if any.")


def local_name(tag: str) -> str:
    """An element name without its namespace."""
    return tag.rsplit("}", 1)[-1]


def own_text(element: ET.Element) -> str:
    """Text directly inside an element, not inside its children."""
    return (element.text or "") + "".join(child.tail or "" for child in element)


class Checks:
    """Findings of the element-level checks, in the order they were found."""

    def __init__(self) -> None:
        self.findings: list[Finding] = []

    def add(self, severity: Severity, path: str, message: str, remediation: str, code: int | None = None) -> None:
        self.findings.append(
            Finding(severity=severity, path=path, message=message, remediation=remediation, twilio_code=code)
        )

    def value(self, verb: str, attribute: str, attr: Attr, value: str, path: str) -> None:
        text = value.strip()
        problem = None
        if attr.kind == "int":
            if not re.fullmatch(r"[0-9]+", text):
                problem = "must be a whole number"
            elif int(text) < attr.minimum:
                problem = f"must be at least {attr.minimum}"
        elif attr.kind == "bool" and text.lower() not in ("true", "false"):
            problem = "must be true or false"
        elif attr.kind == "method" and text.upper() not in ("GET", "POST"):
            problem = "must be GET or POST"
        elif attr.kind == "enum" and text not in attr.values:
            problem = "must be one of: " + ", ".join(attr.values)
        elif attr.kind == "tokens":
            tokens = text.replace(",", " ").split()
            if not tokens or any(token not in attr.values for token in tokens):
                problem = "must be one or more of " + ", ".join(attr.values) + ", separated by spaces"
        elif attr.kind == "key" and not re.fullmatch(r"[0-9#*]?", text):
            problem = "must be a single key (0-9, # or *), or empty to turn it off"
        elif attr.kind == "keys" and not re.fullmatch(r"[0-9#*]*", text):
            problem = "must be keys from 0-9, # and *"
        elif attr.kind == "digits" and not re.fullmatch(r"[0-9#*wW]+", text):
            problem = "must be digits, #, * and w (a half-second wait)"
        elif attr.kind == "speech_timeout" and not (text == "auto" or re.fullmatch(r"[0-9]+", text)):
            problem = "must be a number of seconds or 'auto'"
        elif attr.kind == "url":
            self.url(text, path, attr.code if attr.code != rules.SCHEMA_WARNING else rules.INVALID_URL)
        elif attr.kind == "voice" and not (text in rules.BASIC_VOICES or _VOICE.match(text)):
            self.add(
                "warning",
                path,
                f"<{verb}> voice '{value}' is not a voice Twilio is known to offer.",
                "Use man, woman, alice, an Amazon Polly voice such as Polly.Joanna, or a Google voice such as "
                "Google.en-US-Standard-C.",
                attr.code,
            )
        elif attr.kind == "language" and not _LANGUAGE.match(text):
            self.add(
                "warning",
                path,
                f"<{verb}> language '{value}' is not a language tag.",
                "Use a tag such as en-US, en-GB, es-MX or fr-FR.",
                attr.code,
            )
        if problem:
            self.add(
                "error",
                path,
                f'<{verb}> {attribute}="{value}": {problem}.',
                f"Correct {attribute}, or remove it to get Twilio's default.",
                attr.code,
            )

    def url(self, value: str, path: str, code: int) -> None:
        if not value:
            self.add("error", path, "The URL is empty.", "Give an absolute https:// URL.", code)
            return
        if any(character.isspace() for character in value):
            self.add(
                "error",
                path,
                f"'{value}' contains whitespace, which no URL may.",
                "Percent-encode spaces (%20) and remove line breaks.",
                code,
            )
            return
        parts = try_split(value)
        if parts is None:
            self.add(
                "error",
                path,
                f"'{value}' cannot be read as a URL (check the host, brackets and port).",
                "Use an absolute https:// URL.",
                code,
            )
            return
        scheme = parts.scheme.lower()
        if not scheme:
            self.add(
                "warning",
                path,
                f"'{value}' is a relative URL: Twilio resolves it against the URL it fetched "
                "this document from, which breaks behind proxies and when the document moves.",
                "Use an absolute https:// URL.",
            )
        elif scheme not in ("http", "https") or not parts.netloc:
            self.add(
                "error",
                path,
                f"'{value}' is not an http(s) URL Twilio can request.",
                "Use an absolute https:// URL.",
                code,
            )
        elif is_local_host(parts.hostname):
            self.add(
                "warning",
                path,
                f"'{value}' points at this machine; Twilio's servers cannot reach it.",
                "Expose the server at a public https:// address (a tunnel works for testing).",
            )
        elif scheme == "http":
            self.add(
                "warning",
                path,
                f"'{value}' uses http://: the request, including what the caller entered, travels unencrypted.",
                "Serve it over https://.",
            )

    def text(self, element: ET.Element, name: str, rule: Element, path: str) -> None:
        text = own_text(element).strip() if not rule.opaque else ""
        if rule.text == "none" and text:
            self.add(
                "warning",
                path,
                f"Text inside <{name}> is ignored.",
                "Remove the text, or put it in a <Say>.",
                rules.SCHEMA_WARNING,
            )
        elif rule.text == "url":
            if text:
                self.url(text, path, rules.INVALID_URL)
            elif not (name == "Play" and element.get("digits")):
                self.add(
                    "error", path, f"<{name}> has no URL.", f"Put the URL as the text of <{name}>.", rules.INVALID_URL
                )
        elif rule.text == "name":
            too_short, too_long = _NAME_CODES[name]
            if not text and not (name == "Enqueue" and element.get("workflowSid")):
                self.add("error", path, f"<{name}> has no name.", f"Put the name as the text of <{name}>.", too_short)
            elif too_long and len(text) > rules.QUEUE_NAME_LIMIT:
                self.add(
                    "error",
                    path,
                    f"<{name}> name is longer than {rules.QUEUE_NAME_LIMIT} characters.",
                    "Use a shorter name.",
                    too_long,
                )
        elif rule.text == "phone" and text and not _PHONE.match(text):
            self.add("error", path, f"'{text}' is not a phone number.", "Write it in E.164, e.g. +14155550100.", 13223)
        elif rule.text == "phone" and name == "Number" and not text:
            self.add("error", path, "<Number> is empty.", "Put the number as its text, in E.164.", 13223)
        elif rule.text == "sip" and not text.lower().startswith(("sip:", "sips:")):
            self.add("error", path, f"'{text}' is not a SIP URI.", "Write it as sip:user@host.", 13243)

    def check_say(self, element: ET.Element, path: str) -> None:
        spoken = "".join(element.itertext()).strip()
        if not spoken:
            self.add(
                "warning",
                path,
                "<Say> has no text; nothing is spoken.",
                "Give it text or remove it.",
                rules.SAY_INVALID_TEXT,
            )
        voice = element.get("voice", "")
        limit = rules.SAY_LIMIT_POLLY if voice.startswith("Polly.") else rules.SAY_LIMIT
        if len(spoken) > limit:
            self.add(
                "error",
                path,
                f"<Say> text is {len(spoken)} characters; Twilio's limit for this voice is {limit}.",
                "Split the text over several <Say> verbs.",
                rules.SAY_TOO_LONG,
            )

    def check_dial(self, element: ET.Element, path: str) -> None:
        nouns = [local_name(child.tag) for child in element if local_name(child.tag) in rules.DIAL_NOUNS]
        if not nouns and not own_text(element).strip():
            self.add(
                "error",
                path,
                "<Dial> has nothing to dial.",
                "Add a <Number>, <Client>, <Sip>, <Queue> or <Conference> noun.",
                rules.SCHEMA_WARNING,
            )
        elif nouns and own_text(element).strip():
            self.add(
                "warning",
                path,
                "<Dial> has both a number as text and nouns; the text is ignored.",
                "Put the number in a <Number> noun.",
                rules.SCHEMA_WARNING,
            )
        exclusive = sorted(set(nouns) & rules.EXCLUSIVE_DIAL_NOUNS)
        if exclusive and len(nouns) > 1:
            self.add(
                "error",
                path,
                f"<{exclusive[0]}> must be the only noun inside <Dial>.",
                "Dial the conference or queue alone, in its own <Dial>.",
                rules.CONFERENCE_MIXED,
            )
        elif len(nouns) > rules.MAX_DIAL_NOUNS:
            self.add(
                "error",
                path,
                f"<Dial> rings at most {rules.MAX_DIAL_NOUNS} nouns at once; it has {len(nouns)}.",
                "Dial fewer at once, or use sequential dialing from your action URL.",
                rules.SCHEMA_WARNING,
            )

    def check_client(self, element: ET.Element, path: str) -> None:
        identities = [child for child in element if local_name(child.tag) == "Identity"]
        if not own_text(element).strip() and not identities:
            self.add(
                "error",
                path,
                "<Client> names no client.",
                "Put the identity as its text or in <Identity>.",
                rules.SCHEMA_WARNING,
            )

    def check_gather(self, element: ET.Element, path: str) -> None:
        modes = element.get("input", "dtmf").replace(",", " ").split()
        if "speech" in modes:
            return
        for attribute in _SPEECH_ONLY:
            if element.get(attribute) is not None:
                self.add(
                    "warning",
                    f"{path}/@{attribute}",
                    f"{attribute} only applies to speech input; this <Gather> takes dtmf only.",
                    'Set input="dtmf speech" or remove it.',
                )

    def check_record(self, element: ET.Element, path: str) -> None:
        if element.get("transcribe", "").lower() != "true":
            return
        length = element.get("maxLength", "3600")
        if length.isdigit() and int(length) > rules.TRANSCRIBE_MAX_SECONDS:
            self.add(
                "warning",
                path,
                f"Transcription only works for recordings up to {rules.TRANSCRIBE_MAX_SECONDS} "
                f"seconds, and maxLength allows {length}.",
                f"Set maxLength to {rules.TRANSCRIBE_MAX_SECONDS} or less, or transcribe another way.",
                13615,
            )

    def check_message(self, element: ET.Element, path: str) -> None:
        direct = own_text(element).strip()
        bodies = [child.text or "" for child in element if local_name(child.tag) == "Body"]
        media = [child for child in element if local_name(child.tag) == "Media"]
        body = direct + "".join(bodies)
        if direct and bodies:
            self.add(
                "warning",
                path,
                "<Message> has both text and <Body>.",
                "Put all of the text in <Body>.",
                rules.SCHEMA_WARNING,
            )
        if not body.strip() and not media:
            self.add(
                "warning",
                path,
                "<Message> has no body and no media; nothing is sent.",
                "Give it text in <Body> or a file in <Media>.",
                rules.INVALID_BODY,
            )
        if len(body) > rules.MESSAGE_BODY_LIMIT:
            self.add(
                "error",
                path,
                f"The message body is {len(body)} characters; the limit is {rules.MESSAGE_BODY_LIMIT}.",
                "Shorten it or split it over several <Message> verbs.",
                21617,
            )
        if len(media) > 10:
            self.add(
                "error",
                path,
                f"<Message> has {len(media)} <Media>; at most 10 are sent.",
                "Attach 10 files or fewer.",
                21623,
            )
