"""The webhook tools through the MCP client: events, timelines, signature diagnosis, probes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import anyio
import httpx
import pytest
import uvicorn
from mcp import Client

from skill.config import SANDBOX_ACCOUNT_SID, SANDBOX_AUTH_TOKEN
from skill.core.context import Services
from skill.core.signing import compute_signature
from skill.sandbox.state import make_sid
from skill.webhooks.app import build_webhooks_app
from tests.conftest import approve, call
from tests.e2e.support import free_port
from tests.webhooks.support import BASE, RECEIVER_HOST, STAGING_SUB, post_signed, status_params

pytestmark = pytest.mark.anyio
URL = "https://hooks.example.com/twilio/sms/status"
PARAMS = {"AccountSid": SANDBOX_ACCOUNT_SID, "MessageSid": "SM" + "1" * 32, "MessageStatus": "delivered"}


def receiver_for(services: Services) -> Any:
    tokens = services.webhook_tokens
    return build_webhooks_app(
        services.settings, services.stores, tokens=tokens, run_worker=False, allowed_hosts=[RECEIVER_HOST]
    )


async def deliver(services: Services, *param_sets: dict[str, str]) -> None:
    app = receiver_for(services)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as web:
        for params in param_sets:
            assert (await post_signed(web, "/twilio/sms/status", params)).status_code == 204


async def test_webhook_events_list_filters_what_the_receiver_stored(client: Client, services: Services) -> None:
    one, two = "SM" + "a" * 32, "SM" + "b" * 32
    await deliver(services, status_params(one, "sent"), status_params(one, "delivered"), status_params(two, "failed"))
    by_sid = await call(client, "webhook_events_list", {"sid": one})
    failed = await call(client, "webhook_events_list", {"status": "failed", "kind": "sms_status"})
    assert [e["status"] for e in by_sid.data["events"]] == ["delivered", "sent"]  # newest first
    assert [e["sid"] for e in failed.data["events"]] == [two]
    future = await call(client, "webhook_events_list", {"since": "2999-01-01T00:00:00Z"})
    assert future.data["count"] == 0


async def test_message_timeline_puts_the_message_beside_its_callbacks_with_errors_explained(
    client: Client, services: Services
) -> None:
    sent = await call(client, "message_send", {"to": "+14155550199", "from": "+15005550006", "body": "Hi"})
    sid = sent.data["sid"]
    await deliver(
        services,
        status_params(sid, "sent"),
        status_params(sid, "undelivered", ErrorCode="30006", ErrorMessage="Landline or unreachable carrier"),
    )
    timeline = await call(client, "message_timeline", {"sid": sid})
    assert timeline.data["message"]["sid"] == sid
    callbacks = timeline.data["callbacks"]
    assert [c["status"] for c in callbacks] == ["sent", "undelivered"]
    assert callbacks[0].get("error") is None
    assert callbacks[1]["error"]["code"] == 30006 and callbacks[1]["error"]["remediation"]


def sign(url: str, token: str = SANDBOX_AUTH_TOKEN) -> str:
    return compute_signature(token, url, {k: [v] for k, v in PARAMS.items()})


async def check(client: Client, url: str, signature: str, account: str = SANDBOX_ACCOUNT_SID) -> dict[str, Any]:
    args = {"url": url, "params": PARAMS, "signature": signature, "account_sid": account}
    result = await call(client, "webhook_signature_check", args)
    assert not result.is_error, result
    return result.data


async def test_signature_check_says_valid_for_the_exact_request(client: Client) -> None:
    assert (await check(client, URL, sign(URL)))["valid"] is True


@pytest.mark.parametrize(
    ("received_as", "signed_for", "expected"),
    [
        ("http://hooks.example.com/twilio/sms/status", URL, "scheme https instead of http"),
        ("http://hooks.example.com:8080/twilio/sms/status", URL, "scheme https instead of http"),
        ("https://hooks.example.com/api/twilio/sms/status", URL, "path prefix /api removed"),
    ],
)
async def test_signature_check_names_the_url_variant_that_would_have_matched(
    client: Client, received_as: str, signed_for: str, expected: str
) -> None:
    result = await check(client, received_as, sign(signed_for))
    assert result["valid"] is False
    assert expected in result["matched"]
    assert result["matching_url"].replace(":8080", "") == signed_for


async def test_signature_check_names_the_other_account_without_revealing_its_token(client: Client) -> None:
    staging = make_sid("AC", "sub", "staging")
    result = await check(client, URL, sign(URL, STAGING_SUB))
    assert result["valid"] is False and staging in result["matched"]
    assert STAGING_SUB not in str(result) and SANDBOX_AUTH_TOKEN not in str(result)


async def test_signature_check_with_no_explanation_says_so(client: Client) -> None:
    result = await check(client, URL, "bm90IGEgc2lnbmF0dXJl")
    assert result["valid"] is False and result.get("matched") is None and result["variants_tried"] > 3


@pytest.fixture
async def local_receiver(services: Services) -> AsyncIterator[str]:
    """The receiver served by uvicorn on a loopback port in this event loop; yields its inbound URL."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(receiver_for(services), host="127.0.0.1", port=port, log_level="error"))
    async with anyio.create_task_group() as group:
        group.start_soon(server.serve)
        with anyio.fail_after(10):
            while not server.started:
                await anyio.sleep(0.02)
        yield f"http://127.0.0.1:{port}/twilio/sms/inbound"
        server.should_exit = True


