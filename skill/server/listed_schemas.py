"""The schemas tools/list sends, computed ahead of time and shipped beside this module.

Turning 66 pydantic models into JSON schemas is most of what a server does between its imports and its
first answer. `listed_schemas.json` holds them, with a digest of every source file they derive from; when
the digest still matches, a start reads them instead of computing them, and when it does not (a model
edited and the file not regenerated), they are computed as before. `twilio-skill docs generate` writes the
file and `--check` fails on a stale one.
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pydantic

if TYPE_CHECKING:
    from skill.server.registry import ToolSpec

PACKAGE = Path(__file__).resolve().parent.parent
CACHE_FILE = Path(__file__).resolve().with_suffix(".json")


# What a listed tool is derived from: its module, the models and fields it uses, and the code that shrinks
# schemas and derives hints. A model that takes a constant from elsewhere is covered by the drift check,
# which compares the whole content, not only the digest.
SOURCES = (
    "tools",
    "records",
    "results.py",
    "toolsets.py",
    "policy/tiers.py",
    "server/schemas.py",
    "server/registry.py",
    "server/listing.py",
)


def source_digest(root: Path = PACKAGE) -> str | None:
    """sha256 over the sources listed tools derive from, and the pydantic version; None when a source
    cannot be read (then nothing is taken from the file)."""
    digest = hashlib.sha256(pydantic.VERSION.encode())
    try:
        for name in SOURCES:
            path = root / name
            for file in sorted(path.rglob("*.py")) if path.is_dir() else [path]:
                digest.update(str(file.relative_to(root)).encode() + b"\0" + file.read_bytes() + b"\0")
    except OSError:
        return None
    return digest.hexdigest()


def computed(specs: tuple[ToolSpec, ...]) -> dict[str, Any]:
    """The file's content, computed from the models, the tools in the registry's order."""
    from skill.server.listing import ListedTool
    from skill.server.schemas import base_input_schema, computed_output_schema

    return {
        "digest": source_digest(),
        "order": [spec.name for spec in specs],
        "tools": {
            spec.name: {
                "models": _models(spec),
                "summary": ListedTool.of(spec).summary(),
                "input": base_input_schema(spec),
                "output": computed_output_schema(spec, listed=True),
            }
            for spec in specs
        },
    }


def _models(spec: ToolSpec) -> list[str]:
    """Which models a tool's schemas came from, so a spec reusing a name with other models computes its own."""
    return [f"{model.__module__}.{model.__qualname__}" for model in (spec.input, spec.output)]


def file_text(specs: tuple[ToolSpec, ...]) -> str:
    return json.dumps(computed(specs), sort_keys=True, separators=(",", ":")) + "\n"


@cache
def _current() -> dict[str, Any]:
    """The shipped file's content, or nothing when it is missing, unreadable or stale."""
    try:
        data = json.loads(CACHE_FILE.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or data.get("digest") != source_digest():
        return {}
    return data


def _order() -> list[str]:
    order = _current().get("order")
    return [name for name in order if isinstance(name, str)] if isinstance(order, list) else []


def _shipped() -> dict[str, Any]:
    """The shipped schemas by tool name, or nothing when the file is not current."""
    data = _current()
    if not isinstance(data.get("tools"), dict):
        return {}
    tools: dict[str, Any] = data["tools"]
    return tools


def shipped_entries() -> list[tuple[str, dict[str, Any]]] | None:
    """(name, entry: summary, input, output) of every tool in the registry's order, or None when the file
    is not current. The entries are fresh copies."""
    tools = _shipped()
    order = _order()
    if not tools or not order or not all(isinstance(tools.get(name), dict) for name in order):
        return None
    return [(name, json.loads(json.dumps(tools[name]))) for name in order]


def shipped(spec: ToolSpec, kind: str) -> dict[str, Any] | None:
    """A fresh copy of one tool's shipped schema ("input" or "output"), or None to compute it."""
    entry = _shipped().get(spec.name)
    if not isinstance(entry, dict) or entry.get("models") != _models(spec) or not isinstance(entry.get(kind), dict):
        return None
    copy: dict[str, Any] = json.loads(json.dumps(entry[kind]))
    return copy
