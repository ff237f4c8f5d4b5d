"""The sandbox keeps Twilio's sender throughput: a queue per sender drained at its rate, 21611 past the
queue's limit, and a Messaging Service's sends spread over its senders so it sends as fast as they do
together."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from skill.config import SANDBOX_ACCOUNT_SID, SANDBOX_AUTH_TOKEN
from skill.sandbox.app import Sandbox
from skill.sandbox.clock import SandboxClock
from skill.sandbox.state import make_sid

pytestmark = pytest.mark.anyio
SERVICE = make_sid("MG", "seed", "promotions")  # its campaign is suspended: each sender at its own rate
CAMPAIGNED = make_sid("MG", "seed", "service")  # a VERIFIED campaign of 4 segments per second
LONG_CODES = ("+15005550006", "+14155550142")  # 1 segment per second each
TOLL_FREE = "+18005550123"  # 3 per second
MESSAGES = f"/2010-04-01/Accounts/{SANDBOX_ACCOUNT_SID}/Messages.json"


@pytest.fixture
def sandbox() -> Sandbox:
    return Sandbox(clock=SandboxClock(frozen=True), throughput=True)


@pytest.fixture
async def http(sandbox: Sandbox) -> AsyncIterator[httpx.AsyncClient]:
    auth = (SANDBOX_ACCOUNT_SID, SANDBOX_AUTH_TOKEN)
    async with httpx.AsyncClient(transport=sandbox.transport(), base_url="http://sandbox", auth=auth) as client:
        yield client


def recipient(index: int) -> str:
    return f"+1212555{index:04d}"  # New York: no sender of the pool shares the area code


async def send(http: httpx.AsyncClient, to: str, **fields: str) -> httpx.Response:
    return await http.post(MESSAGES, data={"To": to, "Body": "Hi", **fields})


def pool(sandbox: Sandbox, *numbers: str, service: str = SERVICE) -> None:
    for other in sandbox.state.services.values():
        for sid in [sid for sid in other["senders"] if sandbox.state.numbers[sid]["phone_number"] in numbers]:
            del other["senders"][sid]  # a number is in one service at a time
    sandbox.state.services[service]["senders"] = {
        sid: 0.0 for sid, number in sandbox.state.numbers.items() if number["phone_number"] in numbers
    }


def senders_used(sandbox: Sandbox) -> Counter[str]:
    return Counter(str(message["service_sender"]) for message in sandbox.state.messages.values())


async def test_a_senders_messages_leave_its_queue_at_its_rate_and_past_the_limit_get_21611(
    http: httpx.AsyncClient, sandbox: Sandbox
) -> None:
    sandbox.sender_queues.max_queue_seconds = 3  # Twilio's is 4 hours; the arithmetic is the same
    start = sandbox.clock.now()
    answers = [await send(http, recipient(index), From=LONG_CODES[0]) for index in range(5)]
    assert [answer.status_code for answer in answers] == [201, 201, 201, 201, 400]
    assert answers[-1].json()["code"] == 21611 and len(sandbox.state.messages) == 4
    leaving = sorted(message.get("dequeued", message["created"]) for message in sandbox.state.messages.values())
    assert leaving == [start, start + 1, start + 2, start + 3]  # one segment a second
    two_segments = await send(http, recipient(9), From=TOLL_FREE, Body="x" * 200)
    assert two_segments.status_code == 201 and sandbox.sender_queues.free_at[TOLL_FREE] == pytest.approx(start + 2 / 3)


async def test_a_service_spreads_its_sends_over_its_senders_and_sends_at_their_sum(
    http: httpx.AsyncClient, sandbox: Sandbox
) -> None:
    pool(sandbox, *LONG_CODES, TOLL_FREE)
    start = sandbox.clock.now()
    for index in range(50):
        answer = await send(http, recipient(index), MessagingServiceSid=SERVICE)
        assert answer.status_code == 201, answer.text
    used = senders_used(sandbox)
    assert used == Counter({TOLL_FREE: 30, LONG_CODES[0]: 10, LONG_CODES[1]: 10})  # in proportion to their rates
    last = max(message.get("dequeued", start) for message in sandbox.state.messages.values())
    assert last - start < 10.0  # 50 segments at 5 per second; from one long code it would take 49 s


async def test_each_sender_of_a_service_keeps_its_own_queue_limit(http: httpx.AsyncClient, sandbox: Sandbox) -> None:
    pool(sandbox, *LONG_CODES, TOLL_FREE)
    sandbox.sender_queues.max_queue_seconds = 2
    answers: list[dict[str, Any]] = [
        (await send(http, recipient(index), MessagingServiceSid=SERVICE)).json() for index in range(14)
    ]
    # Each sender takes what fits in 2 seconds of its queue: 3 for a long code, 7 for the toll-free one.
    assert [answer.get("code") for answer in answers[:13]] == [None] * 13 and answers[13]["code"] == 21611
    assert senders_used(sandbox) == Counter({TOLL_FREE: 7, LONG_CODES[0]: 3, LONG_CODES[1]: 3})


async def test_with_sticky_sender_a_recipient_hears_from_the_same_number_again(
    http: httpx.AsyncClient, sandbox: Sandbox
) -> None:
    pool(sandbox, *LONG_CODES)
    first = (await send(http, recipient(1), MessagingServiceSid=SERVICE)).json()
    second = (await send(http, recipient(1), MessagingServiceSid=SERVICE)).json()
    by_sid = sandbox.state.messages
    assert by_sid[first["sid"]]["service_sender"] == by_sid[second["sid"]]["service_sender"]
    sandbox.state.services[SERVICE]["sticky_sender"] = False
    third = (await send(http, recipient(1), MessagingServiceSid=SERVICE)).json()
    assert by_sid[third["sid"]]["service_sender"] != by_sid[first["sid"]]["service_sender"]  # the idle one


async def test_the_long_codes_of_a_verified_campaign_share_its_throughput_and_its_queue(
    http: httpx.AsyncClient, sandbox: Sandbox
) -> None:
    pool(sandbox, *LONG_CODES, service=CAMPAIGNED)
    sandbox.sender_queues.max_queue_seconds = 2
    start = sandbox.clock.now()
    answers = [(await send(http, recipient(index), MessagingServiceSid=CAMPAIGNED)).json() for index in range(10)]
    # 4 a second for both numbers together: 9 fit in 2 seconds of the campaign's queue, the 10th gets 21611.
    assert [answer.get("code") for answer in answers] == [None] * 9 + [21611]
    leaving = sorted(message.get("dequeued", start) for message in sandbox.state.messages.values())
    assert leaving == [pytest.approx(start + index / 4) for index in range(9)]
    direct = await send(http, recipient(99), From=LONG_CODES[0])  # the number's own sends join the same queue
    assert direct.json()["code"] == 21611
