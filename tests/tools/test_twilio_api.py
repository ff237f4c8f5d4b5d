"""twilio_api_find and twilio_api_call through the MCP client, against the sandbox's simulation of
every operation: round trips across products, checks, gates, redirects, refusals and redaction."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from mcp import Client

from skill.config import Settings
from skill.core.context import Services
from skill.sandbox.app import Sandbox
from skill.server.app import build_server
from skill.wiring import build_services
from tests.conftest import approve, call
from tests.contract import contract

pytestmark = pytest.mark.anyio

# Writes and deletes through twilio_api_call run without an operator here, so the round trips read plainly.
OPEN_POLICY = """
[api]
allow = ["*"]
[webhooks]
allowed_hosts = ["hooks.example.com"]
[[rules]]
tool = "twilio_api_call"
when = { operation = "*.Delete*" }
action = "allow"
"""


@pytest.fixture
async def open_client(settings: Settings, sandbox: Sandbox, tmp_path: Path) -> AsyncIterator[tuple[Client, Services]]:
    path = tmp_path / "open.toml"
    path.write_text(OPEN_POLICY)
    open_settings = settings.with_overrides(policy_path=path, home=tmp_path / "open-home")
    services = build_services(open_settings, sandbox=sandbox)
    async with Client(build_server(open_settings, services)) as connected:
        yield connected, services
    await services.aclose()


def api(operation: str, path: dict[str, Any] | None = None, **parameters: Any) -> dict[str, Any]:
    """twilio_api_call's arguments: path placeholders and other parameters travel together."""
    args: dict[str, Any] = {"operation": operation}
    if path or parameters:
        args["parameters"] = json.dumps({**(path or {}), **parameters})
    return args


# product: (create, fetch, list, update, delete operations; path of the collection; create and update parameters)
ROUND_TRIPS: dict[str, tuple[str, str, str, str, str, dict[str, Any], dict[str, Any], dict[str, Any]]] = {
    "taskrouter": (
        "taskrouter_v1.CreateWorkspace", "taskrouter_v1.FetchWorkspace", "taskrouter_v1.ListWorkspace",
        "taskrouter_v1.UpdateWorkspace", "taskrouter_v1.DeleteWorkspace", {},
        {"FriendlyName": "Support"}, {"FriendlyName": "Support desk"},
    ),
    "sync": (
        "sync_v1.CreateService", "sync_v1.FetchService", "sync_v1.ListService",
        "sync_v1.UpdateService", "sync_v1.DeleteService", {},
        {"FriendlyName": "state"}, {"FriendlyName": "shared state"},
    ),
    "conversations": (
        "conversations_v1.CreateConversation", "conversations_v1.FetchConversation",
        "conversations_v1.ListConversation", "conversations_v1.UpdateConversation",
        "conversations_v1.DeleteConversation", {}, {"FriendlyName": "Order 42"}, {"FriendlyName": "Order 42 (late)"},
    ),
    "chat": (
        "chat_v2.CreateService", "chat_v2.FetchService", "chat_v2.ListService",
        "chat_v2.UpdateService", "chat_v2.DeleteService", {}, {"FriendlyName": "chat"}, {"FriendlyName": "team chat"},
    ),
    "serverless": (
        "serverless_v1.CreateService", "serverless_v1.FetchService", "serverless_v1.ListService",
        "serverless_v1.UpdateService", "serverless_v1.DeleteService", {},
        {"UniqueName": "hooks", "FriendlyName": "hooks"}, {"FriendlyName": "webhook handlers"},
    ),
    "proxy": (
        "proxy_v1.CreateService", "proxy_v1.FetchService", "proxy_v1.ListService",
        "proxy_v1.UpdateService", "proxy_v1.DeleteService", {}, {"UniqueName": "masked"}, {"UniqueName": "masked-2"},
    ),
    "trunking": (
        "trunking_v1.CreateTrunk", "trunking_v1.FetchTrunk", "trunking_v1.ListTrunk",
        "trunking_v1.UpdateTrunk", "trunking_v1.DeleteTrunk", {}, {"FriendlyName": "pbx"}, {"FriendlyName": "main pbx"},
    ),
    "events": (
        "events_v1.CreateSink", "events_v1.FetchSink", "events_v1.ListSink",
        "events_v1.UpdateSink", "events_v1.DeleteSink", {},
        {"Description": "audit", "SinkType": "webhook",
         "SinkConfiguration": {"destination": "https://hooks.example.com/e", "method": "POST", "batch_events": False}},
        {"Description": "audit trail"},
    ),
    "api": (
        "api_v2010.CreateQueue", "api_v2010.FetchQueue", "api_v2010.ListQueue",
        "api_v2010.UpdateQueue", "api_v2010.DeleteQueue", {}, {"FriendlyName": "callers"}, {"MaxSize": 20},
    ),
    "notify": (
        "notify_v1.CreateService", "notify_v1.FetchService", "notify_v1.ListService",
        "notify_v1.UpdateService", "notify_v1.DeleteService", {}, {"FriendlyName": "alerts"},
        {"FriendlyName": "pager"},
    ),
}  # fmt: skip


