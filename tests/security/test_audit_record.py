"""No call that may change anything runs unrecorded.

It is written to the audit log as `started` before its handler runs, and completed after with what
happened (ok, error, or unknown when the result could not be known). When that first entry cannot be
written, the call does not run, and what it reserved (an approval, a daily send) is given back.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from mcp import Client

from skill.config import Settings
from skill.core.context import Services
from skill.gateways.http import RetryPolicy
from skill.ports.clock import ManualClock
from skill.records.audit import AuditRow
from skill.records.messages import Message
from skill.sandbox.app import Sandbox
from skill.server.app import build_server
from skill.wiring import build_services
from tests.conftest import approve, call
from tests.security.calls import assert_structured, calls_of, events_of, send_args

pytestmark = pytest.mark.anyio


class AuditDown(Exception):
    """The audit store failing, as a full disk or a locked database would."""


@pytest.fixture
async def capped(
    settings: Settings, sandbox: Sandbox, wall_clock: ManualClock, tmp_path: Path
) -> AsyncIterator[tuple[Client, Services]]:
    """A server whose daily cap for sends is 0: every send needs an operator's approval."""
    policy = tmp_path / "policy.toml"
    policy.write_text("[limits]\nsends_per_day = 0\n")
    capped_settings = settings.with_overrides(policy_path=policy)
    services = build_services(capped_settings, sandbox=sandbox, clock=wall_clock)
    services.twilio.http.retry = RetryPolicy(attempts=1)
    async with Client(build_server(capped_settings, services)) as client:
        yield client, services
    await services.aclose()


def watch_sends(services: Services, monkeypatch: pytest.MonkeyPatch, seen: list[dict[str, Any]]) -> None:
    """Record, at the moment the handler asks Twilio to send, what the audit log already holds."""
    real = services.twilio.messages.create

    async def observed(**kwargs: Any) -> Message:
        entries = calls_of(services, "message_send")
        seen.append({"entries": [(entry.id, entry.outcome, entry.approval_id) for entry in entries]})
        return await real(**kwargs)

    monkeypatch.setattr(services.twilio.messages, "create", observed)


def fail_audit(services: Services, monkeypatch: pytest.MonkeyPatch, *, only_started: bool) -> list[str]:
    """Make the audit store refuse writes (every write, or only a tool call's `started` entry), whichever way
    an entry is written: alone, or in a batch with concurrent calls' entries."""
    audit = services.stores.audit
    real_record, real_write = audit.record, audit.write
    refused: list[str] = []

    def refuses(event: str, outcome: str) -> bool:
        if not only_started or (event == "tool.call" and outcome == "started"):
            refused.append(event)
            return True
        return False

    def record(event: str, **fields: Any) -> int:
        if refuses(event, fields.get("outcome", "")):
            raise AuditDown("disk I/O error")
        return real_record(event, **fields)

    def write(rows: list[AuditRow]) -> list[int]:
        if [row for row in rows if refuses(row.event, row.outcome)]:
            raise AuditDown("disk I/O error")
        return real_write(rows)

    monkeypatch.setattr(audit, "record", record)
    monkeypatch.setattr(audit, "write", write)
    # The batcher was made with the store's method as it was: it takes the failing one.
    monkeypatch.setattr(services.audit_writes, "write", write)
    return refused


async def gated_send(client: Client, services: Services, **overrides: Any) -> tuple[dict[str, Any], str]:
    args = send_args(**overrides)
    first = await call(client, "message_send", args)
    assert first.error["code"] == "policy.approval_required", first
    return args, await approve(services, first)


