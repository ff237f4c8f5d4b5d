"""Replicas on one PostgreSQL database: two `serve --transport http --stateless` processes answering
one load, and two webhook receivers, one killed (-9) mid-run. Whatever process a request reaches,
an approval is used once, a daily cap holds exactly, and every valid callback is stored once."""

from __future__ import annotations

import os
import random
import signal
import subprocess
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
from mcp import Client

from skill.stores.sqlite import Stores
from tests import approvals
from tests.conftest import Called, call
from tests.e2e.support import SERVER_EXE, child_env, free_port, wait_for_port
from tests.webhooks.support import message_sid, signed_form, status_params

pytestmark = [pytest.mark.anyio, pytest.mark.slow]

TEST_TIMEOUT = 60
CAP = 5
PUBLIC_URL = "https://hooks.example.com"
DELIVERIES = 1200
CONCURRENCY = 24


@contextmanager
def replica(home: Path, log: Path, env: dict[str, str], *args: str, port: int) -> Iterator[subprocess.Popen[bytes]]:
    """`twilio-skill args...` listening on port with the shared database; killed on exit."""
    with log.open("ab") as output:
        process = subprocess.Popen(
            [str(SERVER_EXE), *args],
            env=child_env(home, **env),
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_for_port(port, process)
        yield process
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)


@contextmanager
def two_servers(tmp_path: Path, pg_url: str) -> Iterator[list[str]]:
    """Two stateless MCP servers on one database, each with its own home; their URLs."""
    policy = tmp_path / "policy.toml"
    policy.write_text(f"[limits]\nsends_per_day = {CAP}\n")
    env = {"TWILIO_SKILL_DATABASE_URL": pg_url, "TWILIO_SKILL_POLICY": str(policy)}
    urls = []
    with ExitStack() as stack:
        for n in range(2):
            port = free_port()
            args = ("serve", "--transport", "http", "--stateless", "--port", str(port), "--log-level", "warning")
            stack.enter_context(replica(tmp_path / f"home{n}", tmp_path / f"serve{n}.log", env, *args, port=port))
            urls.append(f"http://127.0.0.1:{port}/mcp")
        yield urls


async def many(urls: list[str], count: int, tool: str, args: dict[str, Any]) -> list[Called]:
    """The same call made `count` times at once, spread over the replicas, one client each."""
    results: list[Called] = []
    ready = anyio.Event()
    connected = 0

    async def one(n: int) -> None:
        nonlocal connected
        async with Client(urls[n % len(urls)]) as client:
            connected += 1
            if connected == count:
                ready.set()
            await ready.wait()
            results.append(await call(client, tool, args))

    async with anyio.create_task_group() as group:
        for n in range(count):
            group.start_soon(one, n)
    return results


