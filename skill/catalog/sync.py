"""Download Twilio's published error catalogue into the skill's home, replacing any copy atomically."""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from pathlib import Path

import httpx

from skill.catalog import full
from skill.config import Settings
from skill.errors import ConfigError, UpstreamError

TWILIO_CATALOG_URL = "https://www.twilio.com/docs/api/errors/twilio-error-codes.json"


def sync(
    settings: Settings,
    url: str = TWILIO_CATALOG_URL,
    *,
    transport: httpx.BaseTransport | None = None,
    timeout: float = 30.0,
) -> Path:
    """Fetch the catalogue from url into settings.home and return its path.

    The old copy stays in place unless the new one downloads completely and parses as a catalogue.

    Raises:
        UpstreamError: the download failed, or what came back is not a catalogue.
        ConfigError: the skill's home cannot be written.
    """
    body = _download(url, transport, timeout)
    try:
        full.parse_entries(json.loads(body))
    except ValueError as exc:
        raise UpstreamError(
            f"{url} did not return an error catalogue: {exc}.",
            code="upstream.error_catalog_invalid",
            remediation=[
                "Try again later; the existing copy, if any, was left unchanged.",
                "Check that the URL is Twilio's twilio-error-codes.json and not a proxy or login page.",
            ],
        ) from exc
    target = settings.home / full.CATALOG_FILENAME
    _write_atomically(target, body)
    full.clear_cache()
    return target


def _download(url: str, transport: httpx.BaseTransport | None, timeout: float) -> bytes:
    try:
        with httpx.Client(transport=transport, timeout=timeout, follow_redirects=True) as client:
            response = client.get(url, headers={"Accept": "application/json"})
    except httpx.HTTPError as exc:
        raise UpstreamError(
            f"Could not download the error catalogue from {url}: {type(exc).__name__}.",
            code="upstream.error_catalog_unreachable",
            retryable=True,
            remediation=[
                "Check the network connection and any HTTPS proxy settings, then run the sync again.",
                "Or download the file yourself and point TWILIO_SKILL_ERROR_CATALOG at it.",
            ],
        ) from exc
    if response.status_code != 200:
        status = response.status_code
        raise UpstreamError(
            f"Downloading the error catalogue from {url} failed with HTTP {status}.",
            code="upstream.error_catalog_http",
            http_status=status,
            retryable=status == 429 or status >= 500,
            remediation=[
                "Run the sync again later." if status == 429 or status >= 500 else "Check the URL.",
                "The existing copy, if any, was left unchanged.",
            ],
        )
    return response.content


def _write_atomically(target: Path, body: bytes) -> None:
    temp_name: str | None = None
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("wb", dir=target.parent, prefix=".catalog-", delete=False) as temp:
            temp_name = temp.name
            temp.write(body)
            temp.flush()
            os.fsync(temp.fileno())
        os.replace(temp_name, target)
    except OSError as exc:
        if temp_name is not None:
            with contextlib.suppress(OSError):
                os.unlink(temp_name)
        raise ConfigError(
            f"Could not write the error catalogue to {target}: {exc.strerror or exc}.",
            code="config.home_unwritable",
            remediation=[
                f"Check that {target.parent} exists and is writable by this user.",
                "Or set TWILIO_SKILL_HOME to a writable directory.",
            ],
        ) from exc
