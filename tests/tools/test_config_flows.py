"""Studio flows as configuration: exported with their definitions, promoted from staging to prod by
friendly name (created where missing, updated where the definition or status differs), through the same
checks studio_flow_deploy makes."""

from __future__ import annotations

import json
from typing import Any

import pytest
from mcp import Client

from skill.core.context import Services
from tests.conftest import approve, call
from tests.tools.test_config_code import PROD_ROLES, STAGING_ROLES, export, plan
from tests.tools.test_studio import flow_definition, state

pytestmark = pytest.mark.anyio
GREETER = flow_definition(
    state("Trigger", "trigger", ("incomingRequest", "hello")),
    state("hello", "send-message", ("sent", ""), ("failed", "")),
)
ROUTER_STAGING = flow_definition(
    state("Trigger", "trigger", ("incomingMessage", "reply")),
    state("reply", "send-message", ("sent", ""), ("failed", "")),
)
ROUTER_PROD = flow_definition(state("Trigger", "trigger", ("incomingMessage", "")))


async def deploy(client: Client, account: str, name: str, definition: dict[str, Any], status: str) -> None:
    args = {"account": account, "friendly_name": name, "definition": json.dumps(definition), "status": status}
    deployed = await call(client, "studio_flow_deploy", args)
    assert not deployed.is_error, deployed


def flows_of(document: dict[str, Any]) -> list[tuple[Any, ...]]:
    return [(f["friendly_name"], f["status"], f["definition"]) for f in document["studio_flows"]]


async def test_export_holds_each_flows_definition_by_name(client: Client) -> None:
    await deploy(client, "staging", "Greeter", GREETER, "published")
    exported = await export(client, "staging", STAGING_ROLES)
    assert flows_of(exported) == [("Greeter", "published", GREETER)]
    assert exported["studio_flows"][0]["sid"].startswith("FW")


async def test_flows_promoted_to_prod_are_created_or_updated_and_then_match(client: Client, services: Services) -> None:
    await deploy(client, "staging", "Greeter", GREETER, "published")
    await deploy(client, "staging", "Router", ROUTER_STAGING, "draft")
    await deploy(client, "prod", "Router", ROUTER_PROD, "draft")
    staging = await export(client, "staging", STAGING_ROLES)
    planned = await plan(client, staging)
    flows = [c for c in planned["changes"] if c["kind"] == "studio_flow"]
    assert [(c["action"], c["name"], c["tool"], c["tier"]) for c in flows] == [
        ("create", "Greeter", "studio_flow_deploy", "WRITE"),
        ("update", "Router", "studio_flow_deploy", "WRITE"),
    ]
    assert [f["field"] for f in flows[0]["fields"]] == ["status", "definition"]
    assert flows[0]["fields"][0]["after"] == "published"
    changed = flows[1]["fields"]
    assert [f["field"] for f in changed] == ["definition"]
    assert changed[0]["before"].startswith("1 widget(s), sha256 ") and changed[0]["after"].startswith("2 widget(s)")

    gated = await call(client, "config_apply", planned["args"])
    facts = [f["label"] for f in gated.error["approval"]["impact"]["facts"]]
    assert "create studio_flow via studio_flow_deploy" in facts and "update studio_flow via studio_flow_deploy" in facts
    applied = await call(client, "config_apply", {**planned["args"], "approval_id": await approve(services, gated)})
    assert applied.data["complete"], applied

    prod = await export(client, "prod", PROD_ROLES)
    assert flows_of(prod) == flows_of(staging)
    assert not [c for c in (await plan(client, staging))["changes"] if c["kind"] == "studio_flow"]


async def test_a_flow_status_change_alone_is_planned_and_applied(client: Client, services: Services) -> None:
    await deploy(client, "prod", "Router", ROUTER_STAGING, "draft")
    document = await export(client, "prod", PROD_ROLES)
    document["studio_flows"][0]["status"] = "published"
    planned = await plan(client, document)
    flows = [c for c in planned["changes"] if c["kind"] == "studio_flow"]
    assert [(c["action"], c["fields"]) for c in flows] == [
        ("update", [{"field": "status", "before": "draft", "after": "published"}])
    ]
    gated = await call(client, "config_apply", planned["args"])
    applied = await call(client, "config_apply", {**planned["args"], "approval_id": await approve(services, gated)})
    assert applied.data["complete"], applied
    assert flows_of(await export(client, "prod", PROD_ROLES)) == [("Router", "published", ROUTER_STAGING)]


async def test_a_broken_flow_definition_is_refused_by_the_plan_and_nothing_is_deployed(client: Client) -> None:
    document = await export(client, "staging", STAGING_ROLES)
    broken = flow_definition(state("hello", "send-message", ("sent", "nowhere")), initial="Start")
    document["studio_flows"] = [{"friendly_name": "Broken", "status": "published", "definition": broken}]
    result = await call(
        client, "config_plan", {"account": "prod", "roles": PROD_ROLES, "document": json.dumps(document)}
    )
    assert result.error["code"] == "input.invalid_flow_definition"
    assert "studio_flows[0]" in result.error["message"]
    assert (await export(client, "prod", PROD_ROLES))["studio_flows"] == []


async def test_a_flow_named_twice_is_refused_since_names_are_what_flows_match_by(client: Client) -> None:
    document = await export(client, "staging", STAGING_ROLES)
    twice = {"friendly_name": "Greeter", "status": "draft", "definition": GREETER}
    document["studio_flows"] = [twice, {**twice, "definition": ROUTER_STAGING}]
    result = await call(
        client, "config_plan", {"account": "prod", "roles": PROD_ROLES, "document": json.dumps(document)}
    )
    assert result.error["code"] == "input.invalid"
    assert "studio_flows[1]: the flow 'Greeter' is given twice" in result.error["message"]


async def test_a_flow_definition_that_is_not_an_object_is_refused_as_input(client: Client) -> None:
    document = await export(client, "staging", STAGING_ROLES)
    document["studio_flows"] = [{"friendly_name": "Odd", "definition": "not a flow"}]
    result = await call(
        client, "config_plan", {"account": "prod", "roles": PROD_ROLES, "document": json.dumps(document)}
    )
    assert result.error["code"] == "input.invalid"
    assert "studio_flows[0]: definition must be a JSON object" in result.error["message"]