async def test_stateless_replicas_use_an_approval_once_and_hold_a_daily_cap_exactly(
    tmp_path: Path, pg_url: str
) -> None:
    with two_servers(tmp_path, pg_url) as urls, anyio.fail_after(TEST_TIMEOUT):
        sids = []
        for url in urls:
            async with Client(url) as client:
                listed = await call(client, "numbers_list")
                sids.append([number["sid"] for number in listed.data["items"]])
        assert sids[0] == sids[1], "both replicas see the same numbers"
        target = sids[0][0]
        async with Client(urls[0]) as client:
            gated = await call(client, "number_release", {"sid": target})
        approval_id = gated.error["approval"]["id"]
        stores = Stores.open(pg_url)
        try:
            approvals.decide(stores, approval_id)
        finally:
            stores.close()

        released = await many(urls, 8, "number_release", {"sid": target, "approval_id": approval_id})
        assert sum(not result.is_error for result in released) == 1, released
        assert {result.error["code"] for result in released if result.is_error} == {"policy.approval_used"}

        send = {"to": "+14155550100", "from": "+15005550006", "body": "hello"}
        sent = await many(urls, 16, "message_send", send)
        assert sum(not result.is_error for result in sent) == CAP, sent
        assert {result.error["code"] for result in sent if result.is_error} == {"policy.approval_required"}

        # Stateless: a bare request with no session reaches either replica and is answered.
        async with httpx.AsyncClient(timeout=10) as web:
            response = await web.post(
                urls[1],
                headers={"Accept": "application/json, text/event-stream", "Content-Type": "application/json"},
                json={"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}},
            )
    assert response.status_code == 200 and "mcp-session-id" not in response.headers
    assert "account_get" in response.text


def deliveries(url: str) -> list[tuple[str, bytes, dict[str, str], bool]]:
    """(dedupe key, body, headers, valid): fresh callbacks, a third repeated, a few forged."""
    rng = random.Random(11)
    planned: list[tuple[str, bytes, dict[str, str], bool]] = []
    valid: list[tuple[str, bytes, dict[str, str], bool]] = []
    for n in range(DELIVERIES):
        roll = rng.random()
        if roll < 0.05:
            body, headers = signed_form(url, status_params(message_sid(800_000 + n), "delivered"))
            headers["X-Twilio-Signature"] = "forged" + headers["X-Twilio-Signature"][6:]
            planned.append((f"{message_sid(800_000 + n)}:delivered", body, headers, False))
        elif roll < 0.35 and valid:
            planned.append(rng.choice(valid))
        else:
            body, headers = signed_form(url, status_params(message_sid(n), "delivered"))
            entry = (f"{message_sid(n)}:delivered", body, headers, True)
            valid.append(entry)
            planned.append(entry)
    return planned


async def test_two_receivers_on_one_database_one_killed_store_each_valid_callback_once(
    tmp_path: Path, pg_url: str
) -> None:
    path = "/twilio/sms/status"
    planned = deliveries(PUBLIC_URL + path)
    env = {"TWILIO_SKILL_DATABASE_URL": pg_url, "TWILIO_SKILL_PUBLIC_URL": PUBLIC_URL}
    ports = [free_port(), free_port()]
    answers: dict[int, int] = {}
    done = 0
    with ExitStack() as stack, anyio.fail_after(TEST_TIMEOUT):
        processes = [
            stack.enter_context(
                replica(
                    tmp_path / f"home{n}",
                    tmp_path / f"receiver{n}.log",
                    env,
                    "webhooks",
                    "--port",
                    str(port),
                    "--log-level",
                    "warning",
                    port=port,
                )
            )
            for n, port in enumerate(ports)
        ]
        alive = set(ports)
        queue = iter(enumerate(planned))

        async def deliver(worker: int) -> None:
            nonlocal done
            async with httpx.AsyncClient(timeout=10) as web:
                for index, (_, body, headers, _) in queue:
                    attempt = worker + index
                    while True:  # a delivery with no answer is retried, at whichever receiver is up
                        port = ports[attempt % 2]
                        attempt += 1
                        if port not in alive:
                            continue
                        try:
                            response = await web.post(f"http://127.0.0.1:{port}{path}", content=body, headers=headers)
                            break
                        except httpx.TransportError:
                            await anyio.sleep(0.02)
                    answers[index] = response.status_code
                    done += 1

        async def kill_one() -> None:
            while done < DELIVERIES // 2:
                await anyio.sleep(0.01)
            os.kill(processes[0].pid, signal.SIGKILL)
            alive.discard(ports[0])

        async with anyio.create_task_group() as group:
            group.start_soon(kill_one)
            for worker in range(CONCURRENCY):
                group.start_soon(deliver, worker)
        assert processes[0].wait(timeout=10) == -signal.SIGKILL

        stores = Stores.open(pg_url)
        try:
            while stores.webhook_events.pending_count():
                await anyio.sleep(0.1)
            keys = [row["dedupe_key"] for row in stores.db.query("SELECT dedupe_key FROM webhook_events")]
            counted = sum(stores.webhook_events.counters().values())
        finally:
            stores.close()
    valid_keys = {key for key, _, _, ok in planned if ok}
    assert len(answers) == DELIVERIES
    assert all(answers[i] == 204 for i, (_, _, _, ok) in enumerate(planned) if ok)
    assert all(answers[i] == 403 for i, (_, _, _, ok) in enumerate(planned) if not ok)
    assert sorted(keys) == sorted(valid_keys), "every valid event stored exactly once"
    assert counted == len(keys), "every stored event processed exactly once"
