"""The generated parts of manifest.json (MCP Bundle): version, tools and prompts."""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from skill.server.prompts import PLACEHOLDER, Runbook
from skill.server.registry import ToolSpec


def project_version(root: Path) -> str:
    """The version in pyproject.toml."""
    data = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    return str(data["project"]["version"])


def bundle_prompt_text(book: Runbook) -> str:
    """A runbook body in the bundle's own placeholder form, ${arguments.NAME}."""
    text = PLACEHOLDER.sub(lambda m: "${arguments." + m.group(1) + "}", book.body)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def manifest_tools(specs: Iterable[ToolSpec]) -> list[dict[str, str]]:
    return [{"name": spec.name, "description": spec.description} for spec in specs]


def manifest_prompts(books: Iterable[Runbook]) -> list[dict[str, Any]]:
    return [
        {
            "name": book.name,
            "description": book.description,
            "arguments": [arg.name for arg in book.arguments],
            "text": bundle_prompt_text(book),
        }
        for book in books
    ]


def render_manifest(current: str, root: Path, specs: Iterable[ToolSpec], books: Iterable[Runbook]) -> str:
    """manifest.json's text with version, tools and prompts regenerated; every other key kept as written."""
    data: dict[str, Any] = json.loads(current)
    data["version"] = project_version(root)
    data["tools"] = manifest_tools(specs)
    data["prompts"] = manifest_prompts(books)
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
