"""Regenerate, or check, every file derived from the tool registry and the runbooks.

    tools/<name>.json          one contract per registry tool (stale files removed)
    README.md, SKILL.md        the tool table between <!-- tools:start --> and <!-- tools:end -->
    manifest.json              version, tools and prompts
    skill/server/listed_schemas.json   the schemas tools/list sends, computed ahead of time

Everything is read from the registry and prompts/ at the time of the call, never from a list kept
by hand.
"""

from __future__ import annotations

from pathlib import Path

from skill.docs.manifest import render_manifest
from skill.docs.tables import replace_between_markers, tool_table
from skill.errors import ConfigError
from skill.server.listed_schemas import CACHE_FILE, file_text
from skill.server.prompts import load_runbooks
from skill.server.registry import all_tools
from skill.server.schemas import tool_document_text

TABLE_FILES = ("README.md", "SKILL.md")
MANIFEST = "manifest.json"
TOOLS_DIR = "tools"
LISTED_SCHEMAS = str(CACHE_FILE.relative_to(CACHE_FILE.parents[2]))


def expected_files(root: Path) -> dict[str, str]:
    """Relative path -> generated text, for every generated file.

    Raises:
        ConfigError: a file that receives a generated part is missing or has no markers.
    """
    specs = all_tools()
    expected = {f"{TOOLS_DIR}/{spec.name}.json": tool_document_text(spec) for spec in specs}
    table = tool_table(specs)
    for name in TABLE_FILES:
        current = _read(root, name)
        try:
            expected[name] = replace_between_markers(current, table, name)
        except ValueError as exc:
            raise ConfigError(str(exc), code="config.docs_markers_missing") from None
    books = load_runbooks(root / "prompts")
    expected[MANIFEST] = render_manifest(_read(root, MANIFEST), root, specs, books)
    expected[LISTED_SCHEMAS] = file_text(specs)
    return expected


def _read(root: Path, name: str) -> str:
    path = root / name
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(
            f"{path} is missing; it holds hand-written parts the generator fills in.",
            code="config.docs_file_missing",
            remediation=[f"Restore {name} from version control."],
        ) from None


def generate(root: Path, check: bool) -> list[str]:
    """Write the generated files under root (or only compare them when check is true).

    Returns the relative paths that changed, or would change, including stale tools/*.json files,
    which are removed.

    Raises:
        ConfigError: a file with hand-written parts is missing, or a runbook is malformed.
    """
    expected = expected_files(root)
    changed = [
        rel
        for rel, text in sorted(expected.items())
        if not (root / rel).is_file() or (root / rel).read_text(encoding="utf-8") != text
    ]
    tools_dir = root / TOOLS_DIR
    present = {f"{TOOLS_DIR}/{path.name}" for path in tools_dir.glob("*.json")} if tools_dir.is_dir() else set()
    stale = sorted(present - set(expected))
    if not check:
        tools_dir.mkdir(parents=True, exist_ok=True)
        for rel in changed:
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            (root / rel).write_text(expected[rel], encoding="utf-8")
        for rel in stale:
            (root / rel).unlink()
    return sorted(changed + stale)
