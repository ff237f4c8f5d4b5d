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
