"""Twilio's full error catalogue (twilio-error-codes.json): where a copy lives, reading it, and its text.

The file is a JSON list of entries with `code`, `message`, `description`, `causes` and `solutions`
(the last three in Markdown). It is large, so it is read only when a code is not curated, and kept
in memory until the file changes.
"""

from __future__ import annotations

import html
import json
import logging
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from skill.errors import ConfigError

if TYPE_CHECKING:
    from skill.config import Settings

log = logging.getLogger("twilio_skill.catalog")

CATALOG_FILENAME = "twilio-error-codes.json"
CATALOG_ENV = "TWILIO_SKILL_ERROR_CATALOG"

MAX_ITEMS = 8
MAX_ITEM_CHARS = 400

CatalogueEntries = dict[int, dict[str, Any]]

# path -> ((mtime_ns, size), entries); a changed file is read again.
_cache: dict[Path, tuple[tuple[int, int], CatalogueEntries]] = {}


def catalogue_path(settings: Settings | None = None) -> Path | None:
    """The copy of Twilio's catalogue to read: the configured path, else the one in the skill's home.

    Without settings, the same places are taken from the environment. None when no copy exists.
    """
    if settings is not None:
        if settings.error_catalog_path is not None:
            return settings.error_catalog_path
        home = settings.home
    else:
        configured = os.environ.get(CATALOG_ENV)
        if configured:
            return Path(configured)
        if os.environ.get("TWILIO_SKILL_HOME"):
            home = Path(os.environ["TWILIO_SKILL_HOME"])
        else:
            from skill.config import default_home

            home = default_home()
    candidate = home / CATALOG_FILENAME
    return candidate if candidate.is_file() else None


def parse_entries(data: object) -> CatalogueEntries:
    """Index a decoded catalogue by code.

    Raises:
        ValueError: it is not a non-empty list of objects with integer-like codes.
    """
    if not isinstance(data, list) or not data:
        raise ValueError("expected a non-empty JSON list of error entries")
    entries: CatalogueEntries = {}
    for position, item in enumerate(data):
        if not isinstance(item, dict):
            raise ValueError(f"entry {position} is not an object")
        code = _as_code(item.get("code"))
        if code is None:
            raise ValueError(f"entry {position} has no integer code")
        entries[code] = item
    return entries


def _as_code(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def load(path: Path) -> CatalogueEntries:
    """The catalogue at path, read once and cached until the file changes.

    Raises:
        ConfigError: the file is missing, unreadable or not a catalogue.
    """
    try:
        stat = path.stat()
        stamp = (stat.st_mtime_ns, stat.st_size)
        cached = _cache.get(path)
        if cached is not None and cached[0] == stamp:
            return cached[1]
        entries = parse_entries(json.loads(path.read_bytes()))
    except (OSError, ValueError) as exc:
        raise ConfigError(
            f"The error catalogue at {path} cannot be used: {exc}.",
            code="config.error_catalog_invalid",
            remediation=[
                "Run `twilio-skill errors sync` to download a fresh copy into the skill's home.",
                f"Or point {CATALOG_ENV} at a valid copy of twilio-error-codes.json.",
            ],
        ) from exc
    _cache[path] = (stamp, entries)
    return entries


def clear_cache() -> None:
    """Forget every catalogue read so far (after a sync, or in tests)."""
    _cache.clear()


def lookup(code: int, settings: Settings | None = None) -> dict[str, Any] | None:
    """Twilio's raw entry for code from the local copy, or None when there is no copy or no entry.

    An unusable copy is logged and treated as absent: explaining an error must never fail.
    """
    path = catalogue_path(settings)
    if path is None:
        return None
    try:
        return load(path).get(code)
    except ConfigError as exc:
        log.warning("%s", exc.message)
        return None


# --- Markdown to plain text ----------------------------------------------------------------------

_FENCE = re.compile(r"```.*?(```|$)", re.DOTALL)
_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)|\[([^\]]+)\]\[[^\]]*\]")
_HTML_TAG = re.compile(r"</?(?:a|br|p|b|i|u|em|strong|code|span|div|ul|ol|li)\b[^>]*>", re.IGNORECASE)
_BULLET = re.compile(r"^\s*(?:[*\-\u2022]|\d+[.)])\s+")
_EMPHASIS = re.compile(r"\*\*|__|`")


def _clean_line(line: str) -> str:
    line = _LINK.sub(lambda m: m.group(1) or m.group(2), line)
    line = _HTML_TAG.sub("", line)
    line = _EMPHASIS.sub("", line)
    return " ".join(html.unescape(line).split())


def _shorten(text: str) -> str:
    return text if len(text) <= MAX_ITEM_CHARS else text[: MAX_ITEM_CHARS - 1].rstrip() + "\u2026"


def markdown_items(text: object) -> tuple[str, ...]:
    """Bullet points (or else paragraphs) of a Markdown field, as short plain-text items."""
    if not isinstance(text, str) or not text.strip():
        return ()
    items: list[str] = []
    current: list[str] = []

    def flush() -> None:
        joined = _clean_line(" ".join(current))
        if joined:
            items.append(_shorten(joined))
        current.clear()

    for raw in _FENCE.sub("", text.replace("\r\n", "\n")).split("\n"):
        if raw.lstrip().startswith("#") or not raw.strip():
            flush()
        elif _BULLET.match(raw):
            flush()
            current.append(_BULLET.sub("", raw))
        else:
            current.append(raw)
    flush()
    return tuple(items[:MAX_ITEMS])


def first_paragraph(text: object) -> str:
    """The first paragraph of prose in a Markdown field, or '' when there is none."""
    for item in markdown_items(text):
        if not item.lower().startswith(("http status", "error -", "warning -")):
            return item
    return ""
