"""Each step of the gate on its own: a real approvals service over SQLite, a manual clock, one call at a time."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from skill.core.approvals import ApprovalRequest, ApprovalService
from skill.errors import ApprovalRequired, InputError, PolicyError, UpstreamError
from skill.policy.gate import (
    Gate,
    GatedCall,
    Verdict,
    approval,
    bulk,
    caps,
    country,
    deny,
    local_checks,
    read_only,
    rules,
    webhook_hosts,
)
from skill.policy.policy import BUILT_IN_RULES, Policy, Rule
from skill.policy.tiers import Tier
from skill.ports.clock import ManualClock
from skill.records.approvals import Impact
from skill.stores.sqlite import Stores

pytestmark = pytest.mark.anyio

PROFILE = "default"
NOON = 1_800_000_000.0  # 2027-01-15 08:00 UTC: far from a day boundary
US_NUMBER = "+14155550100"
GB_MOBILE = "+447911123456"


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(NOON)


@pytest.fixture
def stores(tmp_path: Path, clock: ManualClock) -> Any:
    opened = Stores.open(tmp_path / "state.db", clock=clock)
    yield opened
    opened.close()


def make_gate(stores: Stores, clock: ManualClock, policy: Policy | None = None, **options: Any) -> Gate:
    approvals = ApprovalService(store=stores.approvals, audit=stores.audit, clock=clock, ttl_seconds=600)
    return Gate(policy=policy or Policy(), approvals=approvals, send_counter=stores.send_counter, **options)


def digest_of(args: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(args, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def gated(
    tool: str = "message_send",
    tier: Tier = Tier.SEND,
    args: dict[str, Any] | None = None,
    **fields: Any,
) -> GatedCall:
    """A call as the dispatch hands it to the gate; a SEND's destination is its `to`."""
    arguments = args if args is not None else {"to": US_NUMBER, "from": "+15005550006", "body": "hi"}
    fields.setdefault("destination_arg", "to" if tier is Tier.SEND else None)
    return GatedCall(
        tool=tool,
        tier=tier,
        args=arguments,
        digest=digest_of(arguments),
        shown_args=json.dumps(arguments, sort_keys=True),
        profile=PROFILE,
        summarize=lambda: f"{tool} as asked",
        **fields,
    )


def approved(gate: Gate, call: GatedCall) -> str:
    """An approval an operator granted for exactly this call."""
    request, _ = gate.approvals.request(
        ApprovalRequest(
            tool=call.tool,
            args_json=call.shown_args,
            args_sha256=call.digest,
            profile=call.profile,
            summary="s",
            reason="r",
        )
    )
    gate.approvals.decide(request.id, approve=True, operator="ops")
    return request.id


Step = Callable[[Gate, GatedCall, Verdict], Awaitable[None]]


async def run(step: Step, gate: Gate, call: GatedCall, verdict: Verdict | None = None) -> Verdict:
    verdict = verdict or Verdict()
    await step(gate, call, verdict)
    return verdict


# local_checks


async def test_local_checks_run_the_tools_own_rule_and_its_refusal_stops_the_call(
    stores: Stores, clock: ManualClock
) -> None:
    seen: list[str] = []

    def refuse() -> None:
        seen.append("checked")
        raise InputError("bad number", code="input.invalid_phone")

    gate = make_gate(stores, clock)
    with pytest.raises(InputError) as info:
        await run(local_checks, gate, gated(local_checks=refuse))
    assert info.value.code == "input.invalid_phone" and seen == ["checked"]
    assert (await run(local_checks, gate, gated())).action == "allow"


# rules

GB_RULE = Policy(rules=(Rule(tool="message_send", when={"to": "+44*"}, action="approve"), *BUILT_IN_RULES))


