from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from mcp import Client

from skill.config import SANDBOX_ACCOUNT_SID, Settings
from skill.core.context import Services
from skill.ports.clock import ManualClock
from skill.sandbox.app import Sandbox
from skill.sandbox.messages import record_inbound
from skill.sandbox.state import make_sid
from skill.server.app import build_server
from skill.wiring import build_services
from tests.conftest import approve, call

pytestmark = pytest.mark.anyio

SENDER = "+15005550006"
RECIPIENT = "+14155550199"
OTHER = "+14155550188"
SERVICE = make_sid("MG", "seed", "service")


def at(sandbox: Sandbox, seconds_from_now: float) -> str:
    return datetime.fromtimestamp(sandbox.clock.now() + seconds_from_now, UTC).isoformat()


async def send(client: Client, **overrides: object) -> dict[str, object]:
    args: dict[str, object] = {"to": RECIPIENT, "from": SENDER, "body": "Your table is ready."}
    args.update(overrides)
    result = await call(client, "message_send", {k: v for k, v in args.items() if v is not None})
    assert not result.is_error, result
    return result.data


async def test_message_send_queues_one_message_in_the_sandbox(client: Client, sandbox: Sandbox) -> None:
    sent = await send(client)
    assert sent["status"] == "queued"
    assert sent["to"] == RECIPIENT and sent["from"] == SENDER
    assert sent["num_segments"] == 1 and sent["num_media"] == 0
    assert sent["direction"] == "outbound-api"
    assert sent["replayed"] is False and sent["environment"] == "sandbox"
    assert list(sandbox.state.messages) == [sent["sid"]]


async def test_national_numbers_are_sent_in_e164_and_whatsapp_keeps_its_prefix(
    client: Client, sandbox: Sandbox
) -> None:
    national = await send(client, to="(415) 555-0199")
    assert sandbox.state.messages[national["sid"]]["to"] == RECIPIENT
    # Free text reaches a WhatsApp user within 24 hours of their last message.
    record_inbound(sandbox.state, SANDBOX_ACCOUNT_SID, f"whatsapp:{RECIPIENT}", f"whatsapp:{SENDER}", "Hi")
    whatsapp = await send(client, to="whatsapp:+1 415 555 0199", **{"from": f"whatsapp:{SENDER}"})
    stored = sandbox.state.messages[whatsapp["sid"]]
    assert (stored["to"], stored["from"]) == (f"whatsapp:{RECIPIENT}", f"whatsapp:{SENDER}")


async def test_an_alphanumeric_sender_id_is_accepted_for_a_destination_abroad(
    settings: Settings, sandbox: Sandbox, tmp_path: Path
) -> None:
    policy = tmp_path / "policy.toml"
    policy.write_text('[limits]\nallowed_countries = ["*"]\n')
    abroad = settings.with_overrides(policy_path=policy)
    services = build_services(abroad, sandbox=sandbox)
    async with Client(build_server(abroad, services)) as client:
        sent = await send(client, to="+33612345678", **{"from": "ACME Shop"})
    await services.aclose()
    assert sent["from"] == "ACME Shop"
    assert sent["status"] == "queued"


@pytest.mark.parametrize("field, value", [("to", "12345"), ("to", "+1415555019"), ("from", "+99 not a number")])
async def test_an_invalid_number_is_refused_before_anything_is_sent(
    client: Client, sandbox: Sandbox, field: str, value: str
) -> None:
    args = {"to": RECIPIENT, "from": SENDER, "body": "hi", field: value}
    result = await call(client, "message_send", args)
    assert result.error["code"] == "input.invalid_phone"
    assert any("E.164" in step for step in result.error["remediation"])
    assert sandbox.state.messages == {}


@pytest.mark.parametrize(
    "args, code",
    [
        ({"to": RECIPIENT, "body": "hi"}, "input.sender_required"),
        ({"to": RECIPIENT, "from": SENDER, "messaging_service_sid": SERVICE, "body": "hi"}, "input.sender_conflict"),
        ({"to": RECIPIENT, "from": SENDER}, "input.body_required"),
    ],
)
async def test_sender_and_content_rules_give_clear_input_errors(
    client: Client, sandbox: Sandbox, args: dict[str, str], code: str
) -> None:
    result = await call(client, "message_send", args)
    assert result.error["code"] == code
    assert result.error["remediation"]
    assert sandbox.state.messages == {}


