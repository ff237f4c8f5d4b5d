"""The approvals service: one request per distinct call, decisions recorded, used once, given back."""

from __future__ import annotations

from pathlib import Path

import pytest

from skill.core.approvals import ApprovalRequest, ApprovalService
from skill.errors import InputError, NotFoundError, PolicyError
from skill.ports.clock import ManualClock
from skill.stores.sqlite import Stores


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(1_800_000_000.0)


@pytest.fixture
def stores(tmp_path: Path, clock: ManualClock) -> Stores:
    return Stores.open(tmp_path / "state.db", clock=clock)


def service(stores: Stores, clock: ManualClock, ttl: int = 600) -> ApprovalService:
    return ApprovalService(store=stores.approvals, audit=stores.audit, clock=clock, ttl_seconds=ttl)


def asked(digest: str = "a" * 64, profile: str = "sandbox") -> ApprovalRequest:
    return ApprovalRequest(
        tool="number_release", args_json='{"sid":"PN1"}', args_sha256=digest, profile=profile, summary="s", reason="r"
    )


def test_a_repeated_call_while_its_request_is_pending_gets_the_same_request(stores: Stores, clock: ManualClock) -> None:
    approvals = service(stores, clock)
    first, created = approvals.request(asked())
    again, created_again = approvals.request(asked())
    other, _ = approvals.request(asked(digest="b" * 64))
    assert created and not created_again
    assert again.id == first.id and other.id != first.id
    assert [e.event for e in stores.audit.tail(10)].count("approval.requested") == 2


def test_once_the_pending_request_expires_a_repeat_opens_a_new_one(stores: Stores, clock: ManualClock) -> None:
    approvals = service(stores, clock, ttl=60)
    first, _ = approvals.request(asked())
    clock.advance(61)
    second, created = approvals.request(asked())
    assert created and second.id != first.id
    assert approvals.status_of(approvals.get(first.id)) == "expired"


def test_an_approval_decided_through_one_connection_is_used_once_through_another(
    tmp_path: Path, clock: ManualClock
) -> None:
    server = service(Stores.open(tmp_path / "state.db", clock=clock), clock)
    operator_side = Stores.open(tmp_path / "state.db", clock=clock)
    request, _ = server.request(asked())
    service(operator_side, clock).decide(request.id, approve=True, operator="ops")
    used = server.consume(request.id, tool="number_release", args_sha256="a" * 64, profile="sandbox")
    assert used.status == "used" and used.used_at == clock.now()
    with pytest.raises(PolicyError) as again:
        service(operator_side, clock).consume(
            request.id, tool="number_release", args_sha256="a" * 64, profile="sandbox"
        )
    assert again.value.code == "policy.approval_used"


@pytest.mark.parametrize(
    ("tool", "digest", "profile"),
    [
        ("apikey_revoke", "a" * 64, "sandbox"),
        ("number_release", "b" * 64, "sandbox"),
        ("number_release", "a" * 64, "prod"),
    ],
)
def test_an_approval_runs_only_the_exact_call_it_was_granted_for(
    stores: Stores, clock: ManualClock, tool: str, digest: str, profile: str
) -> None:
    approvals = service(stores, clock)
    request, _ = approvals.request(asked())
    approvals.decide(request.id, approve=True, operator="ops")
    with pytest.raises(PolicyError) as info:
        approvals.consume(request.id, tool=tool, args_sha256=digest, profile=profile)
    assert info.value.code == "policy.approval_mismatch"
    assert approvals.get(request.id).status == "approved"


def test_deciding_twice_after_expiry_or_an_unknown_id_is_refused(stores: Stores, clock: ManualClock) -> None:
    approvals = service(stores, clock, ttl=60)
    first, _ = approvals.request(asked())
    approvals.decide(first.id, approve=False, operator="ops", reason="no")
    with pytest.raises(PolicyError, match="already denied"):
        approvals.decide(first.id, approve=True, operator="ops")
    second, _ = approvals.request(asked(digest="c" * 64))
    clock.advance(60)
    with pytest.raises(PolicyError) as info:
        approvals.decide(second.id, approve=True, operator="ops")
    assert info.value.code == "policy.approval_expired"
    with pytest.raises(NotFoundError):
        approvals.get("apr_0000000000000000")


def test_a_denial_needs_a_reason_and_a_decision_needs_an_operator(stores: Stores, clock: ManualClock) -> None:
    approvals = service(stores, clock)
    request, _ = approvals.request(asked())
    with pytest.raises(InputError) as no_reason:
        approvals.decide(request.id, approve=False, operator="ops", reason="  ")
    with pytest.raises(InputError) as nobody:
        approvals.decide(request.id, approve=True, operator="\n ")
    assert no_reason.value.code == "input.reason_required"
    assert nobody.value.code == "input.operator_required"
    assert approvals.get(request.id).status == "pending"


def test_every_decision_is_in_the_audit_log_with_its_operator_and_reason(stores: Stores, clock: ManualClock) -> None:
    approvals = service(stores, clock)
    yes, _ = approvals.request(asked())
    no, _ = approvals.request(asked(digest="d" * 64))
    approvals.decide(yes.id, approve=True, operator="alice", via="console")
    approvals.decide(no.id, approve=False, operator="bob", reason="not during the sale")
    entries = {e.approval_id: e for e in stores.audit.tail(10) if e.event in ("approval.approved", "approval.denied")}
    assert entries[yes.id].detail["operator"] == "alice" and entries[yes.id].detail["via"] == "console"
    assert entries[no.id].detail["reason"] == "not during the sale" and entries[no.id].event == "approval.denied"


def test_a_released_approval_can_run_again_until_it_expires(stores: Stores, clock: ManualClock) -> None:
    approvals = service(stores, clock, ttl=60)
    request, _ = approvals.request(asked())
    approvals.decide(request.id, approve=True, operator="ops")
    approvals.consume(request.id, tool="number_release", args_sha256="a" * 64, profile="sandbox")
    assert approvals.release(request.id, why="refused by Twilio")
    assert not approvals.release(request.id, why="twice")
    approvals.consume(request.id, tool="number_release", args_sha256="a" * 64, profile="sandbox")
    approvals.release(request.id, why="again")
    clock.advance(60)
    with pytest.raises(PolicyError) as info:
        approvals.consume(request.id, tool="number_release", args_sha256="a" * 64, profile="sandbox")
    assert info.value.code == "policy.approval_expired"


def test_a_pending_or_denied_approval_cannot_be_used(stores: Stores, clock: ManualClock) -> None:
    approvals = service(stores, clock)
    pending, _ = approvals.request(asked())
    with pytest.raises(PolicyError) as waiting:
        approvals.consume(pending.id, tool="number_release", args_sha256="a" * 64, profile="sandbox")
    approvals.decide(pending.id, approve=False, operator="ops", reason="no")
    with pytest.raises(PolicyError) as denied:
        approvals.consume(pending.id, tool="number_release", args_sha256="a" * 64, profile="sandbox")
    assert waiting.value.code == "policy.approval_pending" and waiting.value.retryable
    assert denied.value.code == "policy.approval_denied" and "no" in denied.value.message
