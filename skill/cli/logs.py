"""Logging for the CLI and the server: stderr only, phone numbers and known secrets masked, and every
record one line with control and bidi characters escaped (messages quote URLs, names and bodies that
an agent, Twilio or a caller chose, and stderr is often a terminal)."""

from __future__ import annotations

import logging
import sys
import traceback
from typing import Any

from skill.core.display import escape_text, terminal_line
from skill.redaction import mask_phone

_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
_CAUSE = "The above exception was the direct cause of the following exception:"
_CONTEXT = "During handling of the above exception, another exception occurred:"


class MaskingFormatter(logging.Formatter):
    """Formats as usual with every message escaped to one line (tracebacks line by line), then masks
    phone numbers and removes the given secrets."""

    def __init__(self, secrets: tuple[str, ...] = ()) -> None:
        super().__init__(_FORMAT)
        self.secrets = tuple(s for s in secrets if s)

    def formatMessage(self, record: logging.LogRecord) -> str:
        return terminal_line(super().formatMessage(record))

    def formatException(self, ei: Any) -> str:
        _, value, _ = ei
        if value is None:
            return _escaped_lines(super().formatException(ei))
        return "\n".join(_traceback_lines(traceback.TracebackException.from_exception(value)))

    def formatStack(self, stack_info: str) -> str:
        return _escaped_lines(super().formatStack(stack_info))

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        for secret in self.secrets:
            # A secret with an escapable character appears in its escaped form.
            text = text.replace(secret, "[redacted]").replace(escape_text(secret, len(secret)), "[redacted]")
        return mask_phone(text)


def _traceback_lines(exception: traceback.TracebackException) -> list[str]:
    """A traceback as lines, each escaped; the exception's own message (which may quote anything,
    newlines included) is kept to one line, so it cannot add lines of its own."""
    lines: list[str] = []
    if exception.__cause__ is not None:
        lines += [*_traceback_lines(exception.__cause__), "", _CAUSE, ""]
    elif exception.__context__ is not None and not exception.__suppress_context__:
        lines += [*_traceback_lines(exception.__context__), "", _CONTEXT, ""]
    if exception.stack:
        lines.append("Traceback (most recent call last):")
        lines += [terminal_line(line) for frame in exception.stack.format() for line in frame.rstrip("\n").split("\n")]
    lines.append(terminal_line("".join(exception.format_exception_only()).rstrip("\n")))
    return lines


def _escaped_lines(text: str) -> str:
    """Multi-line text (a traceback) kept on its own lines, each escaped: only real newlines break it."""
    return "\n".join(terminal_line(line) for line in text.split("\n"))


class StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever sys.stderr is at the time of the record, never to stdout."""

    def emit(self, record: logging.LogRecord) -> None:
        self.stream = sys.stderr
        super().emit(record)


def configure_logging(level: str = "info", secrets: tuple[str, ...] = ()) -> None:
    """Send every log record (ours, uvicorn's, the SDK's) to stderr through the masking formatter.

    Calling it again replaces the previous handler instead of adding a second one.
    """
    root = logging.getLogger()
    for handler in list(root.handlers):
        if isinstance(handler, StderrHandler):
            root.removeHandler(handler)
    handler = StderrHandler()
    handler.setFormatter(MaskingFormatter(secrets))
    root.addHandler(handler)
    root.setLevel(level.upper())
    # One line per outgoing HTTP request is noise below debug level.
    for chatty in ("httpx", "httpcore"):
        logging.getLogger(chatty).setLevel(logging.DEBUG if level == "debug" else logging.WARNING)
