from __future__ import annotations

import time

import pytest

from skill.core.twiml_lint import Finding, lint, lint_errors

SAY_PATH = "/Response/Say[1]"


def doc(body: str) -> str:
    return f'<?xml version="1.0" encoding="UTF-8"?><Response>{body}</Response>'


# (name, document, kind, expected severity, expected twilio code, expected path)
BROKEN: list[tuple[str, str, str | None, str, int | None, str]] = [
    ("unclosed element", "<Response><Say>hi</Response>", None, "error", 12100, "/"),
    ("root is not Response", "<Reply><Say>hi</Say></Reply>", None, "error", 12102, "/Reply"),
    ("unknown verb", doc("<Speak>hi</Speak>"), None, "error", 12200, "/Response/Speak[1]"),
    ("verb in the wrong case", doc("<say>hi</say>"), None, "error", 12200, "/Response/say[1]"),
    ("Gather inside Gather", doc("<Gather><Gather/></Gather>"), None, "error", 13320, "/Response/Gather[1]/Gather[1]"),
    ("Record inside Gather", doc("<Gather><Record/></Gather>"), None, "error", 13320, "/Response/Gather[1]/Record[1]"),
    ("Dial noun outside Dial", doc("<Number>+14155550100</Number>"), None, "error", 12200, "/Response/Number[1]"),
    ("Say nested in Dial", doc("<Dial><Say>hi</Say><Number>+14155550100</Number></Dial>"), None, "error", 13215,
     "/Response/Dial[1]/Say[1]"),
    ("Say inside Message", doc("<Message><Body>hi</Body><Say>x</Say></Message>"), None, "error", 12200,
     "/Response/Message[1]/Say[1]"),
    ("voice verb in a messaging reply", doc("<Say>hi</Say>"), "messaging", "error", 14110, SAY_PATH),
    ("Message in a voice response", doc("<Say>hi</Say><Message>yo</Message>"), None, "error", 12200,
     "/Response/Message[1]"),
    ("numDigits not a number", doc('<Gather numDigits="one"/>'), None, "error", 13314,
     "/Response/Gather[1]/@numDigits"),
    ("Redirect method PUT", doc('<Redirect method="PUT">https://example.com/n</Redirect>'), None, "error", 13710,
     "/Response/Redirect[1]/@method"),
    ("Gather input unknown", doc('<Gather input="keys"/>'), None, "error", 13326, "/Response/Gather[1]/@input"),
    ("Reject reason unknown", doc('<Reject reason="nope"/>'), None, "error", 13810, "/Response/Reject[1]/@reason"),
    ("playBeep not a boolean", doc('<Record playBeep="yes"/>'), None, "error", 13616, "/Response/Record[1]/@playBeep"),
    ("Dial record value unknown", doc('<Dial record="always">+14155550100</Dial>'), None, "error", 13217,
     "/Response/Dial[1]/@record"),
    ("Pause length zero", doc('<Pause length="0"/>'), None, "error", 13910, "/Response/Pause[1]/@length"),
    ("attribute Say does not have", doc('<Say numDigits="1">hi</Say>'), None, "warning", 12200,
     "/Response/Say[1]/@numDigits"),
    ("relative action URL", doc('<Gather action="/next"><Say>hi</Say></Gather>'), None, "warning", None,
     "/Response/Gather[1]/@action"),
    ("http URL", doc("<Play>http://example.com/a.mp3</Play>"), None, "warning", None, "/Response/Play[1]"),
    ("not an http URL", doc("<Redirect>ftp://example.com/x</Redirect>"), None, "error", 11100, "/Response/Redirect[1]"),
    ("Say over 4096 characters", doc(f"<Say>{'a' * 4097}</Say>"), None, "error", 13521, SAY_PATH),
    ("Polly Say over 3000 characters", doc(f'<Say voice="Polly.Joanna">{"a" * 3001}</Say>'), None, "error", 13521,
     SAY_PATH),
    ("document over 64 KB", doc(f"<Say>{'a' * 4000}</Say>" * 17), None, "error", 11750, "/"),
    ("verb after Hangup", doc("<Say>a</Say><Hangup/><Say>b</Say>"), None, "warning", None, "/Response/Say[2]"),
    ("verb after Redirect", doc("<Redirect>https://example.com/n</Redirect><Pause/>"), None, "warning", None,
     "/Response/Pause[1]"),
    ("empty Say", doc("<Say>  </Say>"), None, "warning", 13520, SAY_PATH),
    ("empty Message", doc("<Message></Message>"), "messaging", "warning", 14103, "/Response/Message[1]"),
    ("Conference mixed with Number", doc("<Dial><Conference>room</Conference><Number>+14155550100</Number></Dial>"),
     None, "error", 13000, "/Response/Dial[1]"),
    ("Dial with nothing to dial", doc("<Dial/>"), None, "error", 12200, "/Response/Dial[1]"),
    ("Sip without a SIP URI", doc("<Dial><Sip>alice@example.com</Sip></Dial>"), None, "error", 13243,
     "/Response/Dial[1]/Sip[1]"),
    ("Queue without a name", doc("<Dial><Queue/></Dial>"), None, "error", 14212, "/Response/Dial[1]/Queue[1]"),
    ("message body over 1600 characters", doc(f"<Message><Body>{'a' * 1601}</Body></Message>"), None, "error", 21617,
     "/Response/Message[1]"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("document", "kind", "severity", "code", "path"),
    [case[1:] for case in BROKEN],
    ids=[case[0] for case in BROKEN],
)
def test_each_broken_document_gets_its_finding(
    document: str, kind: str | None, severity: str, code: int | None, path: str
) -> None:
    report = lint(document, kind)  # type: ignore[arg-type]
    found = [(f.severity, f.twilio_code, f.path) for f in report.findings]
    assert (severity, code, path) in found, report.findings
    assert report.ok is (not any(f.severity == "error" for f in report.findings))
    matching = next(f for f in report.findings if (f.severity, f.twilio_code, f.path) == (severity, code, path))
    assert matching.message and matching.remediation


def test_the_table_covers_at_least_fifteen_documents_and_every_severity() -> None:
    assert len(BROKEN) >= 15
    assert {case[3] for case in BROKEN} == {"error", "warning"}


def test_a_valid_voice_document_has_only_the_content_type_advice() -> None:
    report = lint(
        doc(
            '<Say voice="Google.en-US-Standard-C" language="en-US">Hello <break time="1s"/> there</Say>'
            '<Gather input="dtmf speech" numDigits="1" action="https://example.com/menu" method="POST" timeout="5" '
            'speechTimeout="auto" hints="sales, support" finishOnKey="#">'
            '<Say voice="Polly.Joanna">Press 1</Say><Play loop="1">https://example.com/a.mp3</Play><Pause length="1"/>'
            "</Gather>"
            '<Dial callerId="+14155550199" timeout="20" record="record-from-answer" action="https://example.com/d">'
            '<Number sendDigits="ww1">+14155550100</Number><Client>alice</Client><Sip>sip:bob@example.com</Sip></Dial>'
            '<Enqueue waitUrl="https://example.com/wait">support</Enqueue><Hangup/>'
        )
    )
    assert report.kind == "voice"
    assert [(f.severity, f.twilio_code) for f in report.findings] == [("info", 12300)]
    assert "application/xml" in report.findings[0].message
    assert report.ok


def test_a_messaging_document_is_recognised_without_being_told() -> None:
    report = lint(doc("<Message><Body>Thanks!</Body><Media>https://example.com/a.png</Media></Message>"))
    assert report.kind == "messaging"
    assert report.ok and [f.severity for f in report.findings] == ["info"]


def test_a_messaging_document_read_as_voice_is_an_error() -> None:
    assert lint(doc("<Message>Thanks!</Message>"), "voice").ok is False


def test_a_misspelt_attribute_gets_a_suggestion() -> None:
    report = lint(doc('<Gather numdigits="1"><Say>hi</Say></Gather>'))
    finding = next(f for f in report.findings if f.path == "/Response/Gather[1]/@numdigits")
    assert "numDigits" in finding.message


def test_entity_declarations_are_refused_before_parsing() -> None:
    laughs = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        + "".join(f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10 if i else "&lol;" * 10}">' for i in range(1, 10))
        + "]><Response><Say>&lol9;</Say></Response>"
    )
    started = time.monotonic()
    report = lint(laughs)
    assert time.monotonic() - started < 1
    assert [(f.severity, f.twilio_code, f.path) for f in report.findings] == [("error", 12100, "/")]