@pytest.mark.parametrize(
    "sender, recipient, twilio_code",
    [
        ("+15005550001", RECIPIENT, 21212),
        ("+15005550007", RECIPIENT, 21606),
        ("+15005550008", RECIPIENT, 21611),
        (SENDER, "+15005550001", 21211),
        (SENDER, "+15005550002", 21612),
        (SENDER, "+15005550003", 21408),
        (SENDER, "+15005550004", 21610),
        (SENDER, "+15005550009", 21614),
        ("+14155550100", RECIPIENT, 21606),
    ],
)
async def test_magic_numbers_and_foreign_senders_come_back_as_twilio_errors_with_remediation(
    client: Client, sandbox: Sandbox, sender: str, recipient: str, twilio_code: int
) -> None:
    result = await call(client, "message_send", {"to": recipient, "from": sender, "body": "hi"})
    error = result.error
    assert error["code"] == f"twilio.{twilio_code}"
    assert error["twilio_code"] == twilio_code and error["http_status"] == 400
    assert error["remediation"] and error["docs_url"].endswith(str(twilio_code))
    assert sandbox.state.messages == {}


async def test_an_opted_out_recipient_is_refused_and_nothing_is_sent(client: Client, sandbox: Sandbox) -> None:
    added = await call(client, "optout_add", {"phone_number": "415-555-0199"})
    assert added.data["phone"] == RECIPIENT and added.data["changed"] is True
    for to in (RECIPIENT, "(415) 555-0199", f"whatsapp:{RECIPIENT}"):
        refused = await call(client, "message_send", {"to": to, "from": SENDER, "body": "hi"})
        assert refused.error["code"] == "policy.opted_out"
        assert refused.error["twilio_code"] == 21610
        assert refused.error["remediation"]
    assert sandbox.state.messages == {}


async def test_optout_remove_waits_for_approval_then_sends_work_again(
    client: Client, services: Services, sandbox: Sandbox
) -> None:
    await call(client, "optout_add", {"phone_number": RECIPIENT})
    listed = await call(client, "optout_list")
    assert [o["phone"] for o in listed.data["items"]] == [RECIPIENT]
    gated = await call(client, "optout_remove", {"phone_number": RECIPIENT})
    assert gated.error["code"] == "policy.approval_required"
    assert "opted out" in gated.error["approval"]["summary"]
    assert (await call(client, "optout_list")).data["count"] == 1
    approval_id = await approve(services, gated)
    removed = await call(client, "optout_remove", {"phone_number": RECIPIENT, "approval_id": approval_id})
    assert removed.data == {**removed.data, "changed": True, "opted_out": False}
    await send(client)
    assert len(sandbox.state.messages) == 1


async def test_an_idempotency_key_replays_the_first_result_instead_of_sending_again(
    client: Client, services: Services, sandbox: Sandbox
) -> None:
    first = await send(client, idempotency_key="order-42")
    again = await send(client, idempotency_key="order-42", to="(415) 555-0199")
    assert again["replayed"] is True and first["replayed"] is False
    assert again["sid"] == first["sid"]
    assert len(sandbox.state.messages) == 1
    assert services.stores.send_counter.count(services.profile, "message_send") == 1
    conflict = await call(
        client, "message_send", {"to": RECIPIENT, "from": SENDER, "body": "other", "idempotency_key": "order-42"}
    )
    assert conflict.error["code"] == "input.idempotency_conflict"
    assert len(sandbox.state.messages) == 1


async def test_a_body_over_1600_characters_is_refused_locally(client: Client, sandbox: Sandbox) -> None:
    refused = await call(client, "message_send", {"to": RECIPIENT, "from": SENDER, "body": "a" * 1601})
    assert refused.error["code"] == "input.body_too_long"
    assert refused.error["twilio_code"] == 21617
    assert sandbox.state.messages == {}
    longest = await send(client, body="a" * 1600)
    assert longest["num_segments"] == 11


async def test_a_message_moves_from_queued_to_sent_to_delivered_on_the_sandbox_clock(
    client: Client, sandbox: Sandbox
) -> None:
    sid = (await send(client))["sid"]
    seen = []
    for _ in range(3):
        got = await call(client, "message_get", {"sid": sid})
        seen.append((got.data["status"], got.data.get("date_sent") is not None, got.data.get("price") is not None))
        sandbox.clock.advance(sandbox.step_seconds)
    assert seen == [("queued", False, False), ("sent", True, True), ("delivered", True, True)]
    assert "error" not in got.data


@pytest.mark.parametrize(
    "recipient, steps, status, code", [("+15005550010", 2, "undelivered", 30003), ("+15005550011", 1, "failed", 30006)]
)
async def test_message_get_explains_why_a_message_failed(
    client: Client, sandbox: Sandbox, recipient: str, steps: int, status: str, code: int
) -> None:
    sid = (await send(client, to=recipient))["sid"]
    sandbox.clock.advance(sandbox.step_seconds * steps)
    got = await call(client, "message_get", {"sid": sid})
    assert (got.data["status"], got.data["error_code"]) == (status, code)
    explained = got.data["error"]
    assert explained["code"] == code and explained["title"]
    assert explained["remediation"] and explained["docs_url"].endswith(str(code))


