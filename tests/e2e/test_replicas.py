"""Replicas on one PostgreSQL database: two `serve --transport http --stateless` processes answering
one load, and two webhook receivers, one killed (-9) mid-run and started again. Whatever process a
request reaches, an approval is used once, a daily cap holds exactly, and every valid callback is
stored once.

The load is raw JSON-RPC over httpx (a stateless server needs no handshake), so the client side stays
light enough that the servers, not the test, are what the race is run against."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest

from skill.stores.sqlite import Stores
from tests import approvals
from tests.conftest import Called
from tests.e2e.support import SERVER_EXE, child_env, free_port, wait_for_port
from tests.webhooks.support import message_sid, signed_form, status_params

pytestmark = [pytest.mark.anyio, pytest.mark.slow]

TEST_TIMEOUT = 300  # a bound, not a target: a loaded machine can take minutes
REQUEST_TIMEOUT = 60
REPEATS = 100
CAP = 50
SENDS = 120
PUBLIC_URL = "https://hooks.example.com"
DELIVERIES = 5000
DUPLICATES = 0.30
FORGED = 0.05
CONCURRENCY = 32
MCP_HEADERS = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}


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


def answer(response: httpx.Response) -> Called:
    """The tool result in a JSON-RPC answer, sent as JSON or as one server-sent event."""
    assert response.status_code == 200, response.text
    text = response.text
    if "json" not in response.headers.get("content-type", ""):
        text = next(line[5:] for line in text.splitlines() if line.startswith("data:"))
    result = json.loads(text)["result"]
    return Called(bool(result.get("isError")), dict(result["structuredContent"]))


async def rpc(web: httpx.AsyncClient, url: str, tool: str, args: dict[str, Any], rpc_id: int = 1) -> Called:
    """One tools/call to a stateless server, with no session."""
    body = {"jsonrpc": "2.0", "id": rpc_id, "method": "tools/call", "params": {"name": tool, "arguments": args}}
    return answer(await web.post(url, headers=MCP_HEADERS, json=body))


async def many(urls: list[str], count: int, tool: str, args: dict[str, Any]) -> list[tuple[str, Called]]:
    """The same call made `count` times at once, alternating between the replicas; (url, result) each."""
    results: list[tuple[str, Called]] = []
    ready = anyio.Event()
    started = 0
    limits = httpx.Limits(max_connections=count, max_keepalive_connections=count)
    async with httpx.AsyncClient(timeout=REQUEST_TIMEOUT, limits=limits) as web:

        async def one(n: int) -> None:
            nonlocal started
            url = urls[n % len(urls)]
            started += 1
            if started == count:
                ready.set()
            await ready.wait()
            results.append((url, await rpc(web, url, tool, args, n)))

        async with anyio.create_task_group() as group:
            for n in range(count):
                group.start_soon(one, n)
    return results


def codes(results: list[tuple[str, Called]]) -> Counter[str]:
    return Counter(called.error["code"] if called.is_error else "ok" for _, called in results)


async def test_stateless_replicas_use_an_approval_once_and_hold_a_daily_cap_exactly(
    tmp_path: Path, pg_url: str
) -> None:
    recipient = "+14155550177"
    with two_servers(tmp_path, pg_url) as urls, anyio.fail_after(TEST_TIMEOUT):
        async with httpx.AsyncClient(timeout=REQUEST_TIMEOUT) as web:
            listed = [await rpc(web, url, "numbers_list", {}) for url in urls]
            sids = [[number["sid"] for number in result.data["items"]] for result in listed]
            assert sids[0] == sids[1], "both replicas see the same numbers"
            target = sids[0][0]
            gated = await rpc(web, urls[0], "number_release", {"sid": target})
        approval_id = gated.error["approval"]["id"]
        stores = Stores.open(pg_url)
        try:
            approvals.decide(stores, approval_id)
        finally:
            stores.close()

        released = await many(urls, REPEATS, "number_release", {"sid": target, "approval_id": approval_id})
        assert len(released) == REPEATS
        assert codes(released) == {"ok": 1, "policy.approval_used": REPEATS - 1}, codes(released)
        # Each replica embeds its own sandbox: the number is gone from exactly one of them.
        async with httpx.AsyncClient(timeout=REQUEST_TIMEOUT) as web:
            listed = [await rpc(web, url, "numbers_list", {}) for url in urls]
        still = [target in {number["sid"] for number in result.data["items"]} for result in listed]
        assert sorted(still) == [False, True], "the release ran on one replica only"

        send = {"to": recipient, "from": "+15005550006", "body": "cap drill"}
        sent = await many(urls, SENDS, "message_send", send)
        assert codes(sent) == {"ok": CAP, "policy.approval_required": SENDS - CAP}, codes(sent)

        # What each replica's sandbox received adds up to the cap: the refusals sent nothing.
        async with httpx.AsyncClient(timeout=REQUEST_TIMEOUT) as web:
            delivered = [await rpc(web, url, "messages_list", {"to": recipient, "limit": 1000}) for url in urls]
            # Stateless: a bare request with no session reaches either replica and is answered.
            response = await web.post(
                urls[1], headers=MCP_HEADERS, json={"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}}
            )
        assert sum(len(result.data["items"]) for result in delivered) == CAP
        stores = Stores.open(pg_url)
        try:
            assert stores.send_counter.count("sandbox", "message_send") == CAP
        finally:
            stores.close()
    assert response.status_code == 200 and "mcp-session-id" not in response.headers
    assert "account_get" in response.text


def deliveries(url: str) -> list[tuple[str, bytes, dict[str, str], bool]]:
    """(dedupe key, body, headers, valid): fresh callbacks, DUPLICATES of them repeats, FORGED forged."""
    rng = random.Random(11)
    planned: list[tuple[str, bytes, dict[str, str], bool]] = []
    valid: list[tuple[str, bytes, dict[str, str], bool]] = []
    for n in range(DELIVERIES):
        roll = rng.random()
        if roll < FORGED:
            body, headers = signed_form(url, status_params(message_sid(800_000 + n), "delivered"))
            headers["X-Twilio-Signature"] = "forged" + headers["X-Twilio-Signature"][6:]
            planned.append((f"{message_sid(800_000 + n)}:delivered", body, headers, False))
        elif roll < FORGED + DUPLICATES and valid:
            planned.append(rng.choice(valid))
        else:
            body, headers = signed_form(url, status_params(message_sid(n), "delivered"))
            entry = (f"{message_sid(n)}:delivered", body, headers, True)
            valid.append(entry)
            planned.append(entry)
    return planned


async def test_two_receivers_on_one_database_one_killed_and_restarted_store_each_valid_callback_once(
    tmp_path: Path, pg_url: str
) -> None:
    path = "/twilio/sms/status"
    planned = deliveries(PUBLIC_URL + path)
    valid_keys = [key for key, _, _, ok in planned if ok]
    assert 0.25 < (len(valid_keys) - len(set(valid_keys))) / DELIVERIES < 0.35, "about 30% are repeats"
    env = {"TWILIO_SKILL_DATABASE_URL": pg_url, "TWILIO_SKILL_PUBLIC_URL": PUBLIC_URL}
    ports = [free_port(), free_port()]
    args = ("webhooks", "--log-level", "warning", "--port")
    answers: dict[int, int] = {}
    served: Counter[tuple[int, str]] = Counter()  # (port, phase sent in): deliveries answered there
    cut_short: Counter[int] = Counter()  # deliveries that got no answer from a port, retried
    phase = "before"
    done = 0
    with ExitStack() as stack, anyio.fail_after(TEST_TIMEOUT):

        def start(n: int) -> subprocess.Popen[bytes]:
            log = tmp_path / f"receiver{n}.log"
            return stack.enter_context(replica(tmp_path / f"home{n}", log, env, *args, str(ports[n]), port=ports[n]))

        processes = [start(0), start(1)]
        alive = set(ports)
        queue = iter(enumerate(planned))

        async def deliver(web: httpx.AsyncClient, worker: int) -> None:
            nonlocal done
            for index, (_, body, headers, _) in queue:
                attempt = worker + index
                while True:  # a delivery with no answer is retried, at whichever receiver is up
                    port = ports[attempt % 2]
                    attempt += 1
                    if port not in alive:
                        continue
                    sent_in = phase
                    try:
                        response = await web.post(f"http://127.0.0.1:{port}{path}", content=body, headers=headers)
                        break
                    except httpx.TransportError:
                        cut_short[port] += 1
                        await anyio.sleep(0.02)
                answers[index] = response.status_code
                served[(port, sent_in)] += 1
                done += 1

        async def kill_then_restart() -> None:
            nonlocal phase
            while done < DELIVERIES * 2 // 5:
                await anyio.sleep(0.01)
            os.kill(processes[0].pid, signal.SIGKILL)
            alive.discard(ports[0])
            phase = "down"
            while done < DELIVERIES * 3 // 5:
                await anyio.sleep(0.01)
            processes[0] = await anyio.to_thread.run_sync(start, 0)
            alive.add(ports[0])
            phase = "after"

        limits = httpx.Limits(max_connections=CONCURRENCY, max_keepalive_connections=CONCURRENCY)
        async with httpx.AsyncClient(timeout=REQUEST_TIMEOUT, limits=limits) as web, anyio.create_task_group() as group:
            group.start_soon(kill_then_restart)
            for worker in range(CONCURRENCY):
                group.start_soon(deliver, web, worker)

        stores = Stores.open(pg_url)
        try:
            while stores.webhook_events.pending_count():
                await anyio.sleep(0.1)
            keys = [row["dedupe_key"] for row in stores.db.query("SELECT dedupe_key FROM webhook_events")]
            counted = sum(stores.webhook_events.counters().values())
        finally:
            stores.close()
    assert len(answers) == DELIVERIES
    assert all(answers[i] == 204 for i, (_, _, _, ok) in enumerate(planned) if ok)
    assert all(answers[i] == 403 for i, (_, _, _, ok) in enumerate(planned) if not ok)
    assert sorted(keys) == sorted(set(valid_keys)), "every valid event stored exactly once"
    assert counted == len(keys), "every stored event processed exactly once"
    assert served[(ports[0], "before")] and served[(ports[1], "before")], "both receivers took the load"
    assert served[(ports[1], "down")], "the survivor answered alone while the other was down"
    assert cut_short[ports[0]], "the kill cut requests short, which were retried at the other receiver"
    assert served[(ports[0], "after")], "the restarted receiver took its share again"
