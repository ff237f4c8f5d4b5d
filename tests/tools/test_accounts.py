from __future__ import annotations

from datetime import UTC, datetime

import pytest
from mcp import Client

from skill.config import SANDBOX_ACCOUNT_SID
from skill.core.context import Services
from skill.sandbox.app import Sandbox
from skill.sandbox.seed_accounts import add_account
from skill.sandbox.state import make_sid
from tests.conftest import approve, call
from tests.tools.pages import read_all

pytestmark = pytest.mark.anyio
STAGING = make_sid("AC", "sub", "staging")
PRODUCTION = make_sid("AC", "sub", "prod")
DEV = make_sid("AC", "sub", "dev")


def iso(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).isoformat()


def add_subaccounts(sandbox: Sandbox, count: int) -> list[str]:
    """Subaccounts made today (the seeded two are over a year old)."""
    sids = [make_sid("AC", "test", index) for index in range(count)]
    for index, sid in enumerate(sids):
        add_account(
            sandbox.state, sid, f"team-{index}", SANDBOX_ACCOUNT_SID, f"token-{index}", created=sandbox.clock.now()
        )
    return sids


async def test_account_get_reports_kind_balance_and_sandbox(client: Client) -> None:
    result = await call(client, "account_get")
    assert not result.is_error
    assert result.data["sid"] == SANDBOX_ACCOUNT_SID
    assert result.data["kind"] == "Full" and "type" not in result.data
    assert (result.data["balance"], result.data["currency"]) == ("42.17", "USD")
    assert result.data["is_subaccount"] is False
    assert result.data["environment"] == "sandbox"
    assert "auth_token" not in result.data


async def test_account_get_of_a_subaccount_says_it_is_one(client: Client) -> None:
    result = await call(client, "account_get", {"sid": STAGING})
    assert (result.data["friendly_name"], result.data["is_subaccount"]) == ("staging", True)
    assert result.data["owner_account_sid"] == SANDBOX_ACCOUNT_SID


async def test_subaccounts_list_leaves_out_the_parent_and_filters_by_name(client: Client) -> None:
    every = await call(client, "subaccounts_list")
    assert {a["friendly_name"] for a in every.data["items"]} == {"prod", "staging", "dev"}
    assert every.data["scanned"] == 4  # the parent was looked at and left out
    assert every.data["has_more"] is False
    only = await call(client, "subaccounts_list", {"friendly_name": "staging"})
    assert [a["sid"] for a in only.data["items"]] == [STAGING]


async def test_subaccounts_list_pages_through_every_subaccount_exactly_once(client: Client, sandbox: Sandbox) -> None:
    made = add_subaccounts(sandbox, 5)
    items, cursors = await read_all(client, "subaccounts_list", {"limit": 2})
    sids = [a["sid"] for a in items]
    assert sorted(sids) == sorted([STAGING, PRODUCTION, DEV, *made])
    assert len(cursors) == 3
    for other in ({"status": "active"}, {"friendly_name": "staging"}, {"after": iso(0)}):
        refused = await call(client, "subaccounts_list", {"limit": 2, "cursor": cursors[0], **other})
        assert refused.error["code"] == "input.invalid_cursor", other


async def test_subaccounts_list_filters_by_creation_time_and_says_what_it_scanned(
    client: Client, sandbox: Sandbox
) -> None:
    made = add_subaccounts(sandbox, 3)
    yesterday = iso(sandbox.clock.now() - 86400)
    recent = await call(client, "subaccounts_list", {"after": yesterday})
    assert sorted(a["sid"] for a in recent.data["items"]) == sorted(made)
    assert recent.data["scanned"] == 7 and recent.data["has_more"] is False
    older = await call(client, "subaccounts_list", {"before": yesterday})
    assert sorted(a["sid"] for a in older.data["items"]) == sorted([STAGING, PRODUCTION, DEV])
    first = await call(client, "subaccounts_list", {"after": yesterday, "limit": 1})
    assert first.data["count"] == 1 and first.data["has_more"] is True


async def test_subaccount_create_answers_the_account_flat_and_the_list_finds_it(client: Client) -> None:
    created = await call(client, "subaccount_create", {"friendly_name": "qa"})
    assert not created.is_error
    assert created.data["sid"].startswith("AC") and created.data["status"] == "active"
    assert created.data["owner_account_sid"] == SANDBOX_ACCOUNT_SID
    names = {a["friendly_name"] for a in (await call(client, "subaccounts_list")).data["items"]}
    assert "qa" in names