async def test_message_get_of_an_unknown_sid_is_twilio_not_found(client: Client) -> None:
    result = await call(client, "message_get", {"sid": "SM" + "0" * 32})
    assert result.error["code"] == "twilio.20404"


async def test_list_filters_reach_the_api_and_status_is_filtered_afterwards(client: Client, sandbox: Sandbox) -> None:
    early = await send(client, to=RECIPIENT)
    sandbox.clock.advance(10 * sandbox.step_seconds)
    late = await send(client, to=OTHER)
    sandbox.record_responses = True
    only_to = await call(client, "messages_list", {"to": "(415) 555-0188"})
    assert [m["sid"] for m in only_to.data["items"]] == [late["sid"]]
    both = await call(client, "messages_list", {"from": SENDER})
    assert [m["sid"] for m in both.data["items"]] == [late["sid"], early["sid"]]
    delivered = await call(client, "messages_list", {"status": "delivered"})
    assert [m["sid"] for m in delivered.data["items"]] == [early["sid"]]
    sandbox.clock.advance(sandbox.step_seconds)
    window = {"after": at(sandbox, -5), "before": at(sandbox, 5)}
    recent = await call(client, "messages_list", window)
    assert [m["sid"] for m in recent.data["items"]] == [late["sid"]]
    # The list envelope's uri echoes the query the sandbox received.
    uris = [parse_qs(urlsplit(json.loads(r["body"])["uri"]).query) for r in sandbox.served]
    assert uris[0]["To"] == [OTHER]
    assert uris[1]["From"] == [SENDER]
    assert "DateSent>" in uris[3] and "DateSent<" in uris[3]


async def test_a_scheduled_message_can_be_canceled_once_and_a_sent_one_not_at_all(
    client: Client, sandbox: Sandbox
) -> None:
    scheduled = await send(client, **{"from": None}, messaging_service_sid=SERVICE, send_at=at(sandbox, 3600))
    assert scheduled["status"] == "scheduled" and "from" not in scheduled
    canceled = await call(client, "message_cancel", {"sid": scheduled["sid"]})
    assert canceled.data["status"] == "canceled"
    again = await call(client, "message_cancel", {"sid": scheduled["sid"]})
    assert again.error["code"] == "twilio.30409" and again.error["http_status"] == 400
    sent = await send(client)
    refused = await call(client, "message_cancel", {"sid": sent["sid"]})
    assert refused.error["code"] == "twilio.30409"
    assert (await call(client, "message_get", {"sid": sent["sid"]})).data["status"] == "queued"


async def test_a_scheduled_message_goes_out_at_its_time_from_the_service_number(
    client: Client, sandbox: Sandbox
) -> None:
    scheduled = await send(client, **{"from": None}, messaging_service_sid=SERVICE, send_at=at(sandbox, 1800))
    sandbox.clock.advance(1800 + sandbox.step_seconds)
    got = await call(client, "message_get", {"sid": scheduled["sid"]})
    # The seeded service's sender sharing the recipient's area code, not just any number of the account.
    assert (got.data["status"], got.data["from"]) == ("sent", "+14155550142")


async def test_scheduling_needs_a_messaging_service_and_a_time_twilio_accepts(client: Client, sandbox: Sandbox) -> None:
    pinned = await call(
        client, "message_send", {"to": RECIPIENT, "from": SENDER, "body": "hi", "send_at": at(sandbox, 3600)}
    )
    assert pinned.error["code"] == "input.schedule_requires_service"
    too_soon = await call(
        client,
        "message_send",
        {"to": RECIPIENT, "messaging_service_sid": SERVICE, "body": "hi", "send_at": at(sandbox, 60)},
    )
    assert too_soon.error["code"] == "twilio.35114"
    unknown = await call(
        client, "message_send", {"to": RECIPIENT, "messaging_service_sid": "MG" + "1" * 32, "body": "x"}
    )
    assert unknown.error["code"] == "twilio.21701"
    assert sandbox.state.messages == {}


