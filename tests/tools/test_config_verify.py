"""Verify service settings as configuration: a plan shows the field-level change, config_apply makes it
through the Verify core with its local checks, and the account then exports as desired."""

from __future__ import annotations

import json
from typing import Any

import pytest
from mcp import Client

from skill.core.config_code import VERIFY_FIELDS
from skill.core.context import Services
from tests.conftest import approve, call
from tests.tools.test_config_code import PROD_ROLES, export, plan

pytestmark = pytest.mark.anyio


def verify_settings(document: dict[str, Any]) -> list[dict[str, Any]]:
    return [{f: s[f] for f in ("friendly_name", *VERIFY_FIELDS)} for s in document["verify_services"]]


async def apply_with_approval(client: Client, services: Services, args: dict[str, Any]) -> dict[str, Any]:
    gated = await call(client, "config_apply", args)
    assert gated.error["code"] == "policy.approval_required", gated
    applied = await call(client, "config_apply", {**args, "approval_id": await approve(services, gated)})
    assert not applied.is_error, applied
    return dict(applied.data)


async def test_plan_and_apply_change_a_verify_service_and_export_then_matches(
    client: Client, services: Services
) -> None:
    desired = await export(client, "prod", PROD_ROLES)
    desired["verify_services"][0].update(code_length=7, lookup_enabled=True)
    planned = await plan(client, desired)
    assert [(c["action"], c["kind"], c["name"], c["tool"], c["tier"], c["fields"]) for c in planned["changes"]] == [
        (
            "update", "verify_service", "Login", "config_apply", "WRITE",
            [{"field": "code_length", "before": 6, "after": 7},
             {"field": "lookup_enabled", "before": False, "after": True}],
        )
    ]  # fmt: skip
    applied = await apply_with_approval(client, services, planned["args"])
    assert applied["complete"] and [c["name"] for c in applied["done"]] == ["Login"]
    after = await export(client, "prod", PROD_ROLES)
    assert (
        verify_settings(after)
        == verify_settings(desired)
        == [{"friendly_name": "Login", "code_length": 7, "lookup_enabled": True}]
    )
    assert (await plan(client, desired))["changes"] == []


async def test_a_verify_setting_the_core_refuses_stops_the_apply_with_nothing_changed(
    client: Client, services: Services
) -> None:
    desired = await export(client, "prod", PROD_ROLES)
    desired["verify_services"][0]["code_length"] = 12
    planned = await plan(client, desired)
    applied = await apply_with_approval(client, services, planned["args"])
    assert not applied["complete"]
    assert applied["failed"]["name"] == "Login" and applied["failed"]["error"].startswith("input.invalid:")
    assert verify_settings(await export(client, "prod", PROD_ROLES))[0]["code_length"] == 6


async def test_a_verify_document_value_of_the_wrong_type_is_refused_before_twilio_is_asked(
    client: Client, services: Services
) -> None:
    desired = await export(client, "prod", PROD_ROLES)
    desired["verify_services"][0]["lookup_enabled"] = "yes"
    args = {"account": "prod", "roles": PROD_ROLES, "document": json.dumps(desired)}
    planned = await call(client, "config_plan", args)
    applied = await apply_with_approval(client, services, {**args, "plan_digest": planned.data["plan_digest"]})
    assert applied["failed"]["error"].startswith("input.invalid: lookup_enabled 'yes' must be true or false")
    assert verify_settings(await export(client, "prod", PROD_ROLES))[0]["lookup_enabled"] is False