@pytest.mark.parametrize(
    "written",
    [
        GB_MOBILE,
        "+44 7911 123456",
        "+44 (0) 7911 123456",
        "tel:+44-7911-123456",
        "whatsapp:+447911123456",
        "WhatsApp:+44 7911 123456",
        " whatsapp:+447911123456 ",
        "\uff0b\uff14\uff14\uff17\uff19\uff11\uff11\uff11\uff12\uff13\uff14\uff15\uff16",  # full-width digits
    ],
)
async def test_an_argument_rule_matches_the_destination_however_it_is_written(
    stores: Stores, clock: ManualClock, written: str
) -> None:
    gate = make_gate(stores, clock, GB_RULE)
    verdict = await run(rules, gate, gated(args={"to": written, "body": "hi"}))
    assert verdict.action == "approve", written
    assert "policy rule for message_send" in verdict.reason


@pytest.mark.parametrize("written", ["whatsapp:+14155550100", "WHATSAPP:(415) 555-0100"])
async def test_a_rule_on_the_channel_matches_a_channel_address_written_in_any_case(
    stores: Stores, clock: ManualClock, written: str
) -> None:
    policy = Policy(rules=(Rule(tool="message_send", when={"to": "whatsapp:*"}, action="deny"),))
    gate = make_gate(stores, clock, policy)
    assert (await run(rules, gate, gated(args={"to": written}))).action == "deny"
    assert (await run(rules, gate, gated(args={"to": "(415) 555-0100"}))).action == "allow"


async def test_a_rule_for_another_country_or_tool_leaves_the_tier_default(stores: Stores, clock: ManualClock) -> None:
    gate = make_gate(stores, clock, GB_RULE)
    assert (await run(rules, gate, gated(args={"to": "(415) 555-0100"}))).action == "allow"
    other = gated(tool="call_create", args={"to": GB_MOBILE})
    verdict = await run(rules, gate, other)
    assert (verdict.action, verdict.reason) == ("allow", "default for SEND tools")


async def test_the_first_matching_rule_wins_across_the_ways_a_destination_is_read(
    stores: Stores, clock: ManualClock
) -> None:
    policy = Policy(
        rules=(
            Rule(tool="message_send", when={"to": "whatsapp:+44*"}, action="deny"),
            Rule(tool="message_send", when={"to": "+44*"}, action="approve"),
        )
    )
    gate = make_gate(stores, clock, policy)
    assert (await run(rules, gate, gated(args={"to": f"whatsapp:{GB_MOBILE}"}))).action == "deny"
    assert (await run(rules, gate, gated(args={"to": GB_MOBILE}))).action == "approve"


# country


@pytest.mark.parametrize("written", [GB_MOBILE, "whatsapp:+33612345678", "+80012345678"])
async def test_a_destination_in_a_country_the_policy_does_not_allow_is_refused(
    stores: Stores, clock: ManualClock, written: str
) -> None:
    gate = make_gate(stores, clock)
    with pytest.raises(PolicyError) as info:
        await run(country, gate, gated(args={"to": written}))
    assert info.value.code == "policy.country_not_allowed"
    assert "Nothing was sent" in info.value.message and info.value.remediation


@pytest.mark.parametrize("written", ["(415) 555-0100", "+1 604 555 0100", "whatsapp:+14155550100"])
async def test_a_destination_in_an_allowed_country_passes(stores: Stores, clock: ManualClock, written: str) -> None:
    gate = make_gate(stores, clock)
    assert (await run(country, gate, gated(args={"to": written}))).action == "allow"


@pytest.mark.parametrize("written", ["person@example.com", "sip:alice@example.com", "client:alice"])
async def test_a_destination_whose_country_cannot_be_told_passes_to_the_tools_own_checks(
    stores: Stores, clock: ManualClock, written: str
) -> None:
    gate = make_gate(stores, clock, Policy(allowed_countries=("US",)))
    assert (await run(country, gate, gated(args={"to": written}))).action == "allow"


async def test_any_country_passes_with_a_star_and_none_with_an_empty_list(stores: Stores, clock: ManualClock) -> None:
    anywhere = make_gate(stores, clock, Policy(allowed_countries=("*",)))
    assert (await run(country, anywhere, gated(args={"to": GB_MOBILE}))).action == "allow"
    with pytest.raises(PolicyError):
        await run(country, make_gate(stores, clock, Policy(allowed_countries=())), gated(args={"to": US_NUMBER}))


