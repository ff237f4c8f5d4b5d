from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from skill.core.exports import export_name, write_export
from skill.errors import ConfigError

SID = "FW" + "0123456789abcdef" * 2
MOMENT = datetime(2025, 3, 1, 12, 30, 5, tzinfo=UTC)


def test_an_export_name_is_built_only_from_a_sid_a_label_and_the_time() -> None:
    assert export_name(SID, "r3", MOMENT) == f"{SID}-r3-20250301T123005Z.json"
    assert export_name(SID, "r3", MOMENT, attempt=2) == f"{SID}-r3-20250301T123005Z-2.json"


@pytest.mark.parametrize(
    ("sid", "label"),
    [("../../etc", "r1"), ("FW" + "0" * 31 + "/", "r1"), (SID, "../x"), (SID, "R1"), (SID, ""), (SID + "\x00", "r1")],
)
def test_an_export_name_refuses_anything_that_could_carry_a_path(sid: str, label: str) -> None:
    with pytest.raises(ValueError):
        export_name(sid, label, MOMENT)


def test_write_export_creates_owner_only_files_and_never_reuses_a_name(tmp_path: Path) -> None:
    first = write_export(tmp_path / "home", sid=SID, label="r1", text="{}\n", moment=MOMENT)
    second = write_export(tmp_path / "home", sid=SID, label="r1", text="[]\n", moment=MOMENT)
    assert first.read_text() == "{}\n" and second.read_text() == "[]\n"
    assert second.name == f"{SID}-r1-20250301T123005Z-1.json"
    assert first.stat().st_mode & 0o777 == 0o600 and first.parent.stat().st_mode & 0o777 == 0o700


def test_write_export_refuses_a_home_it_cannot_create(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(ConfigError) as refused:
        write_export(blocker / "home", sid=SID, label="r1", text="{}", moment=MOMENT)
    assert refused.value.code == "config.exports_folder_unusable"
