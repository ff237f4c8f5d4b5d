from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from skill.cli.docs_cmd import docs
from skill.docs.generate import generate
from skill.errors import ConfigError
from skill.server.prompts import load_runbooks
from skill.server.registry import all_tools

ROOT = Path(__file__).resolve().parents[2]
COPIED = ("pyproject.toml", "README.md", "SKILL.md", "manifest.json", "prompts", "tools")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the files the generator reads and writes, generated once."""
    root = tmp_path / "project"
    root.mkdir()
    for name in COPIED:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, root / name)
        else:
            shutil.copy(source, root / name)
    generate(root, check=False)
    return root


def test_after_generate_the_check_finds_no_drift(project: Path) -> None:
    assert generate(project, check=True) == []
    assert generate(project, check=False) == []


def test_the_check_reports_an_edited_table_and_tool_file_and_writes_nothing(project: Path) -> None:
    readme = project / "README.md"
    readme.write_text(readme.read_text().replace("| `account_get` | READ |", "| `account_get` | WRITE |"))
    tool_file = project / "tools" / "account_get.json"
    tool_file.write_text(tool_file.read_text().replace('"READ"', '"WRITE"'))
    edited = readme.read_text()
    assert generate(project, check=True) == ["README.md", "tools/account_get.json"]
    assert readme.read_text() == edited
    assert generate(project, check=False) == ["README.md", "tools/account_get.json"]
    assert generate(project, check=True) == []


def test_stale_and_missing_tool_files_are_reported_and_fixed(project: Path) -> None:
    (project / "tools" / "gone_tool.json").write_text("{}\n")
    (project / "tools" / "account_get.json").unlink()
    assert generate(project, check=True) == ["tools/account_get.json", "tools/gone_tool.json"]
    generate(project, check=False)
    assert not (project / "tools" / "gone_tool.json").exists()
    assert (project / "tools" / "account_get.json").is_file()


def test_an_edited_runbook_makes_the_manifest_drift(project: Path) -> None:
    runbook = project / "prompts" / "rate-limiting.md"
    runbook.write_text(runbook.read_text() + "\nOne more line.\n")
    assert generate(project, check=True) == ["manifest.json"]


def test_a_file_without_markers_is_a_clear_error(project: Path) -> None:
    (project / "SKILL.md").write_text("---\nname: twilio\n---\nno markers\n")
    with pytest.raises(ConfigError, match="SKILL.md: needs the markers"):
        generate(project, check=True)


def test_the_docs_command_exits_1_listing_drift_then_0_after_generate(project: Path) -> None:
    (project / "tools" / "gone_tool.json").write_text("{}\n")
    runner = CliRunner()
    drifted = runner.invoke(docs, ["generate", "--check", "--root", str(project)])
    assert drifted.exit_code == 1
    assert "tools/gone_tool.json" in drifted.output
    written = runner.invoke(docs, ["generate", "--root", str(project)])
    assert written.exit_code == 0, written.output
    clean = runner.invoke(docs, ["generate", "--check", "--root", str(project)])
    assert clean.exit_code == 0 and "up to date" in clean.output


def test_the_committed_generated_files_match_the_registry_and_prompts() -> None:
    assert generate(ROOT, check=True) == [], "run `twilio-skill docs generate`"


def load_manifest() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((ROOT / "manifest.json").read_text())
    return data


def test_the_manifest_lists_exactly_the_registry_tools_and_the_runbooks() -> None:
    manifest = load_manifest()
    assert [tool["name"] for tool in manifest["tools"]] == [spec.name for spec in all_tools()]
    books = {book.name: book for book in load_runbooks()}
    assert sorted(prompt["name"] for prompt in manifest["prompts"]) == sorted(books)
    for prompt in manifest["prompts"]:
        assert prompt["arguments"] == [arg.name for arg in books[prompt["name"]].arguments]
        assert "{{" not in prompt["text"]


def test_the_manifest_wires_every_user_setting_into_the_server_command() -> None:
    manifest = load_manifest()
    assert manifest["manifest_version"] == "0.3"
    assert manifest["server"]["type"] == "python"
    config = manifest["server"]["mcp_config"]
    wired = set(re.findall(r"\$\{user_config\.(\w+)\}", json.dumps(config)))
    assert wired == set(manifest["user_config"])
    sensitive = {name for name, item in manifest["user_config"].items() if item.get("sensitive")}
    assert sensitive == {"api_secret", "auth_token", "sendgrid_api_key"}
    for item in manifest["user_config"].values():
        assert {"type", "title", "description"} <= set(item)


def skill_front_matter() -> dict[str, Any]:
    text = (ROOT / "SKILL.md").read_text(encoding="utf-8")
    data: dict[str, Any] = yaml.safe_load(text.split("---\n", 2)[1])
    return data


def test_skill_md_front_matter_follows_the_agentskills_and_openclaw_rules() -> None:
    data = skill_front_matter()
    assert set(data) <= {"name", "description", "license", "compatibility", "metadata", "allowed-tools"}
    assert data["name"] == "twilio"
    assert "\n" not in data["description"] and len(data["description"]) < 160
    assert data["license"] == "MIT" and isinstance(data["compatibility"], str)
    openclaw = data["metadata"]["openclaw"]
    assert openclaw["emoji"] and openclaw["primaryEnv"] == "TWILIO_ACCOUNT_SID"
    assert openclaw["requires"]["bins"] == ["twilio-skill"]
    assert {"kind": "uv", "package": "twilio-skill"}.items() <= openclaw["install"][0].items()


def test_skill_md_names_every_runbook() -> None:
    text = (ROOT / "SKILL.md").read_text(encoding="utf-8")
    missing = [book.name for book in load_runbooks() if f"`{book.name}`" not in text]
    assert missing == []