async def test_over_long_names_are_refused_before_any_request(client: Client, sandbox: Sandbox) -> None:
    sandbox.record_responses = True
    for tool in ("subaccount_create", "subaccounts_list"):
        refused = await call(client, tool, {"friendly_name": "x" * 65})
        assert refused.error["code"] == "input.invalid", tool
    assert sandbox.served == []


async def test_subaccount_set_status_waits_for_approval_then_suspends(client: Client, services: Services) -> None:
    gated = await call(client, "subaccount_set_status", {"sid": STAGING, "status": "suspended"})
    assert gated.error["code"] == "policy.approval_required"
    still = await call(client, "subaccounts_list", {"friendly_name": "staging"})
    assert still.data["items"][0]["status"] == "active"
    approval_id = await approve(services, gated)
    done = await call(
        client, "subaccount_set_status", {"sid": STAGING, "status": "suspended", "approval_id": approval_id}
    )
    assert not done.is_error, done
    assert (done.data["sid"], done.data["status"]) == (STAGING, "suspended")


async def test_subaccount_set_status_refuses_the_parent_account_before_asking_for_approval(
    client: Client, services: Services
) -> None:
    parent = services.twilio.account_sid
    for sid in (parent, "AC" + parent[2:].upper()):
        refused = await call(client, "subaccount_set_status", {"sid": sid, "status": "closed"})
        assert refused.error["code"] == "input.not_a_subaccount"
        assert refused.error["approval"] is None
    assert services.stores.approvals.list() == []


async def test_bad_arguments_get_a_structured_input_error(client: Client) -> None:
    result = await call(client, "subaccount_set_status", {"sid": "not-a-sid", "status": "gone"})
    assert result.error["code"] == "input.invalid"
    assert "sid" in result.error["message"] and "status" in result.error["message"]


async def test_an_unknown_subaccount_is_not_found_and_no_approval_is_opened(client: Client, services: Services) -> None:
    result = await call(client, "subaccount_set_status", {"sid": "AC" + "0" * 32, "status": "closed"})
    assert result.error["code"] == "twilio.20404"
    assert result.error["approval"] is None
    assert services.stores.approvals.list() == []


async def test_closing_a_subaccount_shows_its_name_status_numbers_and_keys_as_not_reversible(
    client: Client, services: Services, sandbox: Sandbox
) -> None:
    state = sandbox.state
    for index in range(2):
        state.numbers[f"PN{index:032d}"] = {
            **state.numbers[make_sid("PN", "seed", "+14155550142")],
            "sid": f"PN{index:032d}",
            "account_sid": STAGING,
            "phone_number": f"+1415555030{index}",
        }
    state.keys["SK" + "5" * 32] = {
        **state.keys[make_sid("SK", "seed", "deploy")],
        "sid": "SK" + "5" * 32,
        "account_sid": STAGING,
    }
    gated = await call(client, "subaccount_set_status", {"sid": STAGING, "status": "closed"})
    impact = gated.error["approval"]["impact"]
    assert impact["resource"] == f'Subaccount "staging" ({STAGING})'
    facts = {fact["label"]: fact["value"] for fact in impact["facts"]}
    assert (facts["status now"], facts["status after"]) == ("active", "closed")
    reach = {fact["label"]: fact["value"] for fact in impact["blast_radius"]}
    assert reach["phone numbers in it"] == "3 (released when closed)"  # its seeded number and the two added
    assert reach["API keys in it"] == "2 (stop working)"  # its own and the one added
    assert impact["reversibility"] == "not reversible"
    suspend = await call(client, "subaccount_set_status", {"sid": PRODUCTION, "status": "suspended"})
    assert suspend.error["approval"]["impact"]["reversibility"] == "reversible"
    assert {f["label"]: f["value"] for f in suspend.error["approval"]["impact"]["blast_radius"]} == {
        "phone numbers in it": "2",  # prod's seeded numbers and key
        "API keys in it": "1 (stop working)",
    }


@pytest.mark.parametrize(
    ("now", "asked", "code"),
    [("closed", "suspended", "input.subaccount_closed"), ("suspended", "suspended", "input.nothing_to_change")],
)
async def test_a_status_change_that_cannot_or_need_not_happen_opens_no_approval(
    client: Client, services: Services, sandbox: Sandbox, now: str, asked: str, code: str
) -> None:
    sandbox.state.accounts[STAGING]["status"] = now
    refused = await call(client, "subaccount_set_status", {"sid": STAGING, "status": asked})
    assert refused.error["code"] == code
    assert services.stores.approvals.list() == []
