"""What every command shares: global options, settings built once, error output, the sandbox notice,
the stores and timestamps."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, NoReturn

import click

from skill.config import Settings
from skill.core.display import terminal_line
from skill.errors import SkillError

if TYPE_CHECKING:
    from rich.console import Console

    from skill.core.approvals import ApprovalService
    from skill.stores.sqlite import Stores

SANDBOX_NOTICE = "twilio-skill: no Twilio credentials found; using the embedded sandbox (nothing real happens)."


def err(message: str) -> None:
    """One line on stderr (stdout carries data, and the MCP channel in stdio mode)."""
    click.echo(message, err=True)


def fail(error: SkillError, exit_code: int = 1) -> NoReturn:
    """Print a SkillError as one line plus its remediation steps, then exit. Messages often quote what
    an agent, Twilio or a file said, so every line is escaped (see skill.core.display)."""
    err(f"twilio-skill: {terminal_line(error.message)}")
    for step in error.remediation:
        err(f"  - {terminal_line(step)}")
    sys.exit(exit_code)


@dataclass
class CliState:
    """The group's global options; settings are built on first use and the sandbox notice shown once."""

    profile: str | None = None
    toolsets: str | None = None
    tools: str | None = None
    read_only: bool = False
    _settings: Settings | None = field(default=None, repr=False)

    def settings(self, *, notice: bool = True) -> Settings:
        """Settings from the environment and the global options; exits with a clear line when unusable."""
        if self._settings is None:
            try:
                self._settings = Settings.from_env(
                    profile=self.profile,
                    toolsets=self.toolsets,
                    tools=self.tools,
                    read_only=True if self.read_only else None,
                )
            except SkillError as exc:
                fail(exc)
            if notice and self._settings.mode == "sandbox":
                if self._settings.sandbox_url:
                    err(
                        "twilio-skill: no Twilio credentials found; using the sandbox at "
                        f"{self._settings.sandbox_url} (nothing real happens)."
                    )
                else:
                    err(SANDBOX_NOTICE)
        return self._settings


pass_state = click.make_pass_decorator(CliState, ensure=True)
# Next steps for the refusals the stores raise without any.
STORE_HINTS = {
    "not_found.approval": "List requests with `twilio-skill approvals list`.",
    "policy.approval_decided": "Nothing to do; see it with `twilio-skill approvals show ID`.",
}


@contextmanager
def open_stores(state: CliState) -> Iterator[Stores]:
    """The stores on the settings' database, closed afterwards; SkillErrors become one-line exits."""
    from skill.wiring import open_stores as open_settings_stores

    try:
        stores = open_settings_stores(state.settings())
    except SkillError as exc:
        fail(exc)
    try:
        yield stores
    except SkillError as exc:
        if not exc.remediation and exc.code in STORE_HINTS:
            exc.remediation = [STORE_HINTS[exc.code]]
        fail(exc)
    finally:
        stores.close()


@contextmanager
def open_approvals(state: CliState) -> Iterator[ApprovalService]:
    """The approvals service on the settings' database, closed afterwards; SkillErrors become one-line exits."""
    from skill.wiring import approval_service

    with open_stores(state) as stores:
        yield approval_service(stores, state.settings())


def iso(ts: float | None) -> str:
    """A UTC timestamp, to the second; '-' when absent."""
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="seconds") if ts else "-"


def mask_sid(sid: str | None) -> str:
    """AC5a5a...5a5a: enough to recognise an account without printing it whole."""
    if not sid:
        return "(none)"
    if len(sid) <= 12:
        return sid
    return f"{sid[:6]}...{sid[-4:]}"


def wide_console() -> Console:
    """A rich Console for tables: no markup parsing of data, no wrapping when stdout is not a terminal."""
    from rich.console import Console

    console = Console(markup=False, highlight=False)
    if not console.is_terminal:
        console = Console(markup=False, highlight=False, width=200)
    return console
