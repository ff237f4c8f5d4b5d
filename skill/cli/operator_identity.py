"""Who is deciding at the CLI: an operator credential from TWILIO_SKILL_OPERATOR_TOKEN, or asked for."""

from __future__ import annotations

import getpass
import os
import sys
from typing import TYPE_CHECKING

from skill.cli.common import fail
from skill.core.operators import TOKEN_ENV, authenticate
from skill.errors import ConfigError, PolicyError
from skill.records.operators import OperatorRecord

if TYPE_CHECKING:
    from skill.stores.sqlite import Stores


def on_terminal() -> bool:
    """True when a person can be asked: stdin is a terminal."""
    return sys.stdin.isatty()


def read_credential() -> str | None:
    """The credential from the environment, else typed (not echoed) when stdin is a terminal, else None."""
    given = os.environ.get(TOKEN_ENV, "").strip()
    if given:
        return given
    if on_terminal():
        try:
            return getpass.getpass("Operator credential: ").strip() or None
        except (EOFError, KeyboardInterrupt):
            return None
    return None


def identify_operator(stores: Stores) -> OperatorRecord:
    """The operator deciding now; exits with one clear message when there is none or it is refused."""
    credential = read_credential()
    if credential is None:
        fail(
            ConfigError(
                "Deciding needs your operator credential.",
                code="config.operator_credential_missing",
                remediation=[
                    f"Set {TOKEN_ENV} to it, or run the command on a terminal to be asked for it.",
                    "No credential yet? An administrator runs `twilio-skill operators create NAME`.",
                ],
            )
        )
    record = authenticate(stores.operators, credential)
    if record is None:
        fail(
            PolicyError(
                "That operator credential is not valid (unknown, rotated or revoked); nothing was decided.",
                code="policy.operator_refused",
                remediation=["Ask an administrator for a new one: `twilio-skill operators rotate NAME`."],
            )
        )
    return record
