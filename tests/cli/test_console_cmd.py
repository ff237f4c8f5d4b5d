"""`twilio-skill console` up to the point it would listen, and a port already taken by another server."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from tests.cli.conftest import Invoke
from tests.e2e.support import free_port


@pytest.fixture
def started(cli_home: Path, monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """uvicorn.run replaced by a recorder: the command is checked up to the point it would listen."""
    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: calls.append(options))
    return calls


@pytest.fixture
def taken_port() -> Iterator[int]:
    """A loopback port some other server is listening on."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        yield int(other.getsockname()[1])


def test_the_console_binds_loopback_and_says_how_to_get_a_credential(
    run: Invoke, started: list[dict[str, Any]]
) -> None:
    port = free_port()
    first = run("console", "--port", str(port))
    assert first.exit_code == 0, first.stderr
    assert f"http://127.0.0.1:{port}/login" in first.stderr
    assert "no operators yet" in first.stderr
    assert "twilio-skill operators create NAME" in first.stderr
    assert "WARNING" not in first.stderr
    assert run("operators", "create", "dana").exit_code == 0
    second = run("console", "--port", str(port))
    assert "no operators yet" not in second.stderr
    assert [(call["host"], call["port"]) for call in started] == [("127.0.0.1", port), ("127.0.0.1", port)]


def test_binding_beyond_loopback_warns_that_credentials_are_the_only_protection(
    run: Invoke, started: list[dict[str, Any]]
) -> None:
    result = run("console", "--host", "0.0.0.0", "--port", str(free_port()))
    assert result.exit_code == 0
    assert "WARNING" in result.stderr
    assert "only protection" in result.stderr
    assert "TLS" in result.stderr
    assert started[0]["host"] == "0.0.0.0"


@pytest.mark.parametrize(
    ("command", "fix"),
    [
        (("console",), "twilio-skill console --port "),
        (("webhooks",), "twilio-skill webhooks --port "),
        (("serve", "--transport", "http"), "make run PORT="),
    ],
)
def test_a_port_in_use_is_one_line_naming_the_fix(
    run: Invoke, started: list[dict[str, Any]], taken_port: int, command: tuple[str, ...], fix: str
) -> None:
    result = run(*command, "--port", str(taken_port))
    assert result.exit_code == 1
    lines = [line for line in result.stderr.splitlines() if "in use" in line]
    assert len(lines) == 1, result.stderr
    assert f"port {taken_port} on 127.0.0.1 is already in use" in lines[0]
    assert fix in lines[0]
    assert "Traceback" not in result.stderr
    assert started == []
