"""A server lists its tools from the shipped listing without importing their modules, lists the same
catalogue when that listing is stale, and imports a tool's module on the tool's first call."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp import Client

from skill.config import ALL_TOOLSETS, DEFAULT_TOOLSETS, Settings
from skill.server import listed_schemas
from skill.server.app import build_server
from skill.server.listed_schemas import file_text
from skill.server.registry import all_tools

pytestmark = pytest.mark.anyio


async def listing(settings: Settings) -> list[dict[str, Any]]:
    async with Client(build_server(settings)) as client:
        with anyio.fail_after(30):
            result = await client.list_tools()
    return [tool.model_dump(mode="json", by_alias=True, exclude_none=True) for tool in result.tools]


def test_the_shipped_listing_is_current() -> None:
    assert listed_schemas.CACHE_FILE.read_text(encoding="utf-8") == file_text(all_tools())
    assert listed_schemas.shipped_entries() is not None


async def test_a_stale_listing_is_ignored_and_the_catalogue_listed_is_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for toolsets in (DEFAULT_TOOLSETS, ALL_TOOLSETS):
        settings = Settings(home=tmp_path, toolsets=toolsets)
        shipped = await listing(settings)
        with monkeypatch.context() as patch:
            patch.setattr(listed_schemas, "source_digest", lambda root=None: "edited since")
            listed_schemas._current.cache_clear()
            assert listed_schemas.shipped_entries() is None
            computed = await listing(settings)
        listed_schemas._current.cache_clear()
        assert computed == shipped


async def test_a_listing_whose_digest_matches_is_what_the_server_lists(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The proof that a current file is read rather than recomputed: an entry edited in it is listed."""
    entries = listed_schemas.shipped_entries()
    assert entries is not None
    edited = dict(entries)
    edited["account_get"]["summary"]["description"] = "Read from the shipped listing."
    data = {"digest": listed_schemas.source_digest(), "order": [name for name, _ in entries], "tools": edited}
    monkeypatch.setattr(listed_schemas, "_current", lambda: data)
    tools = await listing(Settings(home=tmp_path, toolsets=DEFAULT_TOOLSETS))
    assert (
        next(tool for tool in tools if tool["name"] == "account_get")["description"] == "Read from the shipped listing."
    )


def test_listing_imports_no_tool_module_and_a_call_imports_only_its_own() -> None:
    probe = """
import sys, tempfile, anyio
from pathlib import Path
from mcp import Client
from skill.config import DEFAULT_TOOLSETS, Settings
from skill.server.app import build_server

async def main():
    settings = Settings(home=Path(tempfile.mkdtemp()), toolsets=DEFAULT_TOOLSETS)
    async with Client(build_server(settings)) as client:
        await client.list_tools()
        print(sorted(m for m in sys.modules if m.startswith("skill.tools.")))
        await client.call_tool("error_explain", {"code": "21211"})
        print("skill.tools.error_codes" in sys.modules, "skill.tools.voice" in sys.modules)

anyio.run(main)
"""
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=True)
    assert done.stdout.splitlines() == ["[]", "True False"], done.stderr