async def test_a_call_already_denied_is_not_judged_by_country(stores: Stores, clock: ManualClock) -> None:
    gate = make_gate(stores, clock)
    verdict = await run(country, gate, gated(args={"to": GB_MOBILE}), Verdict(action="deny", reason="rule"))
    assert (verdict.action, verdict.reason) == ("deny", "rule")


# webhook_hosts

HOSTS = Policy(webhook_allowed_hosts=("hooks.example.com", "*.example.org"))


@pytest.mark.parametrize(
    "url",
    [
        "https://hooks.example.com/sms",
        "HTTPS://HOOKS.Example.COM/sms",
        "https://hooks.example.com./sms",
        "https://hooks.example.com:8443/sms",
        "https://user:secret@hooks.example.com/sms",
        "https://a.example.org/sms",
        "https://b.a.example.org/sms",
        "https://skill.example.net/twilio/sms/inbound",
        "https://SKILL.example.net./twilio",
    ],
)
async def test_a_url_on_an_allowed_or_our_own_host_passes(stores: Stores, clock: ManualClock, url: str) -> None:
    gate = make_gate(stores, clock, HOSTS, trusted_webhook_hosts=("skill.example.net.",))
    verdict = await run(
        webhook_hosts, gate, gated("number_configure", Tier.WRITE, {"sms_url": url}, webhook_urls=(url,))
    )
    assert verdict.action == "allow", url


@pytest.mark.parametrize(
    "url",
    [
        "https://evil.example/sms",
        "https://hooks.example.com@evil.example/",
        "https://hooks.example.com:443@evil.example/",
        "https://evil.example\\@hooks.example.com/",
        "https://evil.example\\.hooks.example.com/",
        "https://hooks.example.com.evil.example/",
        "https://evil.example/#@hooks.example.com",
        "https://evil.example/?hooks.example.com",
        "https://example.org/",
        "https://evilexample.org/",
        "https://evil.example%2F.a.example.org/",
        "https://hooks%2Eexample.com/",
        "https://hooks.example.com\uff03.evil.example/",
        "https://hooks.ex\u0430mple.com/",
        "https://[::1]/sms",
        "https://[hooks.example.com/",
        "https://hooks.example.com:port/",
        "ftp://hooks.example.com/sms",
        "//hooks.example.com/sms",
        "hooks.example.com",
    ],
)
async def test_a_url_pointing_anywhere_else_waits_for_an_operator(stores: Stores, clock: ManualClock, url: str) -> None:
    gate = make_gate(stores, clock, HOSTS, trusted_webhook_hosts=("skill.example.net",))
    call = gated("number_configure", Tier.WRITE, {"sms_url": url}, webhook_urls=("https://hooks.example.com/ok", url))
    verdict = await run(webhook_hosts, gate, call)
    assert verdict.action == "approve", url
    assert "[webhooks].allowed_hosts" in verdict.reason


async def test_without_allowed_hosts_every_url_waits_and_a_refusal_stays_a_refusal(
    stores: Stores, clock: ManualClock
) -> None:
    gate = make_gate(stores, clock)
    url = "https://hooks.example.com/sms"
    assert (await run(webhook_hosts, gate, gated("number_configure", Tier.WRITE, webhook_urls=(url,)))).action == (
        "approve"
    )
    denied = await run(webhook_hosts, gate, gated("number_configure", Tier.WRITE, webhook_urls=(url,)), Verdict("deny"))
    assert denied.action == "deny"


# bulk


@pytest.mark.parametrize(
    ("recipients", "action"), [(1, "allow"), (100, "allow"), (101, "approve"), (10_000, "approve")]
)
async def test_more_recipients_than_the_bulk_limit_wait_for_an_operator(
    stores: Stores, clock: ManualClock, recipients: int, action: str
) -> None:
    gate = make_gate(stores, clock, Policy(bulk_recipients=100))
    verdict = await run(bulk, gate, gated("email_send", recipients=recipients))
    assert verdict.action == action
    if action == "approve":
        assert f"{recipients} recipients" in verdict.reason