@pytest.mark.parametrize("product", sorted(ROUND_TRIPS))
async def test_a_resource_is_created_fetched_listed_updated_and_deleted_across_products(
    product: str, open_client: tuple[Client, Services], sandbox: Sandbox
) -> None:
    client, _ = open_client
    create, fetch, listing, update, delete, path, made, changed = ROUND_TRIPS[product]
    with contract(sandbox, errors="twilio") as recorded:
        created = await call(client, "twilio_api_call", api(create, path, **made))
        assert not created.is_error, created
        sid = created.data["sid"]
        assert created.data["operation"] == create and created.data["environment"] == "sandbox"
        fetched = await call(client, "twilio_api_call", {**api(fetch, {**path, "Sid": sid}), "fields": ["*"]})
        assert fetched.data["sid"] == sid and "date_created" in fetched.data
        for name, value in made.items():
            key = "".join("_" + c.lower() if c.isupper() else c for c in name).lstrip("_")
            if isinstance(value, str) and key in fetched.data:
                assert fetched.data[key] == value
        listed = await call(client, "twilio_api_call", api(listing, path))
        assert [item["sid"] for item in listed.data["items"]] == [sid] and listed.data["has_more"] is False
        updated = await call(
            client, "twilio_api_call", {**api(update, {**path, "Sid": sid}, **changed), "fields": ["*"]}
        )
        assert not updated.is_error, updated
        for name, value in changed.items():
            key = "".join("_" + c.lower() if c.isupper() else c for c in name).lstrip("_")
            assert updated.data[key] == value
        deleted = await call(client, "twilio_api_call", api(delete, {**path, "Sid": sid}))
        assert deleted.data["deleted"] is True
        gone = await call(client, "twilio_api_call", api(fetch, {**path, "Sid": sid}))
        assert gone.error["code"] == "twilio.20404" and gone.error["http_status"] == 404
    assert set(recorded.statuses) >= {200, 204, 404}


async def test_nested_resources_live_under_their_parent_and_lists_page_with_a_cursor(
    open_client: tuple[Client, Services], sandbox: Sandbox
) -> None:
    client, _ = open_client
    with contract(sandbox, errors="twilio"):
        workspace = (await call(client, "twilio_api_call", api("taskrouter_v1.CreateWorkspace", FriendlyName="W"))).data
        where = {"WorkspaceSid": workspace["sid"]}
        names = [f"agent {n}" for n in range(5)]
        for name in names:
            made = await call(client, "twilio_api_call", api("taskrouter_v1.CreateWorker", where, FriendlyName=name))
            assert made.data["sid"].startswith("WK"), made
        seen: list[str] = []
        args: dict[str, Any] = {**api("taskrouter_v1.ListWorker", where), "limit": 2}
        for _ in range(5):
            page = await call(client, "twilio_api_call", args)
            seen += [item["friendly_name"] for item in page.data["items"]]
            if not page.data["has_more"]:
                break
            args = {**args, "cursor": page.data["next_cursor"]}
        assert seen == names
        only = await call(client, "twilio_api_call", api("taskrouter_v1.ListWorker", where, FriendlyName="agent 3"))
        assert [item["friendly_name"] for item in only.data["items"]] == ["agent 3"]
    other = await call(
        client,
        "twilio_api_call",
        {**api("taskrouter_v1.ListWorker", where, FriendlyName="x"), "cursor": args["cursor"]},
    )
    assert other.error["code"] == "input.invalid_cursor"


