"""Every runbook rehearsed on its staged incident: the steps reach the diagnosis it promises, the fix
is applied (approved where gated), and the confirmation shows the incident resolved."""

from __future__ import annotations

from collections.abc import AsyncIterator

import anyio
import pytest
import uvicorn
from mcp import Client

from skill.core.context import Services
from skill.sandbox.app import Sandbox
from skill.sandbox.scenarios import get, stage
from skill.server.prompts import bundled_runbooks
from tests.conftest import Elapse
from tests.e2e.support import free_port
from tests.runbooks.rehearse import rehearse

pytestmark = pytest.mark.anyio

REHEARSED = sorted(book.name for book in bundled_runbooks() if book.scenario)


@pytest.fixture
async def served(sandbox: Sandbox) -> AsyncIterator[Sandbox]:
    """The sandbox also served on a loopback port, so the app endpoints a scenario sets up answer probes."""
    port = free_port()
    sandbox.hooks_base = f"http://127.0.0.1:{port}"
    server = uvicorn.Server(uvicorn.Config(sandbox, host="127.0.0.1", port=port, log_level="error", lifespan="off"))
    async with anyio.create_task_group() as group:
        group.start_soon(server.serve)
        with anyio.fail_after(10):
            while not server.started:
                await anyio.sleep(0.02)
        yield sandbox
        server.should_exit = True


def test_every_runbook_names_a_scenario_that_stages_it() -> None:
    for book in bundled_runbooks():
        assert book.scenario, f"{book.name} has no scenario"
        assert get(book.scenario).runbook == book.name


@pytest.mark.parametrize("name", REHEARSED)
async def test_the_runbook_diagnoses_fixes_and_confirms_its_staged_incident(
    name: str, served: Sandbox, services: Services, client: Client, elapse: Elapse
) -> None:
    book = next(book for book in bundled_runbooks() if book.name == name)
    assert book.scenario is not None
    scenario = get(book.scenario)
    staged = stage(served, scenario.name)
    assert "{{" not in book.render(staged.arguments)  # the scenario's arguments are the runbook's own
    phases = [step.phase for step in book.steps]
    assert phases[0] == "diagnose" and "fix" in phases and phases[-1] == "confirm", phases
    assert book.steps[-1].expect, "the confirmation must check something"
    done = await rehearse(client, services, served, book, scenario, staged, elapse)
    assert len(done.outcomes) == len(book.steps)
    assert len(done.approved) == sum(step.gated for step in book.steps)


# Runbooks whose fix is in the customer's own code, which the sandbox does not run: their
# confirmation checks the setting the fix relies on, so it holds with or without the fix.
FIXED_IN_THE_APP = {"webhook-signature-mismatch"}


def test_only_runbooks_fixed_in_the_app_alone_confirm_without_their_fix() -> None:
    for name in FIXED_IN_THE_APP:
        book = next(book for book in bundled_runbooks() if book.name == name)
        assert all(step.operator for step in book.steps if step.phase == "fix"), name


@pytest.mark.parametrize("name", sorted(set(REHEARSED) - FIXED_IN_THE_APP))
async def test_without_the_fix_the_confirmation_fails(
    name: str, served: Sandbox, services: Services, client: Client, elapse: Elapse
) -> None:
    book = next(book for book in bundled_runbooks() if book.name == name)
    assert book.scenario is not None
    scenario = get(book.scenario)
    staged = stage(served, scenario.name)
    with pytest.raises((AssertionError, LookupError)):
        await rehearse(client, services, served, book, scenario, staged, elapse, skip_phase="fix")