def test_lint_errors_returns_only_errors() -> None:
    assert lint_errors(doc("<Say>hi</Say>")) == []
    assert lint_errors(doc("<Play>http://example.com/a.mp3</Play>")) == []  # a warning only
    errors = lint_errors(doc("<Gather><Gather/></Gather><Say>ok</Say>"))
    assert [(e.severity, e.twilio_code, e.path) for e in errors] == [("error", 13320, "/Response/Gather[1]/Gather[1]")]
    assert all(isinstance(e, Finding) for e in errors)


def test_lint_errors_takes_the_kind_when_given() -> None:
    assert lint_errors(doc("<Message>hi</Message>"), "messaging") == []
    assert lint_errors(doc("<Message>hi</Message>"), "voice")


def test_speech_settings_on_a_dtmf_only_gather_are_flagged() -> None:
    report = lint(doc('<Gather hints="sales"><Say>hi</Say></Gather>'))
    assert ("warning", "/Response/Gather[1]/@hints") in [(f.severity, f.path) for f in report.findings]


def test_transcribing_a_long_recording_is_flagged() -> None:
    report = lint(doc('<Record transcribe="true" maxLength="600"/>'))
    assert 13615 in [f.twilio_code for f in report.findings]
    assert 13615 not in [f.twilio_code for f in lint(doc('<Record transcribe="true" maxLength="120"/>')).findings]


def test_a_local_url_is_flagged_as_unreachable_by_twilio() -> None:
    report = lint(doc("<Redirect>http://localhost:8000/next</Redirect>"))
    warning = next(f for f in report.findings if f.severity == "warning")
    assert "cannot reach" in warning.message


@pytest.mark.parametrize("url", ["https://[bad/a.mp3", "https://example.com:99999/a.mp3"])
def test_a_url_that_cannot_be_parsed_is_an_error_finding_not_a_crash(url: str) -> None:
    report = lint(f"<Response><Play>{url}</Play></Response>", "voice")
    (finding,) = [f for f in report.findings if f.severity == "error"]
    assert finding.path == "/Response/Play[1]" and "cannot be read as a URL" in finding.message


def test_urls_pointing_at_this_machine_get_the_same_warning_for_every_local_host() -> None:
    for host in ("localhost", "127.0.0.1", "[::1]", "0.0.0.0", "127.0.0.2"):
        report = lint(f"<Response><Play>https://{host}/a.mp3</Play></Response>", "voice")
        assert any("points at this machine" in f.message for f in report.findings), host
