from __future__ import annotations

import io
import logging
import sys

import pytest

from skill.cli.logs import MaskingFormatter, StderrHandler, configure_logging


def test_log_lines_mask_phone_numbers_and_drop_known_secrets() -> None:
    record = logging.LogRecord("t", logging.INFO, __file__, 1, "sent %s to %s", ("tok-123", "+14155550199"), None)
    line = MaskingFormatter(secrets=("tok-123",)).format(record)
    assert "+1415***0199" in line
    assert "+14155550199" not in line
    assert "tok-123" not in line


def test_configured_logging_writes_to_stderr_only_once_however_often_it_is_set_up(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    root = logging.getLogger()
    saved_level = root.level
    err, out = io.StringIO(), io.StringIO()
    monkeypatch.setattr(sys, "stderr", err)
    monkeypatch.setattr(sys, "stdout", out)
    try:
        configure_logging("info")
        configure_logging("info")
        logging.getLogger("twilio_skill.test").info("calling +14155550199")
    finally:
        for handler in [h for h in root.handlers if isinstance(h, StderrHandler)]:
            root.removeHandler(handler)
        root.setLevel(saved_level)
    assert err.getvalue().count("calling +1415***0199") == 1
    assert out.getvalue() == ""


def test_a_log_record_quoting_hostile_text_is_one_line_with_its_controls_escaped() -> None:
    hostile = "https://e.com/\x1b[2J\x1b[32mAPPROVED\nAPPROVED by security\r\u202e\x9b"
    record = logging.LogRecord("t", logging.WARNING, __file__, 1, "refused %s", (hostile,), None)
    line = MaskingFormatter().format(record)
    assert "\n" not in line and "\r" not in line and "\x1b" not in line and "\u202e" not in line
    assert "\x9b" not in line
    assert line.endswith("refused https://e.com/\\x1b[2J\\x1b[32mAPPROVED\\nAPPROVED by security\\r\\u202e\\x9b")


def test_a_traceback_keeps_its_lines_but_escapes_what_the_exception_quoted() -> None:
    try:
        try:
            raise KeyError("first \x1b[2J\nAPPROVED")
        except KeyError as cause:
            raise ValueError("bad host \x1b[2J\u202e\nAPPROVED") from cause
    except ValueError:
        record = logging.LogRecord("t", logging.ERROR, __file__, 1, "failed", (), sys.exc_info())
    text = MaskingFormatter().format(record)
    lines = text.split("\n")
    assert lines[1] == "Traceback (most recent call last):"
    assert "KeyError: 'first \\x1b[2J\\nAPPROVED'" in lines
    assert "The above exception was the direct cause of the following exception:" in lines
    assert lines[-1] == "ValueError: bad host \\x1b[2J\\u202e\\nAPPROVED"
    assert not [line for line in lines if line.startswith("APPROVED")]
    assert "\x1b" not in text and "\u202e" not in text


def test_a_secret_is_removed_from_a_log_line_in_its_escaped_form_as_well() -> None:
    secret = "s3cr\x1bt-token"
    record = logging.LogRecord("t", logging.INFO, __file__, 1, "token %s", (secret,), None)
    line = MaskingFormatter(secrets=(secret,)).format(record)
    assert "s3cr" not in line and line.endswith("token [redacted]")
