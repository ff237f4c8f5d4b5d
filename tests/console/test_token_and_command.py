from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from skill.cli.main import cli
from skill.console.auth import TOKEN_FILE, load_or_create_console_token


def test_the_console_token_is_created_once_owner_only_and_apart_from_the_mcp_token(tmp_path: Path) -> None:
    token, created = load_or_create_console_token(tmp_path / "home")
    assert created
    assert len(token) >= 40
    path = tmp_path / "home" / TOKEN_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert not (tmp_path / "home" / "http-token").exists()
    assert load_or_create_console_token(tmp_path / "home") == (token, False)


@pytest.fixture
def started(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """uvicorn.run replaced by a recorder: the command is checked up to the point it would listen."""
    import uvicorn

    for key in list(os.environ):
        if key.startswith("TWILIO_") or key == "SENDGRID_API_KEY":
            monkeypatch.delenv(key)
    monkeypatch.setenv("TWILIO_SKILL_HOME", str(tmp_path / "home"))
    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: calls.append(options))
    return calls


def test_the_console_command_shows_the_token_once_and_binds_loopback(
    started: list[dict[str, Any]], tmp_path: Path
) -> None:
    runner = CliRunner()
    first = runner.invoke(cli, ["console"], catch_exceptions=False)
    assert first.exit_code == 0
    token = (tmp_path / "home" / TOKEN_FILE).read_text().strip()
    assert token in first.stderr
    assert "http://127.0.0.1:8790/login" in first.stderr
    assert "WARNING" not in first.stderr
    second = runner.invoke(cli, ["console", "--port", "8791"], catch_exceptions=False)
    assert token not in second.stderr
    assert str(tmp_path / "home" / TOKEN_FILE) in second.stderr
    assert [(call["host"], call["port"]) for call in started] == [("127.0.0.1", 8790), ("127.0.0.1", 8791)]


def test_binding_beyond_loopback_warns_that_the_token_is_the_only_protection(started: list[dict[str, Any]]) -> None:
    result = CliRunner().invoke(cli, ["console", "--host", "0.0.0.0"], catch_exceptions=False)
    assert result.exit_code == 0
    assert "WARNING" in result.stderr
    assert "only protection" in result.stderr
    assert "TLS" in result.stderr
    assert started[0]["host"] == "0.0.0.0"
