"""Replays: a captured, validly signed callback sent again, with its unsigned idempotency token changed,
dropped or kept. Signed content decides what is a duplicate, and an inbound message acts once."""

from __future__ import annotations

import itertools
import json
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest

from skill.webhooks import events as ev
from tests.security.support import (
    BASE,
    INBOUND_PATH,
    STATUS_PATH,
    Site,
    form_signature,
    inbound_params,
    message_sid,
    site,
    status_params,
)
from tests.webhooks.support import ec_key_pair, sendgrid_headers

pytestmark = pytest.mark.anyio
TOKEN = "I-Twilio-Idempotency-Token"
PERSON = "+14155550111"


async def post(web: httpx.AsyncClient, path: str, params: dict[str, str], token: str | None = None) -> int:
    """Post a callback signed as Twilio signs it, with the given (unsigned) idempotency token."""
    headers = form_signature(f"{BASE}{path}", params)
    if token is not None:
        headers[TOKEN] = token
    response = await web.post(path, data=params, headers=headers)
    return response.status_code


def suppressed(place: Site) -> bool:
    return place.stores.suppressions.is_suppressed(PERSON)


@pytest.mark.parametrize(
    ("first_token", "replay_token"),
    [("AC-delivery-1", "AC-delivery-2"), ("AC-delivery-1", None), ("AC-delivery-1", "AC-delivery-1"), (None, "x")],
    ids=["new token", "token dropped", "same token", "token added"],
)
async def test_a_replayed_status_callback_is_acknowledged_and_stored_once(
    tmp_path: Path, first_token: str | None, replay_token: str | None
) -> None:
    params = status_params(message_sid(1), "delivered")
    async with site(tmp_path) as place, place.client() as web:
        answers = [await post(web, STATUS_PATH, params, first_token)]
        answers += [await post(web, STATUS_PATH, params, replay_token) for _ in range(3)]
        answers.append(await post(web, STATUS_PATH, status_params(message_sid(1), "read"), replay_token))
        assert answers == [204] * 5
        assert [event.status for event in place.events()] == ["delivered", "read"]
        assert place.receiver.stats["duplicate"] == 3


async def test_a_replayed_call_status_is_stored_once_and_a_later_sequence_number_is_new(tmp_path: Path) -> None:
    call = {"AccountSid": status_params("x", "y")["AccountSid"], "CallSid": "CA" + "7" * 32}
    ringing = call | {"CallStatus": "ringing", "SequenceNumber": "0"}
    async with site(tmp_path) as place, place.client() as web:
        assert await post(web, "/twilio/voice/status", ringing, "t-1") == 204
        assert await post(web, "/twilio/voice/status", ringing, "t-2") == 204
        assert await post(web, "/twilio/voice/status", ringing) == 204
        assert await post(web, "/twilio/voice/status", ringing | {"SequenceNumber": "1"}, "t-3") == 204
        assert [event.payload["SequenceNumber"] for event in place.events(kind="voice_status")] == ["0", "1"]


@pytest.mark.parametrize("replay_token", ["replayed-with-a-new-token", None])
async def test_a_replayed_start_after_a_later_stop_does_not_undo_the_stop(
    tmp_path: Path, replay_token: str | None
) -> None:
    start = inbound_params(message_sid(101), "START", PERSON)
    stop = inbound_params(message_sid(102), "STOP", PERSON)
    async with site(tmp_path) as place, place.client() as web:
        assert await post(web, INBOUND_PATH, stop, "t-stop-0") == 200
        assert await post(web, INBOUND_PATH, start, "t-start") == 200
        place.receiver.processor.drain()
        assert not suppressed(place)
        assert await post(web, INBOUND_PATH, inbound_params(message_sid(103), "STOP", PERSON), "t-stop") == 200
        place.receiver.processor.drain()
        assert suppressed(place)
        # The captured START, sent again: answered as Twilio expects, and nothing changes.
        assert await post(web, INBOUND_PATH, start, replay_token) == 200
        place.receiver.processor.drain()
        assert suppressed(place)
        assert len(place.events(kind="sms_inbound")) == 3


# Deliveries of two messages from one person; the last two are replays with new tokens.
DELIVERIES = [
    ("STOP", 201, "t-stop"),
    ("START", 202, "t-start"),
    ("START", 202, "t-start-replayed"),
    ("STOP", 201, "t-stop-replayed"),
]


def expected_suppression(order: tuple[tuple[str, int, str], ...]) -> bool:
    """Each message acts once, when it first arrives: the last distinct message decides."""
    words = {sid: word for word, sid, _ in order}
    first_arrivals = list(dict.fromkeys(sid for _, sid, _ in order))
    return words[first_arrivals[-1]] == "STOP"


def order_id(order: tuple[tuple[str, int, str], ...]) -> str:
    return "-".join(f"{word}{sid % 100}{'r' if 'replayed' in token else ''}" for word, sid, token in order)


@pytest.mark.parametrize("processing", ["after each delivery", "once at the end"])
@pytest.mark.parametrize("order", list(itertools.permutations(DELIVERIES)), ids=order_id)
async def test_an_inbound_message_acts_once_in_whatever_order_deliveries_arrive_and_are_processed(
    tmp_path: Path, order: tuple[tuple[str, int, str], ...], processing: str
) -> None:
    async with site(tmp_path) as place, place.client() as web:
        for word, sid, token in order:
            assert await post(web, INBOUND_PATH, inbound_params(message_sid(sid), word, PERSON), token) == 200
            if processing == "after each delivery":
                place.receiver.processor.drain()
        place.receiver.processor.drain()
        assert suppressed(place) is expected_suppression(order)
        assert sorted(event.sid for event in place.events(kind="sms_inbound")) == [message_sid(201), message_sid(202)]
        assert place.stores.webhook_events.counters() == {"sms_inbound:received": 2}