async def test_a_singleton_is_simulated_and_a_curated_json_body_operation_is_redirected(
    open_client: tuple[Client, Services], sandbox: Sandbox
) -> None:
    client, _ = open_client
    with contract(sandbox, errors="twilio"):
        settings = await call(
            client, "twilio_api_call", {**api("conversations_v1.FetchConfiguration"), "fields": ["*"]}
        )
        assert not settings.is_error, settings
        content = await call(
            client,
            "twilio_api_call",
            api(
                "content_v1.CreateContent", friendly_name="promo", language="en", types={"twilio/text": {"body": "Hi"}}
            ),
        )
        # Content templates have their own tool now, whose checks (variables and samples) must apply.
        assert "content_template_create" in json.dumps(content.error), content


async def test_find_returns_ids_required_parameters_and_pages(client: Client) -> None:
    found = await call(client, "twilio_api_find", {"query": "create an Event Streams sink", "limit": 3})
    first = found.data["items"][0]
    assert first["id"] == "events_v1.CreateSink" and first["method"] == "POST"
    assert set(first["required"]) == {"Description", "SinkConfiguration", "SinkType"}
    assert found.data["count"] == 3 and found.data["has_more"] is True
    more = await call(
        client,
        "twilio_api_find",
        {"query": "create an Event Streams sink", "limit": 3, "cursor": found.data["next_cursor"]},
    )
    assert not {item["id"] for item in more.data["items"]} & {item["id"] for item in found.data["items"]}
    mixed = await call(client, "twilio_api_find", {"query": "list workers", "cursor": found.data["next_cursor"]})
    assert mixed.error["code"] == "input.invalid_cursor"
    sends = await call(client, "twilio_api_find", {"query": "send an SMS message", "product": "api"})
    send = next(item for item in sends.data["items"] if item["id"] == "api_v2010.CreateMessage")
    assert send["use_instead"] == "message_send"
    keys = await call(client, "twilio_api_find", {"query": "create API key secret", "product": "api"})
    assert (
        next(item for item in keys.data["items"] if item["id"] == "api_v2010.CreateNewKey")["use_instead"] == "denied"
    )
    sync = await call(client, "twilio_api_find", {"query": "documents", "product": "sync"})
    assert sync.data["items"] and all(item["id"].startswith("sync_v1.") for item in sync.data["items"])


async def test_a_get_runs_at_once_a_post_waits_for_approval_and_runs_once_approved(
    client: Client, services: Services
) -> None:
    read = await call(client, "twilio_api_call", api("sync_v1.ListService"))
    assert not read.is_error and read.data["items"] == []
    write = api("sync_v1.CreateService", FriendlyName="state")
    waiting = await call(client, "twilio_api_call", write)
    assert waiting.error["code"] == "policy.approval_required"
    assert "POST sync_v1.CreateService" in waiting.error["approval"]["summary"]
    assert (await call(client, "twilio_api_call", api("sync_v1.ListService"))).data["items"] == []
    approval_id = await approve(services, waiting)
    done = await call(client, "twilio_api_call", {**write, "approval_id": approval_id})
    assert done.data["sid"].startswith("IS")
    again = await call(client, "twilio_api_call", {**write, "approval_id": approval_id})
    assert again.is_error  # an approval is used once


async def test_a_delete_is_destructive_and_waits_for_approval_even_when_writes_are_allowed(
    settings: Settings, sandbox: Sandbox, tmp_path: Path
) -> None:
    path = tmp_path / "writes.toml"
    path.write_text('[api]\nallow = ["sync_v1.*"]\n')
    gated = settings.with_overrides(policy_path=path, home=tmp_path / "writes-home")
    services = build_services(gated, sandbox=sandbox)
    async with Client(build_server(gated, services)) as client:
        made = await call(client, "twilio_api_call", api("sync_v1.CreateService", FriendlyName="s"))
        assert made.data["sid"].startswith("IS"), made  # allowed by [api].allow
        other = await call(client, "twilio_api_call", api("chat_v2.CreateService", FriendlyName="c"))
        assert other.error["code"] == "policy.approval_required"  # another product still waits
        gone = await call(client, "twilio_api_call", api("sync_v1.DeleteService", {"Sid": made.data["sid"]}))
        assert gone.error["code"] == "policy.approval_required"
        assert "default for DESTRUCTIVE tools" in gone.error["message"]
    await services.aclose()