async def test_probe_refuses_a_url_no_number_is_configured_with(client: Client, local_receiver: str) -> None:
    result = await call(client, "webhook_probe", {"url": local_receiver})
    assert result.error["code"] == "policy.probe_url_not_configured"


@pytest.mark.parametrize("url", ["http://10.1.2.3/hook", "http://169.254.169.254/latest", "http://[fd00::1]/x"])
async def test_probe_refuses_private_and_link_local_addresses(client: Client, url: str) -> None:
    result = await call(client, "webhook_probe", {"url": url})
    assert result.error["code"] == "policy.probe_address_refused"


async def test_probe_calls_a_configured_receiver_signed_and_lints_its_twiml(
    client: Client, services: Services, local_receiver: str
) -> None:
    args = {"sid": make_sid("PN", "seed", "+15005550006"), "sms_url": local_receiver}
    waiting = await call(client, "number_configure", args)  # a host outside [webhooks] allowed_hosts
    configured = await call(client, "number_configure", {**args, "approval_id": await approve(services, waiting)})
    assert not configured.is_error, configured
    result = await call(client, "webhook_probe", {"url": local_receiver, "kind": "sms"})
    assert not result.is_error, result
    assert result.data["reachable"] is True and result.data["status"] == 200
    assert result.data["content_type"].startswith("text/xml")
    assert result.data.get("problem") is None
    assert not [f for f in result.data["findings"] if f["severity"] == "error"]
    (event,) = services.stores.webhook_events.list(kind="sms_inbound")
    assert event.payload["Body"] == "twilio-skill webhook probe"  # the receiver accepted the signature


@pytest.mark.parametrize("url", ["http://100.64.0.1/hook", "http://100.100.100.100/hook", "http://198.18.0.1/x"])
async def test_probe_refuses_shared_and_other_non_global_addresses(client: Client, url: str) -> None:
    result = await call(client, "webhook_probe", {"url": url})
    assert result.error["code"] == "policy.probe_address_refused"


@pytest.mark.parametrize("url", ["https://[bad/hook", "https://example.com:99999/hook"])
async def test_a_url_that_cannot_be_parsed_is_an_input_error_in_every_url_taking_tool(client: Client, url: str) -> None:
    calls: list[tuple[str, dict[str, Any]]] = [
        ("webhook_probe", {"url": url}),
        ("webhook_signature_check", {"url": url, "params": {}, "signature": "abc", "account_sid": SANDBOX_ACCOUNT_SID}),
        ("number_configure", {"sid": make_sid("PN", "seed", "+15005550006"), "voice_url": url}),
        ("messaging_service_create", {"friendly_name": "x", "status_callback": url}),
        (
            "usage_trigger_create",
            {"usage_category": "sms", "trigger_value": "100", "callback_url": url},
        ),
    ]
    for tool, args in calls:
        result = await call(client, tool, args)
        assert result.error["code"] == "input.invalid_url", (tool, result)