@pytest.mark.parametrize(
    "body, encoding, segments, length, forced",
    [
        ("a" * 160, "GSM-7", 1, 160, []),
        ("a" * 161, "GSM-7", 2, 161, []),
        ("a" * 306, "GSM-7", 2, 306, []),
        ("a" * 307, "GSM-7", 3, 307, []),
        ("€" * 80, "GSM-7", 1, 160, []),
        ("{}" * 40 + "a", "GSM-7", 2, 161, []),
        ("a" * 152 + "€" + "a" * 152, "GSM-7", 3, 306, []),
        ("ça va?", "UCS-2", 1, 6, ["ç"]),
        ("é" * 160, "GSM-7", 1, 160, []),
        ("😀" * 35, "UCS-2", 1, 70, ["😀"]),
        ("😀" * 36, "UCS-2", 2, 72, ["😀"]),
        ("a" * 66 + "😀" + "a" * 66, "UCS-2", 3, 134, ["😀"]),
        ("Привет ☃", "UCS-2", 1, 8, ["П", "р", "и", "в", "е", "т", "☃"]),
    ],
)
async def test_message_preview_counts_encoding_and_segments(
    client: Client, body: str, encoding: str, segments: int, length: int, forced: list[str]
) -> None:
    result = await call(client, "message_preview", {"body": body})
    assert not result.is_error, result
    got = result.data
    assert (got["encoding"], got["segments"], got["length"], got["ucs2_characters"]) == (
        encoding,
        segments,
        length,
        forced,
    )
    assert got["per_segment"] == {("GSM-7", 1): 160, ("UCS-2", 1): 70}.get(
        (encoding, segments), 153 if encoding == "GSM-7" else 67
    )


async def test_a_send_that_fails_frees_its_idempotency_key_for_a_corrected_retry(
    client: Client, sandbox: Sandbox
) -> None:
    failed = await call(
        client, "message_send", {"to": "+15005550001", "from": SENDER, "body": "hi", "idempotency_key": "retry-1"}
    )
    assert failed.error["code"] == "twilio.21211"
    fixed = await send(client, idempotency_key="retry-1")
    assert fixed["replayed"] is False
    assert len(sandbox.state.messages) == 1


async def test_a_key_held_for_other_arguments_is_a_conflict_and_sends_nothing(
    client: Client, services: Services, sandbox: Sandbox
) -> None:
    from skill.core.messaging import SEND_TOOL

    services.stores.idempotency.claim("busy", SEND_TOOL, services.profile, "another-process")
    result = await call(
        client, "message_send", {"to": RECIPIENT, "from": SENDER, "body": "hi", "idempotency_key": "busy"}
    )
    assert result.error["code"] == "input.idempotency_conflict"
    assert result.error["retryable"] is False
    assert sandbox.state.messages == {}


async def test_after_an_unknown_outcome_a_blind_repeat_with_the_same_key_sends_nothing(
    client: Client, sandbox: Sandbox
) -> None:
    sandbox.faults.queue = ["500"]
    args = {"to": RECIPIENT, "from": SENDER, "body": "hi", "idempotency_key": "maybe-sent"}
    first = await call(client, "message_send", args)
    assert first.error["code"] == "upstream.outcome_unknown"
    assert any("new idempotency_key" in step for step in first.error["remediation"])
    again = await call(client, "message_send", args)
    assert again.error["code"] == "input.idempotency_in_progress"
    assert again.error["retryable"] is True
    assert sandbox.state.messages == {}


async def test_once_the_grace_period_shows_an_unknown_send_never_happened_the_repeat_sends_it_once(
    client: Client, services: Services, sandbox: Sandbox, wall_clock: ManualClock
) -> None:
    from skill.core.messaging import SEND_TOOL
    from skill.core.send_keys import GRACE_SECONDS

    sandbox.faults.queue = ["500"]
    args = {"to": RECIPIENT, "from": SENDER, "body": "hi", "idempotency_key": "lost"}
    assert (await call(client, "message_send", args)).error["code"] == "upstream.outcome_unknown"
    assert services.stores.send_counter.count(services.profile, SEND_TOOL) == 1  # it may have gone out
    wall_clock.advance(GRACE_SECONDS)
    sent = await call(client, "message_send", args)
    assert not sent.is_error and sent.data["replayed"] is False
    again = await call(client, "message_send", args)
    assert again.data["sid"] == sent.data["sid"] and again.data["replayed"] is True
    assert len(sandbox.state.messages) == 1
    assert services.stores.send_counter.count(services.profile, SEND_TOOL) == 1


async def test_a_send_whose_answer_was_lost_is_found_and_replayed_not_sent_again(
    client: Client, services: Services, sandbox: Sandbox
) -> None:
    from skill.core.messaging import SEND_TOOL

    sandbox.faults.queue = ["drop"]
    args = {"to": RECIPIENT, "from": SENDER, "body": "hi", "idempotency_key": "dropped"}
    assert (await call(client, "message_send", args)).error["code"] == "upstream.outcome_unknown"
    [created] = sandbox.state.messages
    found = await call(client, "message_send", args)
    assert not found.is_error and found.data["sid"] == created and found.data["replayed"] is True
    assert len(sandbox.state.messages) == 1
    assert services.stores.send_counter.count(services.profile, SEND_TOOL) == 1
