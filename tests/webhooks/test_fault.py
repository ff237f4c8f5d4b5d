"""10,000 deliveries, 30% duplicates, 5% forged, and the receiver killed (-9) and restarted midway:
every valid event stored once, every forged one refused and absent, everything acknowledged processed once."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import anyio
import httpx
import pytest

from tests.e2e.support import SERVER_EXE, child_env, free_port, wait_for_port
from tests.webhooks.support import message_sid, signed_form, status_params

pytestmark = pytest.mark.anyio

DELIVERIES = 10_000
CONCURRENCY = 50
KILL_AFTER = DELIVERIES // 2
TEST_DEADLINE = 90.0


def start_receiver(home: Path, port: int, log: Path) -> subprocess.Popen[bytes]:
    """`twilio-skill webhooks` on port, once it listens (retried while a killed one still holds the port)."""
    deadline = time.monotonic() + 30
    with log.open("ab") as output:
        while True:
            process = subprocess.Popen(
                [str(SERVER_EXE), "webhooks", "--port", str(port), "--log-level", "warning"],
                env=child_env(home),
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
            )
            try:
                wait_for_port(port, process, timeout=20)
                return process
            except AssertionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)


@contextmanager
def stopped_at_exit(processes: list[subprocess.Popen[bytes]]) -> Iterator[list[subprocess.Popen[bytes]]]:
    try:
        yield processes
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.wait(timeout=10)


def plan(port: int) -> list[tuple[str, bytes, dict[str, str], bool]]:
    """(dedupe key, body, headers, valid) per delivery: fresh events, repeats of earlier ones, forgeries."""
    rng = random.Random(7)
    url = f"http://127.0.0.1:{port}/twilio/sms/status"
    deliveries: list[tuple[str, bytes, dict[str, str], bool]] = []
    valid: list[tuple[str, bytes, dict[str, str], bool]] = []
    for n in range(DELIVERIES):
        roll = rng.random()
        if roll < 0.05:
            params = status_params(message_sid(900_000 + n), "delivered")
            body, headers = signed_form(url, params)
            if n % 2:
                body = body.replace(b"delivered", b"undelivered")  # tampered after signing
            else:
                headers["X-Twilio-Signature"] = "forged" + headers["X-Twilio-Signature"][6:]
            deliveries.append((f"{message_sid(900_000 + n)}:delivered", body, headers, False))
        elif roll < 0.35 and valid:
            deliveries.append(rng.choice(valid))
        else:
            sid = message_sid(n)
            body, headers = signed_form(url, status_params(sid, "delivered"))
            entry = (f"{sid}:delivered", body, headers, True)
            valid.append(entry)
            deliveries.append(entry)
    return deliveries


@pytest.mark.slow
async def test_a_killed_receiver_loses_nothing_it_acknowledged_and_stores_nothing_twice(tmp_path: Path) -> None:
    home = tmp_path / "home"
    port = free_port()
    deliveries = plan(port)
    answers: dict[int, int] = {}
    done = 0
    restarted = anyio.Event()
    log = tmp_path / "receiver.log"
    with stopped_at_exit([start_receiver(home, port, log)]) as current, anyio.fail_after(TEST_DEADLINE):
        queue = iter(enumerate(deliveries))
        url = f"http://127.0.0.1:{port}/twilio/sms/status"

        async def deliver() -> None:
            nonlocal done
            # One connection per worker, as Twilio's many senders would; a shared pool is slower here.
            async with httpx.AsyncClient(limits=httpx.Limits(max_connections=1), timeout=10) as client:
                for index, (_, body, headers, _) in queue:
                    while True:  # Twilio retries a delivery that got no answer
                        try:
                            response = await client.post(url, content=body, headers=headers)
                            break
                        except httpx.TransportError:
                            await anyio.sleep(0.05)
                    answers[index] = response.status_code
                    done += 1

        async def kill_and_restart() -> None:
            while done < KILL_AFTER:
                await anyio.sleep(0.01)
            os.kill(current[-1].pid, signal.SIGKILL)
            current[-1].wait(timeout=10)
            current.append(await anyio.to_thread.run_sync(start_receiver, home, port, log))
            restarted.set()

        async with anyio.create_task_group() as group:
            group.start_soon(kill_and_restart)
            for _ in range(CONCURRENCY):
                group.start_soon(deliver)
        assert restarted.is_set()
        db = sqlite3.connect(home / "sandbox.db")
        try:
            while db.execute("SELECT COUNT(*) FROM webhook_events WHERE processed_at IS NULL").fetchone()[0]:
                await anyio.sleep(0.1)
            keys = [row[0] for row in db.execute("SELECT dedupe_key FROM webhook_events")]
            counted = db.execute("SELECT COALESCE(SUM(count), 0) FROM webhook_counters").fetchone()[0]
        finally:
            db.close()
    valid_keys = {key for key, _, _, ok in deliveries if ok}
    forged_keys = {key for key, _, _, ok in deliveries if not ok}
    assert len(answers) == DELIVERIES
    assert all(answers[i] == 204 for i, (_, _, _, ok) in enumerate(deliveries) if ok)
    assert all(answers[i] == 403 for i, (_, _, _, ok) in enumerate(deliveries) if not ok)
    assert sorted(keys) == sorted(valid_keys), "every valid event stored exactly once"
    assert not forged_keys & set(keys)
    assert counted == len(keys), "every stored event processed exactly once"
    assert 0.25 < 1 - len(valid_keys) / (DELIVERIES - len(forged_keys)) < 0.35