async def test_a_bulk_limit_of_zero_gates_every_send_and_a_denied_call_stays_denied(
    stores: Stores, clock: ManualClock
) -> None:
    gate = make_gate(stores, clock, Policy(bulk_recipients=0))
    assert (await run(bulk, gate, gated("email_send"))).action == "approve"
    assert (await run(bulk, gate, gated("email_send", recipients=5), Verdict("deny"))).action == "deny"


# caps


async def test_a_cap_of_zero_refuses_the_very_first_send_of_the_day(stores: Stores, clock: ManualClock) -> None:
    gate = make_gate(stores, clock, Policy(sends_per_day=0))
    assert stores.send_counter.count(PROFILE, "message_send") == 0  # no row for today yet
    verdict = await run(caps, gate, gated())
    assert (verdict.action, verdict.counted) == ("approve", False)
    assert "daily limit of 0" in verdict.reason
    assert stores.send_counter.count(PROFILE, "message_send") == 0


async def test_sends_up_to_the_cap_are_counted_and_the_next_waits(stores: Stores, clock: ManualClock) -> None:
    gate = make_gate(stores, clock, Policy(sends_per_day=3))
    verdicts = [await run(caps, gate, gated()) for _ in range(4)]
    assert [v.action for v in verdicts] == ["allow", "allow", "allow", "approve"]
    assert [v.counted for v in verdicts] == [True, True, True, False]
    assert stores.send_counter.count(PROFILE, "message_send") == 3
    clock.advance(86_400)  # a new UTC day starts from zero
    assert (await run(caps, gate, gated())).counted


async def test_the_cap_applies_per_tool_and_only_to_sends_the_policy_lets_through(
    stores: Stores, clock: ManualClock
) -> None:
    gate = make_gate(stores, clock, Policy(sends_per_day=1))
    assert (await run(caps, gate, gated("message_send"))).counted
    assert (await run(caps, gate, gated("call_create"))).counted
    write = await run(caps, gate, gated("subaccount_create", Tier.WRITE))
    waiting = await run(caps, gate, gated("message_send"), Verdict("approve", "rule"))
    assert not write.counted and (waiting.counted, waiting.reason) == (False, "rule")
    assert stores.send_counter.count(PROFILE, "message_send") == 1


async def test_a_refusal_after_the_cap_was_reserved_gives_the_send_back(stores: Stores, clock: ManualClock) -> None:
    gate = make_gate(stores, clock, Policy(sends_per_day=5))

    async def refuse_late(gate: Gate, call: GatedCall, verdict: Verdict) -> None:
        raise PolicyError("no", code="policy.denied")

    gate.steps = (rules, caps, refuse_late)
    with pytest.raises(PolicyError):
        await gate.check(gated())
    assert stores.send_counter.count(PROFILE, "message_send") == 0


# read_only


async def test_a_read_tool_that_would_wait_for_approval_is_refused_instead(stores: Stores, clock: ManualClock) -> None:
    gate = make_gate(stores, clock)
    verdict = await run(read_only, gate, gated("account_get", Tier.READ), Verdict("approve", "policy setting"))
    assert verdict.action == "deny" and "read-only tools cannot wait for approval" in verdict.reason
    for tier in (Tier.WRITE, Tier.SEND, Tier.DESTRUCTIVE):
        assert (await run(read_only, gate, gated("x", tier), Verdict("approve"))).action == "approve"


async def test_a_read_tool_set_to_approve_in_the_policy_is_denied_by_the_whole_gate(
    stores: Stores, clock: ManualClock
) -> None:
    gate = make_gate(stores, clock, Policy(tool_actions={"account_get": "approve"}))
    with pytest.raises(PolicyError) as info:
        await gate.check(gated("account_get", Tier.READ, {}))
    assert info.value.code == "policy.denied"
    assert gate.approvals.list() == []


# deny


async def test_a_denied_call_is_refused_with_the_reason_and_nothing_else(stores: Stores, clock: ManualClock) -> None:
    gate = make_gate(stores, clock)
    with pytest.raises(PolicyError) as info:
        await run(deny, gate, gated(), Verdict("deny", "policy setting for message_send"))
    assert info.value.code == "policy.denied"
    assert "policy setting for message_send" in info.value.message and "Nothing was done" in info.value.message
    for action in ("allow", "approve"):
        assert (await run(deny, gate, gated(), Verdict(action))).action == action  # type: ignore[arg-type]


