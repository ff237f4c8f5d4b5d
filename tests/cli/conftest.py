"""CLI fixtures: the command run in process on a temporary home, with no Twilio credentials around."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from skill.cli.main import cli
from skill.records.approvals import Approval
from skill.stores.sqlite import Stores
from tests import approvals

Invoke = Callable[..., Result]


@pytest.fixture
def cli_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for key in list(os.environ):
        if key.startswith("TWILIO_") or key == "SENDGRID_API_KEY":
            monkeypatch.delenv(key)
    home = tmp_path / "home"
    monkeypatch.setenv("TWILIO_SKILL_HOME", str(home))
    return home


@pytest.fixture
def run(cli_home: Path) -> Invoke:
    """Run `twilio-skill ARGS...` in this process; stdout and stderr are kept apart."""
    runner = CliRunner()

    def invoke(*args: str) -> Result:
        return runner.invoke(cli, list(args), catch_exceptions=False)

    return invoke


def open_request(
    home: Path, tool: str = "number_release", args_json: str = '{"sid":"PN1"}', ttl: int = 600
) -> Approval:
    """An approval request as a gated call would leave it in the store."""
    stores = Stores.open(home / "sandbox.db")
    try:
        return approvals.open_request(stores, tool, args_json, ttl=ttl)
    finally:
        stores.close()
