"""Scenarios from the command line: listed by the sandbox, shown by doctor, checked by serve."""

from __future__ import annotations

import pytest

from skill.sandbox.scenarios import scenarios
from tests.cli.conftest import Invoke


def test_the_sandbox_lists_every_scenario_on_one_line_with_its_runbook(run: Invoke) -> None:
    result = run("sandbox", "--scenario", "list")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == len(scenarios()) >= 16
    for scenario, line in zip(scenarios(), lines, strict=True):
        assert line.split()[:2] == [scenario.name, scenario.runbook]


def test_the_sandbox_refuses_an_unknown_scenario_before_serving(run: Invoke) -> None:
    result = run("sandbox", "--scenario", "no-such-incident")
    assert result.exit_code == 2
    assert "Unknown sandbox scenario 'no-such-incident'" in result.stderr
    assert "webhook-502" in result.stderr and "Sandbox listening" not in result.stdout


def test_doctor_shows_what_a_scenario_seeds_and_the_runbook_arguments(run: Invoke) -> None:
    result = run("doctor", "--scenario", "webhook-502")
    assert result.exit_code == 0, result.stdout + result.stderr
    assert "scenario webhook-502:" in result.stdout and "runbook: webhook-failures" in result.stdout
    assert "4 alerts 11200" in result.stdout
    assert "phone_number = +14155550142" in result.stdout and "error_code = 11200" in result.stdout


def test_doctor_refuses_an_unknown_scenario_with_exit_two(run: Invoke) -> None:
    result = run("doctor", "--scenario", "nope")
    assert result.exit_code == 2 and "Unknown sandbox scenario" in result.stderr


def test_a_hostile_scenario_name_is_cut_and_quoted_in_the_refusal(run: Invoke) -> None:
    result = run("doctor", "--scenario", "x\x1b[2J" + "y" * 500)
    assert result.exit_code == 2
    assert "\x1b" not in result.stderr and "y" * 100 not in result.stderr


def test_serve_refuses_a_scenario_it_cannot_stage(run: Invoke, monkeypatch: pytest.MonkeyPatch) -> None:
    assert run("serve", "--scenario", "nope").exit_code == 2
    monkeypatch.setenv("TWILIO_SKILL_SANDBOX_URL", "http://127.0.0.1:8787")
    result = run("serve", "--scenario", "webhook-502")
    assert result.exit_code == 2 and "stages the embedded sandbox" in result.stderr


def test_serve_takes_the_scenario_from_the_environment_and_checks_it(
    run: Invoke, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TWILIO_SKILL_SANDBOX_SCENARIO", "not-a-scenario")
    result = run("serve")
    assert result.exit_code == 2 and "Unknown sandbox scenario 'not-a-scenario'" in result.stderr
