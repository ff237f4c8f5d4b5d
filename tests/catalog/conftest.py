"""A small stand-in for Twilio's catalogue file, and a clean catalogue cache for every test."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from skill.catalog import full

# Codes that no curated entry uses, with text written for these tests.
SMALL_CATALOGUE: list[dict[str, Any]] = [
    {
        "code": 45123,
        "message": "Widget quota exhausted",
        "description": "## Error - 45123\n\n### Widget quota exhausted\n\nThe account used every widget it may.\n",
        "causes": "* Too many widgets were made today.\n* A [loop](https://example.com/loop) made them.",
        "solutions": "* Delete widgets you no longer need.\n* Ask for a **higher** quota.",
        "product": "Widgets",
    },
    {
        "code": "45124",
        "message": "Gadget offline",
        "description": None,
        "causes": "",
        "solutions": "",
    },
]


def write_catalogue(path: Path, entries: list[dict[str, Any]] | None = None) -> Path:
    """Write entries (default: SMALL_CATALOGUE) as a catalogue file at path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(SMALL_CATALOGUE if entries is None else entries))
    return path


@pytest.fixture
def catalogue_file(tmp_path: Path) -> Path:
    return write_catalogue(tmp_path / "catalogue" / "twilio-error-codes.json")


@pytest.fixture(autouse=True)
def fresh_catalogue_cache() -> Iterator[None]:
    full.clear_cache()
    yield
    full.clear_cache()
