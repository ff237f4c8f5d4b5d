from __future__ import annotations

import pytest
from mcp import Client

from skill.core.context import Services
from tests.conftest import approve, call

pytestmark = pytest.mark.anyio


async def test_account_get_reports_type_balance_and_sandbox(client: Client) -> None:
    result = await call(client, "account_get")
    assert not result.is_error
    assert result.data["type"] == "Full"
    assert result.data["balance"] == "42.17"
    assert result.data["currency"] == "USD"
    assert result.data["environment"] == "sandbox"
    assert "auth_token" not in result.data


async def test_subaccounts_list_leaves_out_the_parent_and_filters_by_name(client: Client) -> None:
    every = await call(client, "subaccounts_list")
    assert {a["friendly_name"] for a in every.data["subaccounts"]} == {"prod", "staging", "dev"}
    only = await call(client, "subaccounts_list", {"friendly_name": "staging"})
    assert [a["friendly_name"] for a in only.data["subaccounts"]] == ["staging"]


async def test_subaccount_create_then_list_finds_it(client: Client) -> None:
    created = await call(client, "subaccount_create", {"friendly_name": "qa"})
    assert not created.is_error
    assert created.data["account"]["status"] == "active"
    names = {a["friendly_name"] for a in (await call(client, "subaccounts_list")).data["subaccounts"]}
    assert "qa" in names


async def test_subaccount_set_status_waits_for_approval_then_suspends(client: Client, services: Services) -> None:
    sid = (await call(client, "subaccounts_list", {"friendly_name": "staging"})).data["subaccounts"][0]["sid"]
    gated = await call(client, "subaccount_set_status", {"sid": sid, "status": "suspended"})
    assert gated.error["code"] == "policy.approval_required"
    still = await call(client, "subaccounts_list", {"friendly_name": "staging"})
    assert still.data["subaccounts"][0]["status"] == "active"
    approval_id = await approve(services, gated)
    done = await call(client, "subaccount_set_status", {"sid": sid, "status": "suspended", "approval_id": approval_id})
    assert not done.is_error, done
    assert done.data["account"]["status"] == "suspended"


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