async def test_read_only_mode_lists_find_but_refuses_nothing_it_does_not_list(
    settings: Settings, sandbox: Sandbox, tmp_path: Path
) -> None:
    read_only = settings.with_overrides(read_only=True, home=tmp_path / "ro-home")
    services = build_services(read_only, sandbox=sandbox)
    async with Client(build_server(read_only, services)) as client:
        names = {tool.name for tool in (await client.list_tools()).tools}
        assert "twilio_api_find" in names and "twilio_api_call" not in names
    await services.aclose()


async def test_curated_operations_are_refused_with_the_tool_to_use(client: Client, sandbox: Sandbox) -> None:
    sent = await call(client, "twilio_api_call", api("api_v2010.CreateMessage", To="+14155550100", Body="hi"))
    assert sent.error["code"] == "input.use_curated_tool"
    assert "message_send" in sent.error["message"] and sent.error["remediation"][0].startswith("Call message_send")
    bare = await call(client, "twilio_api_call", api("CreateCall", To="+14155550100"))
    assert "call_create" in bare.error["message"]
    assert not sandbox.state.messages or all(m["body"] != "hi" for m in sandbox.state.messages.values())


async def test_always_denied_operations_are_refused_whatever_the_policy_allows(
    open_client: tuple[Client, Services], sandbox: Sandbox
) -> None:
    client, services = open_client
    keys_before = dict(sandbox.state.keys)
    for args in (
        api("api_v2010.CreateNewKey", FriendlyName="k"),
        api("iam_v1.CreateNewKey", AccountSid=services.twilio.account_sid, FriendlyName="k"),
        api("accounts_v1.UpdateAuthTokenPromotion"),
        api("accounts_v1.CreateSecondaryAuthToken"),
        api("accounts_v1.DeleteSecondaryAuthToken"),
    ):
        refused = await call(client, "twilio_api_call", args)
        assert refused.error["code"] == "policy.denied", refused
        assert "never run" in refused.error["message"]
    assert sandbox.state.keys == keys_before


async def test_invalid_calls_are_refused_with_the_fix_before_any_request_or_approval(
    client: Client, services: Services, sandbox: Sandbox
) -> None:
    sandbox.record_responses = True
    cases = {
        "taskrouter_v1.ListWorkers": "taskrouter_v1.ListWorker",
        "missing": "missing FriendlyName (string)",
        "unknown": "'Colour' is not a parameter",
        "enum": "must be one of kinesis, webhook, segment, email",
        "type": "MultiTaskEnabled must be true or false",
    }
    results = {
        "taskrouter_v1.ListWorkers": await call(client, "twilio_api_call", api("taskrouter_v1.ListWorkers")),
        "missing": await call(client, "twilio_api_call", api("taskrouter_v1.CreateWorkspace")),
        "unknown": await call(client, "twilio_api_call", api("sync_v1.CreateService", Colour="red")),
        "enum": await call(
            client,
            "twilio_api_call",
            api("events_v1.CreateSink", Description="d", SinkType="ftp", SinkConfiguration={}),
        ),
        "type": await call(
            client, "twilio_api_call", api("taskrouter_v1.CreateWorkspace", FriendlyName="w", MultiTaskEnabled="maybe")
        ),
    }
    for name, result in results.items():
        assert result.error["code"] == "input.invalid", result
        assert cases[name] in result.error["message"], result
        assert result.error["approval"] is None
    not_json = await call(client, "twilio_api_call", {"operation": "sync_v1.CreateService", "parameters": "[1, 2]"})
    assert not_json.error["code"] == "input.invalid"
    assert sandbox.served == []  # nothing reached Twilio
    assert services.stores.approvals.list() == []  # and no operator was asked


