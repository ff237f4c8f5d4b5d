"""Configuration as code across environments: export staging, plan it against prod, apply the plan with
an operator's approval, and find prod configured like staging; a plan made stale is refused."""

from __future__ import annotations

import json
from typing import Any

import pytest
from mcp import Client

from skill.core.config_code import SERVICE_FIELDS, VERIFY_FIELDS
from skill.core.context import Services
from skill.sandbox.seed_fleet import subaccount_sid
from tests.conftest import approve, call

pytestmark = pytest.mark.anyio
STAGING_ROLES = ["alerts=+18005550301"]
PROD_ROLES = ["alerts=+18005550201"]
HOOKS = "https://hooks.example.com"


async def export(client: Client, account: str, roles: list[str]) -> dict[str, Any]:
    result = await call(client, "config_export", {"account": account, "roles": roles})
    assert not result.is_error, result
    return dict(result.data["document"])


async def plan(client: Client, document: dict[str, Any]) -> dict[str, Any]:
    args = {"account": "prod", "roles": PROD_ROLES, "document": json.dumps(document)}
    result = await call(client, "config_plan", args)
    assert not result.is_error, result
    return {**result.data, "args": {**args, "plan_digest": result.data["plan_digest"]}}


def summary(change: dict[str, Any]) -> tuple[Any, ...]:
    fields = tuple((f["field"], f["before"], f["after"]) for f in change.get("fields", []))
    return change["action"], change["kind"], change["name"], change["tool"], fields


async def test_export_is_stable_names_roles_and_holds_no_secrets(client: Client) -> None:
    first = await export(client, "staging", STAGING_ROLES)
    assert first == await export(client, "staging", STAGING_ROLES)
    assert first["account_sid"] == subaccount_sid("staging")
    assert [(n["role"], n["phone_number"]) for n in first["numbers"]] == [("alerts", "+18005550301")]
    assert [s["friendly_name"] for s in first["messaging_services"]] == ["Campaigns", "Notifications"]
    assert first["messaging_services"][1]["senders"] == ["alerts"]
    text = json.dumps(first)
    assert "secret" not in text and "auth_token" not in text and "sub-token" not in text


async def test_roles_naming_a_number_of_another_account_are_refused(client: Client) -> None:
    result = await call(client, "config_export", {"account": "prod", "roles": STAGING_ROLES})
    assert result.error["code"] == "input.unknown_number"


async def test_staging_promoted_to_prod_plans_exactly_applies_with_approval_and_matches(
    client: Client, services: Services
) -> None:
    staging = await export(client, "staging", STAGING_ROLES)
    planned = await plan(client, staging)
    assert [summary(change) for change in planned["changes"]] == [
        (
            "update", "number", "alerts", "number_configure",
            (("sms_url", f"{HOOKS}/prod/sms", f"{HOOKS}/staging/sms"),
             ("voice_url", f"{HOOKS}/prod/voice", f"{HOOKS}/staging/voice")),
        ),
        (
            "create", "messaging_service", "Campaigns", "messaging_service_create",
            (("inbound_request_url", None, None), ("fallback_url", None, None), ("status_callback", None, None),
             ("sticky_sender", None, False), ("area_code_geomatch", None, True), ("smart_encoding", None, True),
             ("validity_period", None, 36000), ("fallback_to_long_code", None, True)),
        ),
        (
            "update", "messaging_service", "Notifications", "messaging_service_update",
            (("status_callback", f"{HOOKS}/prod/status", f"{HOOKS}/staging/status"), ("validity_period", 14400, 3600)),
        ),
        ("update", "verify_service", "Login", "config_apply", (("code_length", 6, 8),)),
        (
            "create", "usage_trigger", "Spend alarm", "usage_trigger_create",
            (("usage_category", None, "totalprice"), ("trigger_by", None, "price"), ("trigger_value", None, "100"),
             ("recurring", None, "monthly"), ("callback_url", None, f"{HOOKS}/usage")),
        ),
        ("delete", "usage_trigger", "Old SMS alarm", "usage_trigger_delete", ()),
    ]  # fmt: skip
    assert all(c["tier"] == "WRITE" for c in planned["changes"])

    gated = await call(client, "config_apply", planned["args"])
    assert gated.error["code"] == "policy.approval_required"
    impact = gated.error["approval"]["impact"]
    assert impact["resource"] == f"6 configuration change(s) on account {subaccount_sid('prod')}"
    assert [fact["label"] for fact in impact["facts"]][0] == "update number via number_configure"
    applied = await call(client, "config_apply", {**planned["args"], "approval_id": await approve(services, gated)})
    assert not applied.is_error, applied
    assert applied.data["complete"] and len(applied.data["done"]) == 6 and applied.data["not_done"] == []

    prod = await export(client, "prod", PROD_ROLES)
    promoted = ("sms_url", "sms_method", "voice_url", "voice_method", "status_callback")
    assert [{f: n[f] for f in promoted} for n in prod["numbers"] if n["role"]] == [
        {f: n[f] for f in promoted} for n in staging["numbers"]
    ]
    services_of = {
        doc_name: {s["friendly_name"]: {f: s[f] for f in SERVICE_FIELDS} for s in doc["messaging_services"]}
        for doc_name, doc in (("prod", prod), ("staging", staging))
    }
    assert services_of["prod"] == services_of["staging"]
    strip = ("sid",)
    assert [{k: v for k, v in t.items() if k not in strip} for t in prod["usage_triggers"]] == [
        {k: v for k, v in t.items() if k not in strip} for t in staging["usage_triggers"]
    ]
    verify_fields = ("friendly_name", *VERIFY_FIELDS)
    assert [{f: s[f] for f in verify_fields} for s in prod["verify_services"]] == [
        {f: s[f] for f in verify_fields} for s in staging["verify_services"]
    ]
    assert (await plan(client, staging))["changes"] == []


