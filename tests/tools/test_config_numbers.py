"""Numbers under configuration as code: by default a plan only reconfigures the numbers that fill the
roles and names the roles left unfilled; with `numbers_manage` it buys a number for an unfilled role
(from the role's search criteria, its monthly fee in the approval) and releases a number whose role
the document dropped, all under the plan's one approval."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from mcp import Client

from skill.config import ALL_TOOLSETS, Settings
from skill.core.context import Services
from skill.ports.clock import ManualClock
from skill.sandbox.app import Sandbox
from skill.server.app import build_server
from skill.wiring import build_services
from tests.conftest import approve, call
from tests.tools.test_config_code import HOOKS, export

pytestmark = pytest.mark.anyio
ROLES = ["alerts=+18005550201", "support=+18005550202"]


async def desired(client: Client, *, manage: bool) -> dict[str, Any]:
    """Prod as it is, less the support role, plus a marketing role to fill from San Francisco (415)."""
    document = await export(client, "prod", ROLES)
    document["numbers_manage"] = manage
    document["numbers"] = [n for n in document["numbers"] if n["role"] == "alerts"]
    document["numbers"].append(
        {"role": "marketing", "type": "local", "area_code": 415, "sms_url": f"{HOOKS}/prod/marketing"}
    )
    document["messaging_services"][0]["senders"].append("marketing")
    return document


async def plan(client: Client, document: dict[str, Any]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    args = {"account": "prod", "roles": ROLES, "document": json.dumps(document)}
    planned = await call(client, "config_plan", args)
    assert not planned.is_error, planned
    return planned.data["changes"], {**args, "plan_digest": planned.data["plan_digest"]}


def brief(change: dict[str, Any]) -> tuple[Any, ...]:
    return change["action"], change["kind"], change["name"], change["tool"], change["tier"]


async def test_by_default_a_plan_neither_buys_nor_releases_and_names_the_unfilled_role(client: Client) -> None:
    changes, _ = await plan(client, await desired(client, manage=False))
    assert [brief(c) for c in changes] == [
        ("skip", "number", "marketing", None, "DESTRUCTIVE"),
        ("skip", "sender", "Notifications/marketing", None, "WRITE"),
    ]
    assert changes[0]["reason"] == "no number has this role here; numbers_manage buys one"


async def test_with_manage_a_plan_buys_for_the_unfilled_role_and_releases_the_dropped_one(
    client: Client, services: Services
) -> None:
    changes, args = await plan(client, await desired(client, manage=True))
    assert [brief(c) for c in changes] == [
        ("create", "number", "marketing", "number_buy", "DESTRUCTIVE"),
        ("delete", "number", "support", "number_release", "DESTRUCTIVE"),
        ("create", "sender", "Notifications/marketing", "messaging_service_sender_add", "WRITE"),
    ]
    assert changes[0]["criteria"] == {"country": "US", "type": "local", "area_code": 415}
    assert changes[1]["phone_number"] == "+18005550202"

    gated = await call(client, "config_apply", args)
    impact = gated.error["approval"]["impact"]
    assert impact["reversibility"] == "not reversible"
    assert impact["cost"]["currency"] == "USD" and float(impact["cost"]["amount"]) > 0
    assert impact["cost"]["basis"] == "per month for 1 number(s)"
    assert [f["label"] for f in impact["facts"]][:2] == [
        "create number via number_buy",
        "delete number via number_release",
    ]
    assert "monthly fee about" in impact["facts"][0]["value"]

    applied = await call(client, "config_apply", {**args, "approval_id": await approve(services, gated)})
    assert applied.data["complete"], applied
    bought = applied.data["done"][0]
    assert bought["phone_number"].startswith("+1415") and bought["sid"].startswith("PN")

    after = await export(client, "prod", ["alerts=+18005550201", f"marketing={bought['phone_number']}"])
    assert sorted(n["phone_number"] for n in after["numbers"]) == sorted(["+18005550201", bought["phone_number"]])
    marketing = next(n for n in after["numbers"] if n["role"] == "marketing")
    assert marketing["sms_url"] == f"{HOOKS}/prod/marketing"
    assert sorted(after["messaging_services"][0]["senders"]) == ["alerts", "marketing"]


async def test_an_approval_of_the_default_plan_does_not_let_the_managed_plan_buy(
    client: Client, services: Services
) -> None:
    default = await desired(client, manage=False)
    default["numbers"][0]["voice_url"] = f"{HOOKS}/prod/other"
    _, args = await plan(client, default)
    approval_id = await approve(services, await call(client, "config_apply", args))
    managed = {**default, "numbers_manage": True}
    _, managed_args = await plan(client, managed)
    refused = await call(client, "config_apply", {**managed_args, "approval_id": approval_id})
    assert refused.error["code"] == "policy.approval_mismatch"
    assert len((await export(client, "prod", ROLES))["numbers"]) == 2


async def test_a_step_whose_tool_the_policy_denies_refuses_the_whole_plan_before_anything_runs(
    tmp_path: Path, sandbox: Sandbox, wall_clock: ManualClock
) -> None:
    policy = tmp_path / "policy.toml"
    policy.write_text('[tools]\nnumber_release = "deny"\n')
    settings = Settings(home=tmp_path / "home", policy_path=policy, toolsets=ALL_TOOLSETS)
    services = build_services(settings, sandbox=sandbox, clock=wall_clock)
    try:
        async with Client(build_server(settings, services)) as client:
            _, args = await plan(client, await desired(client, manage=True))
            refused = await call(client, "config_apply", args)
            assert refused.error["code"] == "policy.denied"
            assert "delete number 'support' via number_release" in refused.error["message"]
            assert services.stores.approvals.list(tool="config_apply") == []  # no operator is asked
            assert len((await export(client, "prod", ROLES))["numbers"]) == 2
    finally:
        await services.aclose()


async def test_search_criteria_that_number_search_would_refuse_are_refused_by_the_plan(client: Client) -> None:
    document = await desired(client, manage=True)
    document["numbers"][-1].update(area_code="4x5", country="usa", type="landline")
    result = await call(client, "config_plan", {"account": "prod", "roles": ROLES, "document": json.dumps(document)})
    assert result.error["code"] == "input.invalid"
    for problem in ("country must be an ISO code", "type must be local, mobile or toll_free", "area_code must be"):
        assert problem in result.error["message"]


async def test_numbers_manage_must_be_a_boolean(client: Client) -> None:
    document = await desired(client, manage=True)
    document["numbers_manage"] = "yes"
    result = await call(client, "config_plan", {"account": "prod", "roles": ROLES, "document": json.dumps(document)})
    assert result.error["code"] == "input.invalid"
    assert "numbers_manage must be true or false" in result.error["message"]