def stored_twice(sid: int, word: str, keys: list[str]) -> list[Any]:
    """One inbound message as rows under several dedupe keys, as a receiver keyed on the token wrote them."""
    event = ev.twilio_event(ev.SMS_INBOUND, {k: [v] for k, v in inbound_params(message_sid(sid), word, PERSON).items()},
                            raw_body=b"")  # fmt: skip
    return [replace(event, dedupe_key=key) for key in keys]


@pytest.mark.parametrize("processing", ["after each row", "once at the end"])
async def test_rows_already_holding_one_message_twice_act_once_so_an_old_start_cannot_undo_a_later_stop(
    tmp_path: Path, processing: str
) -> None:
    rows = [
        stored_twice(301, "START", ["token:a"]),
        stored_twice(302, "STOP", ["token:b"]),
        stored_twice(301, "START", ["token:c"]),  # the START replayed with a new token, stored again
    ]
    async with site(tmp_path) as place:
        for batch in rows:
            assert place.stores.webhook_events.record(batch) == [True]
            if processing == "after each row":
                place.receiver.processor.drain()
        place.receiver.processor.drain()
        assert suppressed(place)
        assert place.stores.webhook_events.pending_count() == 0
        assert place.stores.webhook_events.counters() == {"sms_inbound:received": 2}


async def test_two_rows_of_one_message_in_one_batch_act_once(tmp_path: Path) -> None:
    async with site(tmp_path) as place:
        place.stores.webhook_events.record(stored_twice(401, "STOP", ["token:x"]))
        place.receiver.processor.drain()
        place.stores.webhook_events.record(stored_twice(402, "START", ["token:y", "token:z"]))
        place.stores.webhook_events.record(stored_twice(401, "STOP", ["token:w"]))
        assert place.receiver.processor.drain() == 3
        assert not suppressed(place)


# --- SendGrid ---------------------------------------------------------------------------------


def sendgrid_site(tmp_path: Path) -> tuple[Any, Any]:
    private, public = ec_key_pair()
    return private, site(tmp_path, SENDGRID_WEBHOOK_PUBLIC_KEY=public)


def email_event(event_id: str | None, kind: str = "delivered") -> dict[str, Any]:
    item: dict[str, Any] = {"email": "ann@example.com", "event": kind, "sg_message_id": "msg-1", "timestamp": 1}
    if event_id:
        item["sg_event_id"] = event_id
    return item


async def test_a_sendgrid_post_replayed_verbatim_within_its_tolerance_is_stored_once(tmp_path: Path) -> None:
    private, opened = sendgrid_site(tmp_path)
    raw = json.dumps([email_event("ev-1"), email_event("ev-2", "open")]).encode()
    headers = sendgrid_headers(private, raw)
    async with opened as place, place.client() as web:
        answers = [(await web.post("/sendgrid/events", content=raw, headers=headers)).status_code for _ in range(3)]
        assert answers == [204, 204, 204]
        assert [event.status for event in place.events(kind="email_event")] == ["delivered", "open"]


async def test_sendgrid_events_sent_again_in_a_newly_signed_batch_are_stored_once_by_sg_event_id(
    tmp_path: Path,
) -> None:
    private, opened = sendgrid_site(tmp_path)
    first = json.dumps([email_event("ev-1"), email_event("ev-2", "open")]).encode()
    again = json.dumps([email_event("ev-2", "open"), email_event("ev-1"), email_event("ev-3", "click")]).encode()
    async with opened as place, place.client() as web:
        assert (await web.post("/sendgrid/events", content=first, headers=sendgrid_headers(private, first))).is_success
        later = sendgrid_headers(private, again, int(time.time()) + 60)
        assert (await web.post("/sendgrid/events", content=again, headers=later)).status_code == 204
        assert [event.status for event in place.events(kind="email_event")] == ["delivered", "open", "click"]


async def test_sendgrid_events_without_an_id_are_deduplicated_by_their_content(tmp_path: Path) -> None:
    private, opened = sendgrid_site(tmp_path)
    raw = json.dumps([email_event(None), email_event(None, "bounce")]).encode()
    async with opened as place, place.client() as web:
        for offset in (0, 30):
            headers = sendgrid_headers(private, raw, int(time.time()) + offset)
            assert (await web.post("/sendgrid/events", content=raw, headers=headers)).status_code == 204
        assert [event.status for event in place.events(kind="email_event")] == ["delivered", "bounce"]


async def test_a_captured_sendgrid_post_replayed_after_its_tolerance_is_refused(tmp_path: Path) -> None:
    private, opened = sendgrid_site(tmp_path)
    raw = json.dumps([email_event("ev-9", "unsubscribe")]).encode()
    headers = sendgrid_headers(private, raw, int(time.time()) - 3600)
    async with opened as place, place.client() as web:
        assert (await web.post("/sendgrid/events", content=raw, headers=headers)).status_code == 403
        assert place.events() == []
