from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

import pytest
from pydantic import TypeAdapter, ValidationError

from skill.core.twiml_build import Verb, build_twiml
from skill.core.twiml_lint import lint
from skill.errors import InputError

VERBS = TypeAdapter(list[Verb])
URL = "https://example.com/twiml"

# One or more full examples of every verb, with every field the builder takes.
VOICE_EXAMPLES: dict[str, dict[str, Any]] = {
    "Say": {"verb": "Say", "text": "Hello & welcome <friend>", "voice": "Polly.Joanna", "language": "en-US", "loop": 2},
    "Say Google": {"verb": "Say", "text": "Hi", "voice": "Google.en-US-Standard-C"},
    "Play": {"verb": "Play", "url": f"{URL}/a.mp3", "loop": 0},
    "Play digits": {"verb": "Play", "digits": "ww1234#"},
    "Pause": {"verb": "Pause", "length": 3},
    "Gather": {
        "verb": "Gather",
        "input": "dtmf speech",
        "num_digits": 1,
        "action": f"{URL}/menu",
        "method": "POST",
        "timeout": 5,
        "finish_on_key": "#",
        "speech_timeout": "auto",
        "language": "en-GB",
        "hints": ["sales", "support"],
        "verbs": [
            {"verb": "Say", "text": "Press 1 or say sales."},
            {"verb": "Play", "url": f"{URL}/b.mp3"},
            {"verb": "Pause", "length": 1},
        ],
    },
    "Dial numbers": {
        "verb": "Dial",
        "numbers": ["+14155550100", "(415) 555-0101"],
        "caller_id": "+14155550199",
        "timeout": 20,
        "record": "record-from-answer-dual",
        "action": f"{URL}/dialed",
        "method": "POST",
        "time_limit": 600,
    },
    "Dial client": {"verb": "Dial", "client": "alice", "caller_id": "client:front-desk"},
    "Dial sip": {"verb": "Dial", "sip": "sip:bob@example.com"},
    "Dial queue": {"verb": "Dial", "queue": "support"},
    "Dial conference": {"verb": "Dial", "conference": "standup"},
    "Record": {
        "verb": "Record",
        "action": f"{URL}/recorded",
        "method": "POST",
        "timeout": 5,
        "max_length": 120,
        "finish_on_key": "#*",
        "play_beep": True,
        "transcribe": True,
        "recording_status_callback": f"{URL}/recording-status",
    },
    "Enqueue": {"verb": "Enqueue", "queue": "support", "wait_url": f"{URL}/hold", "action": f"{URL}/left"},
    "Redirect": {"verb": "Redirect", "url": f"{URL}/next", "method": "GET"},
    "Hangup": {"verb": "Hangup"},
    "Reject": {"verb": "Reject", "reason": "busy"},
}
MESSAGING_EXAMPLES: dict[str, dict[str, Any]] = {
    "Message": {
        "verb": "Message",
        "body": "Thanks & see you soon",
        "media_urls": [f"{URL}/a.png", f"{URL}/b.png"],
        "to": "+14155550100",
        "from": "+14155550199",
        "action": f"{URL}/message-status",
    },
    "Message media only": {"verb": "Message", "media_urls": [f"{URL}/a.png"]},
    "Redirect": {"verb": "Redirect", "url": f"{URL}/next"},
}
CASES = [("voice", name, example) for name, example in VOICE_EXAMPLES.items()] + [
    ("messaging", name, example) for name, example in MESSAGING_EXAMPLES.items()
]


@pytest.mark.parametrize(("kind", "example"), [(k, e) for k, _, e in CASES], ids=[f"{k}-{n}" for k, n, _ in CASES])
def test_every_verb_builds_a_document_lint_finds_nothing_wrong_with(kind: str, example: dict[str, Any]) -> None:
    built = build_twiml(kind, VERBS.validate_python([example]), "US")  # type: ignore[arg-type]
    assert built.xml.startswith('<?xml version="1.0" encoding="UTF-8"?><Response>')
    assert built.size_bytes == len(built.xml.encode())
    assert built.content_type == "application/xml"
    relinted = lint(built.xml)  # read back without being told the kind; a lone Redirect reads as voice
    assert relinted.kind == (kind if example["verb"] != "Redirect" else "voice")
    for findings in (built.findings, relinted.findings):
        assert [(f.severity, f.twilio_code) for f in findings] == [("info", 12300)], findings
    assert built.ok


