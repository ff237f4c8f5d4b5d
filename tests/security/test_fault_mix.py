"""Idempotent sends through a failing network: every message goes out once, and is counted once.

Two hundred sends, each with its own idempotency key, meet the sandbox answering 20% of requests
with 429, 10% with 500 and dropping 5% of connections after doing the work (seeded). The agent
repeats every unresolved key, round after round, as the remediation tells it to; between rounds the
clocks move past the grace period instead of the test sleeping.
"""

from __future__ import annotations

from collections import Counter

import pytest
from mcp import Client

from skill.core.context import Services
from skill.core.send_keys import GRACE_SECONDS
from skill.gateways.http import RetryPolicy
from skill.ports.clock import ManualClock
from skill.sandbox.app import Sandbox
from skill.sandbox.faults import Faults
from tests.conftest import Elapse, call
from tests.security.calls import SENDER

pytestmark = pytest.mark.anyio

KEYS = 200
ROUNDS = 25
RECIPIENTS = ("+14155550100", "+14155550111")
# What a round may answer for a key that is not resolved yet: the agent repeats it next round.
STILL_OPEN = {"input.idempotency_in_progress", "upstream.outcome_unknown", "upstream.unreachable", "twilio.20429"}


@pytest.fixture
def wall_clock() -> ManualClock:
    return ManualClock(1_800_000_000.0)  # mid-morning UTC: the drill's minutes stay within one day


def send(key: int) -> dict[str, str]:
    return {
        "to": RECIPIENTS[key % len(RECIPIENTS)],
        "from": SENDER,
        "body": f"Drill message {key:03d}",
        "idempotency_key": f"drill-{key:03d}",
    }


async def test_two_hundred_idempotent_sends_under_a_fault_mix_each_go_out_once_and_are_counted_once(
    client: Client, services: Services, sandbox: Sandbox, elapse: Elapse
) -> None:
    services.twilio.http.retry = RetryPolicy(attempts=4, base=0.0005, cap=0.002, budget=5.0)
    sandbox.faults = Faults(rate_429=0.2, rate_500=0.1, rate_drop=0.05, retry_after=0, seed=20_240_601)
    resolved: dict[int, str] = {}
    seen = Counter[str]()
    for _ in range(ROUNDS):
        for key in range(KEYS):
            if key in resolved:
                continue
            result = await call(client, "message_send", send(key))
            if result.is_error:
                code = result.error["code"]
                assert code in STILL_OPEN, (key, result.error)
                seen[code] += 1
            else:
                resolved[key] = result.data["sid"]
                seen["replayed" if result.data["replayed"] else "sent"] += 1
        if len(resolved) == KEYS:
            break
        elapse(GRACE_SECONDS + 1)
    # The drill met every kind of fault, and the agent saw both fresh sends and replays.
    assert {"upstream.outcome_unknown", "sent", "replayed"} <= set(seen), seen
    assert len(resolved) == KEYS, f"unresolved after {ROUNDS} rounds: {sorted(set(range(KEYS)) - set(resolved))}"

    bodies = Counter(message["body"] for message in sandbox.state.messages.values())
    duplicates = {body: count for body, count in bodies.items() if count != 1}
    assert duplicates == {}, duplicates
    assert len(sandbox.state.messages) == KEYS
    by_body = {message["body"]: sid for sid, message in sandbox.state.messages.items()}
    assert all(resolved[key] == by_body[send(key)["body"]] for key in range(KEYS))
    in_flight = services.stores.db.query("SELECT COUNT(*) AS n FROM idempotency WHERE result_json = ''")  # type: ignore[attr-defined]
    assert in_flight[0]["n"] == 0
    assert services.stores.send_counter.count(services.profile, "message_send") == KEYS


async def test_a_first_attempt_is_found_behind_many_later_messages_to_the_same_recipient(
    client: Client, services: Services, sandbox: Sandbox, elapse: Elapse
) -> None:
    services.twilio.http.retry = RetryPolicy(attempts=1)
    sandbox.faults.queue = ["drop"]  # made, but the answer is lost
    first = await call(client, "message_send", send(0))
    assert first.error["code"] == "upstream.outcome_unknown"
    elapse(1)  # every later message is newer, so a newest-first list shows the first attempt last
    for n in range(120):  # a busy recipient: far more messages since than one page of a short list
        later = await call(client, "message_send", {**send(0), "body": f"later {n}", "idempotency_key": f"later-{n}"})
        assert not later.is_error, later
    elapse(GRACE_SECONDS + 1)
    again = await call(client, "message_send", send(0))
    assert not again.is_error and again.data["replayed"] is True, again
    bodies = Counter(message["body"] for message in sandbox.state.messages.values())
    assert bodies[send(0)["body"]] == 1
    assert services.stores.send_counter.count(services.profile, "message_send") == 121


async def test_a_failed_lookup_for_an_unaccounted_first_attempt_sends_nothing_and_counts_nothing(
    client: Client, services: Services, sandbox: Sandbox, elapse: Elapse
) -> None:
    services.twilio.http.retry = RetryPolicy(attempts=1)
    sandbox.faults.queue = ["500"]  # the create is answered 500: nothing was made, but that cannot be known
    first = await call(client, "message_send", send(1))
    assert first.error["code"] == "upstream.outcome_unknown"
    counter = services.stores.send_counter
    assert counter.count(services.profile, "message_send") == 1
    sandbox.faults.queue = ["500"]  # the list that looks for the first attempt fails too
    looked = await call(client, "message_send", send(1))
    error = looked.error
    assert error["code"] == "input.idempotency_in_progress" and error["retryable"] is True
    assert "Nothing more was sent" in error["message"]
    assert counter.count(services.profile, "message_send") == 1
    elapse(GRACE_SECONDS + 1)
    done = await call(client, "message_send", send(1))
    assert not done.is_error and done.data["replayed"] is False, done
    assert len(sandbox.state.messages) == 1
    assert counter.count(services.profile, "message_send") == 1
