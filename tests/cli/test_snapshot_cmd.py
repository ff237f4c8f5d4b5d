from __future__ import annotations

import json
from pathlib import Path

from skill.server.registry import all_tools
from tests.cli.conftest import Invoke


def test_snapshot_writes_one_sorted_json_file_per_registered_tool(run: Invoke, tmp_path: Path) -> None:
    target = tmp_path / "tools"
    result = run("tools", "snapshot", "--dir", str(target))
    assert result.exit_code == 0, result.stderr
    names = {spec.name for spec in all_tools()}
    assert {path.stem for path in target.glob("*.json")} == names
    text = (target / "account_get.json").read_text()
    assert text.endswith("}\n")
    document = json.loads(text)
    assert document["name"] == "account_get"
    assert document["tier"] == "READ"
    assert text == json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def test_snapshot_covers_every_toolset_whatever_the_toolsets_option_says(run: Invoke, tmp_path: Path) -> None:
    target = tmp_path / "tools"
    assert run("--toolsets", "ops", "tools", "snapshot", "--dir", str(target)).exit_code == 0
    assert (target / "account_get.json").exists()


def test_check_passes_after_a_snapshot_and_fails_listing_an_edited_file(run: Invoke, tmp_path: Path) -> None:
    target = tmp_path / "tools"
    run("tools", "snapshot", "--dir", str(target))
    assert run("tools", "snapshot", "--check", "--dir", str(target)).exit_code == 0

    edited = target / "account_get.json"
    edited.write_text(edited.read_text().replace("Get account", "Fetch account"))
    drift = run("tools", "snapshot", "--check", "--dir", str(target))
    assert drift.exit_code == 1
    assert "account_get.json" in drift.stderr
    assert "subaccounts_list.json" not in drift.stderr
    assert "Fetch account" in edited.read_text(), "--check must not write"


def test_snapshot_removes_stale_files_and_check_reports_missing_and_stale_ones(run: Invoke, tmp_path: Path) -> None:
    target = tmp_path / "tools"
    run("tools", "snapshot", "--dir", str(target))
    (target / "retired_tool.json").write_text("{}\n")
    (target / "account_get.json").unlink()

    drift = run("tools", "snapshot", "--check", "--dir", str(target))
    assert drift.exit_code == 1
    assert "stale" in drift.stderr
    assert "retired_tool.json" in drift.stderr
    assert "missing" in drift.stderr
    assert "account_get.json" in drift.stderr

    assert run("tools", "snapshot", "--dir", str(target)).exit_code == 0
    assert not (target / "retired_tool.json").exists()
    assert (target / "account_get.json").exists()
    assert run("tools", "snapshot", "--check", "--dir", str(target)).exit_code == 0


def test_check_fails_when_the_directory_does_not_exist(run: Invoke, tmp_path: Path) -> None:
    drift = run("tools", "snapshot", "--check", "--dir", str(tmp_path / "nowhere"))
    assert drift.exit_code == 1
    assert not (tmp_path / "nowhere").exists()