async def test_a_send_is_recorded_as_started_before_its_handler_reaches_twilio_and_completed_after(
    client: Client, services: Services, sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[dict[str, Any]] = []
    watch_sends(services, monkeypatch, seen)
    sent = await call(client, "message_send", send_args())
    assert not sent.is_error, sent
    assert len(seen) == 1
    [(entry_id, outcome, _)] = seen[0]["entries"]
    assert outcome == "started"  # it existed while the handler ran
    [done] = calls_of(services, "message_send")
    assert (done.id, done.outcome) == (entry_id, "ok")
    assert done.detail["args"]["body"] == "Your table is ready." and done.detail["tier"] == "SEND"
    assert done.detail["args"]["to"] != "+14155550100"  # numbers are masked in the log


async def test_an_approved_call_is_recorded_with_its_approval_before_it_runs(
    capped: tuple[Client, Services], sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    client, services = capped
    args, approval_id = await gated_send(client, services)
    seen: list[dict[str, Any]] = []
    watch_sends(services, monkeypatch, seen)
    done = await call(client, "message_send", {**args, "approval_id": approval_id})
    assert not done.is_error, done
    assert seen[0]["entries"][-1][1:] == ("started", approval_id)
    assert calls_of(services, "message_send")[-1].outcome == "ok"
    assert events_of(services, approval_id) == ["approval.requested", "approval.approved", "approval.used", "tool.call"]


@pytest.mark.parametrize("only_started", [True, False], ids=["started-entry-fails", "every-write-fails"])
async def test_when_the_audit_log_cannot_record_the_call_nothing_runs_and_the_approval_is_given_back(
    capped: tuple[Client, Services], sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch, only_started: bool
) -> None:
    client, services = capped
    args, approval_id = await gated_send(client, services)
    seen: list[dict[str, Any]] = []
    watch_sends(services, monkeypatch, seen)
    before = len(sandbox.state.messages)
    refused = fail_audit(services, monkeypatch, only_started=only_started)
    result = await call(client, "message_send", {**args, "approval_id": approval_id})
    error = assert_structured(result)
    assert refused, "the audit store was asked to write"
    assert error["code"] == "internal.audit_unavailable"
    assert "Nothing was done" in error["message"] and error["retryable"] is True
    assert seen == [] and len(sandbox.state.messages) == before
    assert services.approvals.get(approval_id).status == "approved"
    assert services.stores.send_counter.count(services.profile, "message_send") == 0
    if only_started:
        assert "not used up" in error["approval"]["note"]
    # Once the log works again, the same approval runs the call, once.
    monkeypatch.undo()
    done = await call(client, "message_send", {**args, "approval_id": approval_id})
    assert not done.is_error, done
    assert len(sandbox.state.messages) == before + 1
    assert services.stores.send_counter.count(services.profile, "message_send") == 1


async def test_when_the_audit_log_cannot_record_a_send_within_the_cap_its_count_is_given_back(
    client: Client, services: Services, sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    fail_audit(services, monkeypatch, only_started=True)
    result = await call(client, "message_send", send_args())
    assert assert_structured(result)["code"] == "internal.audit_unavailable"
    assert sandbox.state.messages == {}
    assert services.stores.send_counter.count(services.profile, "message_send") == 0


async def test_a_refusal_is_answered_even_when_the_audit_log_cannot_record_it(
    client: Client, services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    fail_audit(services, monkeypatch, only_started=False)
    result = await call(client, "message_send", send_args(to="not a number"))
    assert assert_structured(result)["code"] == "input.invalid_phone"


async def test_a_crash_inside_a_handler_after_it_started_leaves_the_outcome_unknown_and_the_approval_used(
    capped: tuple[Client, Services], sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    client, services = capped
    args, approval_id = await gated_send(client, services)

    async def crash(**kwargs: Any) -> Message:
        raise RuntimeError("the process lost its way after the request left")

    monkeypatch.setattr(services.twilio.messages, "create", crash)
    result = await call(client, "message_send", {**args, "approval_id": approval_id})
    error = result.error
    assert error["code"] == "internal.unexpected" and "outcome is unknown" in error["message"]
    assert "traceback" not in str(result.data).lower() and "RuntimeError" not in str(result.data)
    assert error["approval"]["status"] == "used" and "used up" in error["approval"]["note"]
    entry = calls_of(services, "message_send")[-1]
    assert (entry.outcome, entry.approval_id, entry.detail["code"]) == ("unknown", approval_id, "internal.unexpected")
    assert services.approvals.get(approval_id).status == "used"
    assert services.stores.send_counter.count(services.profile, "message_send") == 1  # it may have gone out
    again = await call(client, "message_send", {**args, "approval_id": approval_id})
    assert assert_structured(again)["code"] == "policy.approval_used"


async def test_an_upstream_answer_that_never_came_is_recorded_as_unknown_and_a_refusal_as_error(
    client: Client, services: Services, sandbox: Sandbox
) -> None:
    services.twilio.http.retry = RetryPolicy(attempts=1)
    sandbox.faults.queue = ["drop"]
    dropped = await call(client, "message_send", send_args(body="first"))
    assert assert_structured(dropped)["code"] == "upstream.outcome_unknown"
    refused = await call(client, "message_send", send_args(to="+15005550001", body="second"))
    assert assert_structured(refused)["code"] == "twilio.21211"
    outcomes = [(entry.outcome, entry.detail["code"]) for entry in calls_of(services, "message_send")]
    assert outcomes == [("unknown", "upstream.outcome_unknown"), ("error", "twilio.21211")]
    assert len(sandbox.state.messages) == 1  # the dropped one went out; the refused one did not
    assert services.stores.send_counter.count(services.profile, "message_send") == 1


async def test_a_read_is_recorded_once_with_its_outcome_and_never_as_started(
    client: Client, services: Services
) -> None:
    listed = await call(client, "numbers_list")
    assert not listed.is_error, listed
    assert [entry.outcome for entry in calls_of(services, "numbers_list")] == ["ok"]