async def test_a_change_to_prod_between_plan_and_apply_makes_apply_refuse(client: Client, services: Services) -> None:
    staging = await export(client, "staging", STAGING_ROLES)
    planned = await plan(client, staging)
    gated = await call(client, "config_apply", planned["args"])
    approval_id = await approve(services, gated)
    prod_alerts = (await export(client, "prod", PROD_ROLES))["numbers"][0]["sid"]
    change = {"sid": prod_alerts, "voice_url": f"{HOOKS}/x", "account": "prod"}
    gated_change = await call(client, "number_configure", change)  # repointing a live number waits too
    approved = {**change, "approval_id": await approve(services, gated_change)}
    assert not (await call(client, "number_configure", approved)).is_error
    refused = await call(client, "config_apply", {**planned["args"], "approval_id": approval_id})
    assert refused.error["code"] == "policy.plan_stale"
    untouched = await export(client, "prod", PROD_ROLES)
    assert untouched["numbers"][0]["voice_url"] == f"{HOOKS}/x"
    assert [s["friendly_name"] for s in untouched["messaging_services"]] == ["Notifications"]
    # a new request for the stale plan is not even opened
    again = await call(client, "config_apply", planned["args"])
    assert again.error["code"] == "policy.plan_stale"


async def test_an_approved_plan_for_prod_does_not_apply_to_staging(client: Client, services: Services) -> None:
    planned = await plan(client, await export(client, "staging", STAGING_ROLES))
    approval_id = await approve(services, await call(client, "config_apply", planned["args"]))
    elsewhere = {**planned["args"], "account": "staging", "roles": STAGING_ROLES, "approval_id": approval_id}
    refused = await call(client, "config_apply", elsewhere)
    assert refused.error["code"] == "policy.approval_mismatch"


async def test_a_document_whose_values_are_not_plain_is_refused_before_anything_is_read(client: Client) -> None:
    document = await export(client, "staging", STAGING_ROLES)
    document["numbers"][0]["sms_url"] = {"nested": "object"}
    document["messaging_services"][0]["senders"] = "alerts"
    result = await call(
        client, "config_plan", {"account": "prod", "roles": PROD_ROLES, "document": json.dumps(document)}
    )
    assert result.error["code"] == "input.invalid"
    assert "numbers[0]: sms_url must be a string" in result.error["message"]
    assert "messaging_services[0]: senders" in result.error["message"]
