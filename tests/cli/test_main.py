from __future__ import annotations

import subprocess
import sys

from tests.cli.conftest import Invoke
from tests.e2e.support import SERVER_EXE


def test_the_entry_point_imports_no_mcp_twilio_or_phonenumbers() -> None:
    probe = (
        "import sys, skill.cli.main as m; m.cli.list_commands(None);"
        "[m.cli.get_command(None, name) for name in m.COMMANDS];"
        "print(sorted(n for n in ('mcp', 'twilio', 'phonenumbers', 'rich') if n in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True)
    assert done.stdout.strip() == "[]"


def test_help_lists_every_command(run: Invoke) -> None:
    result = run("--help")
    assert result.exit_code == 0
    for name in ("approvals", "audit", "doctor", "errors", "sandbox", "serve", "tools"):
        assert name in result.stdout


def test_the_installed_console_script_answers_help() -> None:
    done = subprocess.run([str(SERVER_EXE), "--help"], capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0
    assert "serve" in done.stdout


def test_an_unknown_command_is_a_usage_error(run: Invoke) -> None:
    result = run("frobnicate")
    assert result.exit_code == 2
    assert "No such command" in result.stderr
