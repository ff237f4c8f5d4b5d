"""Approval gates across processes: the agent's server asks, an operator's CLI decides, the server obeys."""

from __future__ import annotations

from pathlib import Path

import anyio
import pytest
from mcp import Client

from skill.core.operators import TOKEN_ENV
from skill.stores.sqlite import Stores
from tests import approvals
from tests.conftest import Called, call
from tests.e2e.support import run_cli, stdio_server

pytestmark = [pytest.mark.anyio, pytest.mark.slow]

TEST_TIMEOUT = 60


async def number_sids(client: Client) -> list[str]:
    listed = await call(client, "numbers_list")
    assert not listed.is_error, listed
    return [number["sid"] for number in listed.data["items"]]


async def ask_to_release(client: Client, sid: str) -> str:
    gated = await call(client, "number_release", {"sid": sid})
    assert gated.error["code"] == "policy.approval_required", gated
    return str(gated.error["approval"]["id"])


async def release(client: Client, sid: str, approval_id: str) -> Called:
    return await call(client, "number_release", {"sid": sid, "approval_id": approval_id})


def credential(home: Path) -> str:
    """A new operator's credential, as `twilio-skill operators create` prints it."""
    created = run_cli(home, "operators", "create", "ops")
    assert created.returncode == 0, created.stderr
    return created.stdout.strip()


def operator(home: Path, *args: str) -> str:
    """Run an approvals command as an operator would, with their credential; returns stdout, asserting success."""
    done = run_cli(home, "approvals", *args, **{TOKEN_ENV: credential(home)})
    assert done.returncode == 0, done.stderr
    return done.stdout


async def test_a_release_runs_once_after_an_operator_approves_it_from_another_process(tmp_path: Path) -> None:
    home = tmp_path / "home"
    with anyio.fail_after(TEST_TIMEOUT):
        async with stdio_server(home) as client:
            before = await number_sids(client)
            target = before[0]
            approval_id = await ask_to_release(client, target)
            assert await number_sids(client) == before

            assert approval_id in operator(home, "approve", approval_id)

            done = await release(client, target, approval_id)
            assert not done.is_error, done
            after = await number_sids(client)
            assert target not in after
            assert set(after) == set(before) - {target}

            again = await release(client, target, approval_id)
            assert again.error["code"] == "policy.approval_used"
            assert await number_sids(client) == after


async def test_an_approval_for_one_number_does_not_release_another(tmp_path: Path) -> None:
    home = tmp_path / "home"
    with anyio.fail_after(TEST_TIMEOUT):
        async with stdio_server(home) as client:
            before = await number_sids(client)
            approved, other = before[0], before[1]
            approval_id = await ask_to_release(client, approved)
            operator(home, "approve", approval_id)

            refused = await release(client, other, approval_id)
            assert refused.error["code"] == "policy.approval_mismatch"
            assert await number_sids(client) == before

            # The refused attempt did not use the approval up: the approved call still runs.
            done = await release(client, approved, approval_id)
            assert not done.is_error, done
            assert set(await number_sids(client)) == set(before) - {approved}


async def test_a_denied_approval_is_refused_and_nothing_is_released(tmp_path: Path) -> None:
    home = tmp_path / "home"
    with anyio.fail_after(TEST_TIMEOUT):
        async with stdio_server(home) as client:
            before = await number_sids(client)
            approval_id = await ask_to_release(client, before[0])
            operator(home, "deny", approval_id, "--reason", "no")

            refused = await release(client, before[0], approval_id)
            assert refused.error["code"] == "policy.approval_denied"
            assert "no" in refused.error["message"]
            assert await number_sids(client) == before


async def test_an_expired_approval_is_refused_and_the_cli_will_not_approve_a_lapsed_request(tmp_path: Path) -> None:
    home = tmp_path / "home"
    with anyio.fail_after(TEST_TIMEOUT):
        async with stdio_server(home) as client:
            before = await number_sids(client)
            approved_in_time = await ask_to_release(client, before[0])
            left_pending = await ask_to_release(client, before[1])
            stores = Stores.open(home / "sandbox.db")
            try:
                approvals.decide(stores, approved_in_time)
                # Time passes for the other process: both requests reach their expiry now, no waiting.
                stores.db.execute("UPDATE approvals SET expires_at = created_at")
            finally:
                stores.close()

            refused = await release(client, before[0], approved_in_time)
            assert refused.error["code"] == "policy.approval_expired"
            assert await number_sids(client) == before

    lapsed = run_cli(home, "approvals", "approve", left_pending, **{TOKEN_ENV: credential(home)})
    assert lapsed.returncode == 1
    assert "expired" in lapsed.stderr
    assert "Traceback" not in lapsed.stderr