async def test_sensitive_pii_is_redacted_and_only_default_fields_show_unless_asked(
    open_client: tuple[Client, Services],
) -> None:
    client, _ = open_client
    workspace = (await call(client, "twilio_api_call", api("taskrouter_v1.CreateWorkspace", FriendlyName="W"))).data
    where = {"WorkspaceSid": workspace["sid"]}
    worker = await call(
        client,
        "twilio_api_call",
        api("taskrouter_v1.CreateWorker", where, FriendlyName="Ana", Attributes='{"ssn":"078-05-1120"}'),
    )
    assert set(worker.data) >= {"sid", "friendly_name", "omitted"}  # nulls are left out of results
    assert "attributes" in worker.data["omitted"] and "attributes" not in worker.data
    everything = await call(
        client,
        "twilio_api_call",
        {**api("taskrouter_v1.FetchWorker", {**where, "Sid": worker.data["sid"]}), "fields": ["*"]},
    )
    assert everything.data["attributes"] == "[redacted]"
    assert "078-05-1120" not in json.dumps(everything.data)


async def test_each_call_is_audited_with_the_tier_of_its_method(open_client: tuple[Client, Services]) -> None:
    client, services = open_client
    made = await call(client, "twilio_api_call", api("sync_v1.CreateService", FriendlyName="s"))
    await call(client, "twilio_api_call", api("sync_v1.ListService"))
    await call(client, "twilio_api_call", api("sync_v1.DeleteService", {"Sid": made.data["sid"]}))
    entries = services.stores.audit.tail(10, tool="twilio_api_call")
    tiers = {e.detail["args"]["operation"]: e.detail["tier"] for e in entries}
    assert tiers == {
        "sync_v1.CreateService": "WRITE",
        "sync_v1.ListService": "READ",
        "sync_v1.DeleteService": "DESTRUCTIVE",
    }
    assert [e.outcome for e in entries] == ["ok"] * 3


async def test_an_allowed_write_pointing_twilio_at_an_unknown_host_still_waits_for_approval(
    settings: Settings, sandbox: Sandbox, tmp_path: Path
) -> None:
    path = tmp_path / "hooks.toml"
    path.write_text('[api]\nallow = ["taskrouter_v1.*"]\n[webhooks]\nallowed_hosts = ["hooks.example.com"]\n')
    gated = settings.with_overrides(policy_path=path, home=tmp_path / "hooks-home")
    services = build_services(gated, sandbox=sandbox)
    async with Client(build_server(gated, services)) as client:
        known = api("taskrouter_v1.CreateWorkspace", FriendlyName="a", EventCallbackUrl="https://hooks.example.com/e")
        assert not (await call(client, "twilio_api_call", known)).is_error
        foreign = api("taskrouter_v1.CreateWorkspace", FriendlyName="b", EventCallbackUrl="https://evil.example.net/e")
        waiting = await call(client, "twilio_api_call", foreign)
        assert waiting.error["code"] == "policy.approval_required"
        assert "evil.example.net" in waiting.error["message"]
    await services.aclose()


async def test_a_waiting_change_shows_the_resource_now_and_a_change_to_nothing_opens_no_request(
    client: Client, services: Services
) -> None:
    made = await services.twilio.operations.request(
        "POST", "https://sync.twilio.com/v1/Services", what="setup", form={"FriendlyName": "before"}
    )
    sid = made[1]["sid"]
    waiting = await call(client, "twilio_api_call", api("sync_v1.DeleteService", {"Sid": sid}))
    impact = waiting.error["approval"]["impact"]
    facts = {fact["label"]: fact["value"] for fact in impact["facts"]}
    assert "sync_v1.DeleteService" in impact["resource"] and impact["reversibility"] == "not reversible"
    assert sid in facts["now"] and "before" in facts["now"]
    missing = await call(
        client, "twilio_api_call", api("sync_v1.UpdateService", {"Sid": "IS" + "9" * 32}, FriendlyName="x")
    )
    assert missing.error["code"] == "twilio.20404"
    assert [a.tool for a in services.stores.approvals.list()] == ["twilio_api_call"]  # only the delete's request


