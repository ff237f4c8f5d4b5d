"""Logging for the CLI and the server: stderr only, phone numbers and known secrets masked."""

from __future__ import annotations

import logging
import sys

from skill.redaction import mask_phone

_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class MaskingFormatter(logging.Formatter):
    """Formats as usual, then masks phone numbers and removes the given secrets from the line."""

    def __init__(self, secrets: tuple[str, ...] = ()) -> None:
        super().__init__(_FORMAT)
        self.secrets = tuple(s for s in secrets if s)

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        for secret in self.secrets:
            text = text.replace(secret, "[redacted]")
        return mask_phone(text)


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