def test_a_whole_call_flow_builds_in_order_and_stays_clean() -> None:
    verbs = VERBS.validate_python(list(VOICE_EXAMPLES.values())[:-3] + [VOICE_EXAMPLES["Hangup"]])
    built = build_twiml("voice", verbs, "US")
    root = ET.fromstring(built.xml)
    assert [child.tag for child in root][:4] == ["Say", "Say", "Play", "Play"]
    assert root[-1].tag == "Hangup"
    assert [f.severity for f in built.findings] == ["info"]


def test_text_is_escaped_and_reads_back_unchanged() -> None:
    built = build_twiml("voice", VERBS.validate_python([VOICE_EXAMPLES["Say"]]), "US")
    assert "&amp;" in built.xml and "&lt;friend&gt;" in built.xml
    assert ET.fromstring(built.xml)[0].text == "Hello & welcome <friend>"


def test_attributes_are_written_the_twiml_way() -> None:
    built = build_twiml("voice", VERBS.validate_python([VOICE_EXAMPLES["Gather"], VOICE_EXAMPLES["Record"]]), "US")
    gather, record = ET.fromstring(built.xml)
    assert gather.attrib["numDigits"] == "1" and gather.attrib["speechTimeout"] == "auto"
    assert gather.attrib["hints"] == "sales, support"
    assert record.attrib["playBeep"] == "true" and record.attrib["maxLength"] == "120"


def test_phone_numbers_are_normalised_to_e164() -> None:
    built = build_twiml("voice", VERBS.validate_python([VOICE_EXAMPLES["Dial numbers"]]), "US")
    dial = ET.fromstring(built.xml)[0]
    assert [number.text for number in dial] == ["+14155550100", "+14155550101"]
    assert dial.attrib["callerId"] == "+14155550199"


def test_an_invalid_number_is_refused() -> None:
    with pytest.raises(InputError) as caught:
        build_twiml("voice", VERBS.validate_python([{"verb": "Dial", "numbers": ["12"]}]), "US")
    assert caught.value.code == "input.invalid_phone"


def test_verbs_of_the_other_kind_are_refused_with_each_named() -> None:
    with pytest.raises(InputError) as caught:
        build_twiml("messaging", VERBS.validate_python([{"verb": "Say", "text": "hi"}, {"verb": "Hangup"}]), "US")
    assert caught.value.code == "input.invalid_twiml"
    assert "verbs.0: Say" in caught.value.message and "verbs.1: Hangup" in caught.value.message
    with pytest.raises(InputError):
        build_twiml("voice", VERBS.validate_python([MESSAGING_EXAMPLES["Message"]]), "US")


@pytest.mark.parametrize(
    "verb",
    [
        {"verb": "Dial", "numbers": ["+14155550100"], "client": "alice"},
        {"verb": "Dial"},
        {"verb": "Play"},
        {"verb": "Message"},
        {"verb": "Gather", "verbs": [{"verb": "Dial", "client": "alice"}]},
        {"verb": "Shout", "text": "hi"},
        {"verb": "Say", "text": "hi", "colour": "blue"},
    ],
    ids=["dial two kinds", "dial nothing", "play nothing", "empty message", "dial in gather", "unknown verb", "extra"],
)
def test_malformed_verbs_are_rejected_by_the_models(verb: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        VERBS.validate_python([verb])


def test_a_say_over_the_limit_builds_but_is_not_ok() -> None:
    built = build_twiml("voice", VERBS.validate_python([{"verb": "Say", "text": "a" * 5000}]), "US")
    assert not built.ok
    assert [f.twilio_code for f in built.findings if f.severity == "error"] == [13521]


def test_an_empty_messaging_response_is_valid() -> None:
    built = build_twiml("messaging", [], "US")
    assert built.xml.endswith("<Response />")
    assert built.ok