async def test_a_url_nested_in_an_object_or_json_parameter_is_held_like_a_top_level_one(
    settings: Settings, sandbox: Sandbox, tmp_path: Path
) -> None:
    path = tmp_path / "nested.toml"
    path.write_text(
        '[api]\nallow = ["events_v1.*", "trunking_v1.*"]\n[webhooks]\nallowed_hosts = ["hooks.example.com"]\n'
    )
    gated = settings.with_overrides(policy_path=path, home=tmp_path / "nested-home")
    services = build_services(gated, sandbox=sandbox)
    sink = {"Description": "audit", "SinkType": "webhook"}
    sandbox.record_responses = True

    def config(url: str) -> dict[str, Any]:
        return {"destination": url, "method": "POST", "batch_events": False}

    async with Client(build_server(gated, services)) as client:
        known = await call(
            client,
            "twilio_api_call",
            api("events_v1.CreateSink", **sink, SinkConfiguration=config("https://hooks.example.com/e")),
        )
        assert not known.is_error, known
        attacks = {
            "object": api("events_v1.CreateSink", **sink, SinkConfiguration=config("https://evil.example.net/e")),
            "json string": api(
                "events_v1.CreateSink", **sink, SinkConfiguration=json.dumps(config("https://evil.example.net/e"))
            ),
            "capital scheme": api(
                "events_v1.CreateSink", **sink, SinkConfiguration=config("HTTPS://evil.example.net/e")
            ),
            "sip": api("trunking_v1.CreateTrunk", FriendlyName="pbx", DisasterRecoveryUrl="sip:evil.example.net"),
        }
        for name, args in attacks.items():
            held = await call(client, "twilio_api_call", args)
            assert held.error["code"] == "policy.approval_required", (name, held)
            assert "[webhooks].allowed_hosts" in held.error["message"], name
    sinks = [r for r in sandbox.served if r["path"].startswith("/v1/Sinks") and r["method"] == "POST"]
    assert len(sinks) == 1  # only the sink on the allowed host was made
    await services.aclose()


async def test_a_put_and_a_patch_wait_for_approval_by_default_and_run_once_approved(
    client: Client, services: Services
) -> None:
    made = await services.twilio.operations.request(
        "POST", "https://assistants.twilio.com/v1/Assistants", what="setup", json_body={"name": "helper"}
    )
    put = api("assistants_v1.UpdateAssistant", {"id": made[1]["id"]}, name="front desk")
    patch = api("accounts_v1.UpdateMessagingGeopermissions", Permissions=['{"country_code": "GB", "enabled": true}'])
    for args, method in ((put, "PUT"), (patch, "PATCH")):
        waiting = await call(client, "twilio_api_call", args)
        assert waiting.error["code"] == "policy.approval_required", (method, waiting)
        assert f"{method} {args['operation']}" in waiting.error["approval"]["summary"]
        done = await call(client, "twilio_api_call", {**args, "approval_id": await approve(services, waiting)})
        assert not done.is_error, (method, done)
    fetched = await call(client, "twilio_api_call", api("assistants_v1.FetchAssistant", {"id": made[1]["id"]}))
    assert fetched.data["name"] == "front desk"


@pytest.mark.parametrize("depth", [65, 5000])
async def test_parameters_nested_too_deeply_are_refused_as_input_not_as_a_fault(
    client: Client, sandbox: Sandbox, depth: int
) -> None:
    sandbox.record_responses = True
    deep = '{"Data":' + '{"a":' * depth + "1" + "}" * depth + "}"
    refused = await call(client, "twilio_api_call", {"operation": "sync_v1.CreateDocument", "parameters": deep})
    assert refused.error["code"] == "input.invalid" and "64 levels" in refused.error["message"], refused
    shallow = '{"ServiceSid": "IS' + "0" * 32 + '", "Data":' + '{"a":' * 60 + "1" + "}" * 60 + "}"
    fits = await call(client, "twilio_api_call", {"operation": "sync_v1.CreateDocument", "parameters": shallow})
    assert fits.error["code"] == "policy.approval_required"  # checked and waiting, not refused
    assert sandbox.served == []
