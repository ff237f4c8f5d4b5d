"""Staged incidents: each scenario seeds the sandbox with one runbook's incident (state and faults),
so the runbook can be rehearsed end to end: diagnosis, fix, confirmation.

`twilio-skill sandbox --scenario NAME` serves a staged sandbox; `serve --scenario NAME` (or
TWILIO_SKILL_SANDBOX_SCENARIO) stages the embedded one; `twilio-skill doctor --scenario NAME` shows
what a scenario seeds. A scenario module exports SCENARIO; the registry below lists the modules.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING

from skill.errors import ConfigError

if TYPE_CHECKING:
    from skill.sandbox.app import Sandbox

# Modules under skill.sandbox.scenarios, one per staged incident.
MODULES: tuple[str, ...] = (
    "webhook_502",
    "carrier_filtering",
    "unregistered_10dlc",
    "new_sender",
    "stale_key",
    "revoked_key",
    "no_dev_subaccount",
    "storm_20429",
    "sendgrid_bounces",
    "sendgrid_scopes",
    "optout_ignored",
    "verify_locked_out",
    "verify_pumping",
    "studio_http_500",
    "studio_other_account",
    "broken_ivr",
    "callback_wrong_token",
)


@dataclass(frozen=True)
class Staged:
    """What staging did: the runbook's arguments as the person reporting the incident would give
    them, and one line per thing seeded."""

    arguments: dict[str, str]
    seeded: tuple[str, ...]


OperatorAction = Callable[["Sandbox"], str]  # does what a person would do outside the tools; says what


@dataclass(frozen=True)
class Scenario:
    name: str
    runbook: str
    summary: str  # one line, as `--scenario list` shows it
    stage: Callable[[Sandbox], Staged]
    operator: dict[str, OperatorAction] = field(default_factory=dict)


@cache
def scenarios() -> tuple[Scenario, ...]:
    """Every scenario, sorted by name."""
    found = [importlib.import_module(f"skill.sandbox.scenarios.{name}").SCENARIO for name in MODULES]
    return tuple(sorted(found, key=lambda scenario: scenario.name))


def get(name: str) -> Scenario:
    """The scenario of that name.

    Raises:
        ConfigError: config.unknown_scenario, naming the known ones.
    """
    for scenario in scenarios():
        if scenario.name == name:
            return scenario
    known = ", ".join(scenario.name for scenario in scenarios())
    raise ConfigError(
        f"Unknown sandbox scenario {name[:60]!r}.",
        code="config.unknown_scenario",
        remediation=[f"Choose one of: {known}.", "`twilio-skill sandbox --scenario list` describes each."],
    )


def stage(sandbox: Sandbox, name: str) -> Staged:
    """Seed the scenario's incident into a freshly seeded sandbox.

    Raises:
        ConfigError: no scenario has that name.
    """
    scenario = get(name)
    staged = scenario.stage(sandbox)
    sandbox.scenario = scenario.name
    return staged