# approval


async def test_an_approval_lets_a_send_past_the_cap_and_it_is_still_counted(stores: Stores, clock: ManualClock) -> None:
    gate = make_gate(stores, clock, Policy(sends_per_day=0))
    call = gated()
    approval_id = approved(gate, call)
    verdict = await run(caps, gate, gated(approval_id=approval_id))
    await approval(gate, gated(approval_id=approval_id), verdict)
    assert verdict.approval is not None and verdict.approval.id == approval_id
    assert verdict.counted and stores.send_counter.count(PROFILE, "message_send") == 1
    assert gate.approvals.get(approval_id).status == "used"


async def test_without_an_approval_id_a_request_is_opened_with_the_impact_the_tool_inspected(
    stores: Stores, clock: ManualClock
) -> None:
    gate = make_gate(stores, clock)
    inspected: list[str] = []

    async def inspect() -> Impact:
        inspected.append("fetched")
        return Impact(resource="Phone number +1 415 555 0100", reversibility="not reversible")

    call = gated("number_release", Tier.DESTRUCTIVE, {"sid": "PN" + "0" * 32}, inspect=inspect)
    with pytest.raises(ApprovalRequired) as info:
        await run(approval, gate, call, Verdict("approve", "default for DESTRUCTIVE tools"))
    block = info.value.approval
    assert block is not None and inspected == ["fetched"]
    assert block["impact"]["resource"] == "Phone number +1 415 555 0100"
    stored = gate.approvals.get(block["id"])
    assert stored.status == "pending" and stored.args_sha256 == call.digest
    assert stored.impact is not None and stored.impact.reversibility == "not reversible"
    assert "Nothing has happened yet" in info.value.message
    assert any(f"approval_id={block['id']}" in step for step in info.value.remediation)


async def test_a_request_for_a_call_that_inspect_refuses_is_never_opened(stores: Stores, clock: ManualClock) -> None:
    gate = make_gate(stores, clock)

    async def inspect() -> Impact:
        raise UpstreamError("The number does not exist.", code="twilio.20404", http_status=404)

    call = gated("number_release", Tier.DESTRUCTIVE, {"sid": "PN" + "1" * 32}, inspect=inspect)
    with pytest.raises(UpstreamError):
        await run(approval, gate, call, Verdict("approve", "default"))
    assert gate.approvals.list() == []
    assert [e.event for e in stores.audit.tail(10)] == []


async def test_an_approval_id_that_is_not_granted_for_this_call_lets_nothing_through(
    stores: Stores, clock: ManualClock
) -> None:
    gate = make_gate(stores, clock)
    other = approved(gate, gated(args={"to": US_NUMBER, "body": "another message"}))
    with pytest.raises(PolicyError) as mismatch:
        await gate.check(gated(approval_id=other))
    with pytest.raises(PolicyError) as unknown:
        await gate.check(gated(approval_id="apr_00000000000000ff"))
    assert (mismatch.value.code, unknown.value.code) == ("policy.approval_mismatch", "policy.approval_invalid")
    # The send the cap step reserved for each attempt was given back, and the other call's approval is intact.
    assert stores.send_counter.count(PROFILE, "message_send") == 0
    assert gate.approvals.get(other).status == "approved"


async def test_an_approval_id_on_a_call_the_policy_allows_is_used_and_not_counted_twice(
    stores: Stores, clock: ManualClock
) -> None:
    gate = make_gate(stores, clock)
    call = gated()
    approval_id = approved(gate, call)
    verdict = await gate.check(gated(approval_id=approval_id))
    assert verdict.approval is not None and gate.approvals.get(approval_id).status == "used"
    assert stores.send_counter.count(PROFILE, "message_send") == 1
    with pytest.raises(PolicyError) as again:
        await gate.check(gated(approval_id=approval_id))
    assert again.value.code == "policy.approval_used"
    assert stores.send_counter.count(PROFILE, "message_send") == 1
