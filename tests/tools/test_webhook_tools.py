"""The webhook tools through the MCP client: events, timelines, signature diagnosis, probes."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
import uvicorn
from mcp import Client

from skill.config import SANDBOX_ACCOUNT_SID, SANDBOX_AUTH_TOKEN, Settings
from skill.core.context import Services
from skill.core.signing import compute_signature
from skill.ports.clock import ManualClock
from skill.sandbox.app import Sandbox
from skill.sandbox.state import make_sid
from skill.server.app import build_server
from skill.webhooks.app import build_webhooks_app
from skill.wiring import build_services
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
    by_sid = await call(client, "webhook_events_list", {"resource_sid": one})
    failed = await call(client, "webhook_events_list", {"status": "failed", "kind": "sms_status"})
    assert [e["status"] for e in by_sid.data["items"]] == ["delivered", "sent"]  # newest first
    assert [e["resource_sid"] for e in failed.data["items"]] == [two]
    event = failed.data["items"][0]
    assert event["kind"] == "sms_status" and event["payload"]["MessageStatus"] == "failed"
    assert event["received_at"].endswith("+00:00")
    future = await call(client, "webhook_events_list", {"after": "2999-01-01T00:00:00Z"})
    assert future.data["count"] == 0 and future.data["has_more"] is False


async def test_webhook_events_list_pages_newest_first_and_new_events_do_not_shift_a_page(
    client: Client, services: Services
) -> None:
    sids = ["SM" + str(n) * 32 for n in range(1, 6)]
    await deliver(services, *(status_params(sid, "sent") for sid in sids))
    seen: list[str] = []
    args: dict[str, Any] = {"kind": "sms_status", "limit": 2}
    pages = []
    for _ in range(5):
        page = await call(client, "webhook_events_list", args)
        assert not page.is_error, page
        pages.append(page.data)
        seen += [e["resource_sid"] for e in page.data["items"]]
        if not page.data["has_more"]:
            break
        if len(pages) == 1:
            await deliver(services, status_params("SM" + "9" * 32, "sent"))  # arrives while reading
        args["cursor"] = page.data["next_cursor"]
    assert seen == list(reversed(sids))
    assert [len(p["items"]) for p in pages] == [2, 2, 1] and "next_cursor" not in pages[-1]


async def test_a_webhook_events_cursor_with_other_filters_is_refused(client: Client, services: Services) -> None:
    await deliver(services, *(status_params("SM" + str(n) * 32, "sent") for n in range(1, 4)))
    first = await call(client, "webhook_events_list", {"limit": 1})
    assert first.data["has_more"] is True
    for other in ({"kind": "sms_inbound"}, {"status": "sent"}, {"after": "2020-01-01T00:00:00Z"}):
        refused = await call(client, "webhook_events_list", {"limit": 1, "cursor": first.data["next_cursor"], **other})
        assert refused.error["code"] == "input.invalid_cursor", other
    forged = await call(client, "webhook_events_list", {"cursor": "eyJrZXkiOiJ4In0"})
    assert forged.error["code"] == "input.invalid_cursor"


async def test_webhook_events_list_keeps_to_the_received_window(
    client: Client, services: Services, wall_clock: ManualClock
) -> None:
    early, late = "SM" + "e" * 32, "SM" + "f" * 32
    await deliver(services, status_params(early, "sent"))
    wall_clock.advance(3600)
    await deliver(services, status_params(late, "sent"))
    middle = datetime.fromtimestamp(wall_clock.now() - 1800, UTC).isoformat()
    after = await call(client, "webhook_events_list", {"after": middle})
    before = await call(client, "webhook_events_list", {"before": middle})
    assert [e["resource_sid"] for e in after.data["items"]] == [late]
    assert [e["resource_sid"] for e in before.data["items"]] == [early]
    backwards = await call(client, "webhook_events_list", {"after": middle, "before": "2000-01-01T00:00:00Z"})
    assert backwards.error["code"] == "input.invalid_date_range"


async def test_webhook_events_list_refuses_over_long_filters(client: Client) -> None:
    for args in ({"resource_sid": "SM" + "a" * 70}, {"status": "x" * 65}, {"cursor": "c" * 513}):
        assert (await call(client, "webhook_events_list", args)).error["code"] == "input.invalid", args


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
    assert timeline.data["message"]["sid"] == sid and timeline.data["message"]["to"] == "+14155550199"
    callbacks = timeline.data["callbacks"]
    assert [c["status"] for c in callbacks] == ["sent", "undelivered"]
    assert all(c["resource_sid"] == sid for c in callbacks)
    assert callbacks[0].get("error") is None
    assert callbacks[1]["error"]["code"] == 30006 and callbacks[1]["error"]["remediation"]


async def test_message_timeline_of_an_unknown_message_is_not_found(client: Client) -> None:
    result = await call(client, "message_timeline", {"sid": "SM" + "0" * 32})
    assert result.error["code"] == "twilio.20404"


def sign(url: str, token: str = SANDBOX_AUTH_TOKEN) -> str:
    return compute_signature(token, url, {k: [v] for k, v in PARAMS.items()})


async def check(client: Client, url: str, signature: str, account: str = SANDBOX_ACCOUNT_SID) -> dict[str, Any]:
    args = {"url": url, "parameters": json.dumps(PARAMS), "signature": signature, "account_sid": account}
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


async def test_signature_check_reads_a_repeated_field_and_numbers_as_twilio_sent_them(client: Client) -> None:
    fields = {"MessageSid": "SM" + "1" * 32, "MediaUrl": ["https://a.example/1", "https://a.example/2"], "NumMedia": 2}
    signed = compute_signature(
        SANDBOX_AUTH_TOKEN, URL, {**{k: [str(v)] for k, v in fields.items()}, "MediaUrl": fields["MediaUrl"]}
    )
    args = {"url": URL, "parameters": json.dumps(fields), "signature": signed, "account_sid": SANDBOX_ACCOUNT_SID}
    result = await call(client, "webhook_signature_check", args)
    assert result.data["valid"] is True, result


@pytest.mark.parametrize(
    ("given", "code"),
    [
        ({"parameters": json.dumps(PARAMS), "body": "{}"}, "input.parameters_and_body"),
        ({"parameters": "[1, 2]"}, "input.invalid"),
        ({"parameters": "{not json"}, "input.invalid"),
        ({"parameters": json.dumps({"Nested": {"a": "b"}})}, "input.invalid_parameters"),
        ({"parameters": json.dumps({"Empty": None})}, "input.invalid_parameters"),
        ({"signature": "s" * 129}, "input.invalid"),
        ({"body": "b" * 100_001}, "input.invalid"),
    ],
)
async def test_signature_check_refuses_arguments_it_cannot_read(
    client: Client, given: dict[str, Any], code: str
) -> None:
    args = {"url": URL, "signature": sign(URL), "account_sid": SANDBOX_ACCOUNT_SID, **given}
    result = await call(client, "webhook_signature_check", args)
    assert result.error["code"] == code, result
    assert result.error["remediation"]


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
        ("webhook_signature_check", {"url": url, "signature": "abc", "account_sid": SANDBOX_ACCOUNT_SID}),
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


@pytest.fixture
async def gated_probe(
    settings: Settings, sandbox: Sandbox, wall_clock: ManualClock, tmp_path: Path
) -> AsyncIterator[tuple[Client, Services]]:
    """A client whose policy sends every probe to an operator first."""
    policy = tmp_path / "probe.toml"
    policy.write_text('[tools]\nwebhook_probe = "approve"\n')
    configured = settings.with_overrides(policy_path=policy)
    gated_services = build_services(configured, sandbox=sandbox, clock=wall_clock)
    async with Client(build_server(configured, gated_services)) as connected:
        yield connected, gated_services
    await gated_services.aclose()


async def test_a_gated_probe_of_a_url_no_number_uses_opens_no_approval(
    gated_probe: tuple[Client, Services], local_receiver: str
) -> None:
    client, gated_services = gated_probe
    refused = await call(client, "webhook_probe", {"url": local_receiver})
    assert refused.error["code"] == "policy.probe_url_not_configured"
    assert gated_services.stores.approvals.list() == []


async def test_a_gated_probe_shows_the_numbers_that_use_the_url_and_runs_once_approved(
    client: Client, gated_probe: tuple[Client, Services], services: Services, local_receiver: str
) -> None:
    number = make_sid("PN", "seed", "+15005550006")
    # Pointing a live number at a host outside [webhooks].allowed_hosts waits for an operator first.
    configure = {"sid": number, "sms_url": local_receiver}
    waiting_config = await call(client, "number_configure", configure)
    configure["approval_id"] = await approve(services, waiting_config)
    assert not (await call(client, "number_configure", configure)).is_error
    gated_client, gated_services = gated_probe
    waiting = await call(gated_client, "webhook_probe", {"url": local_receiver})
    assert waiting.error["code"] == "policy.approval_required"
    impact = waiting.error["approval"]["impact"]
    assert impact["resource"] == f"webhook {local_receiver}"
    assert impact["blast_radius"] == [{"label": "SMS URL", "value": "+15005550006"}]
    facts = {fact["label"]: fact["value"] for fact in impact["facts"]}
    assert facts["connects to"] == "127.0.0.1" and "incoming message" in facts["request"]
    assert impact["reversibility"] == "not reversible"
    assert services.stores.webhook_events.list(kind="sms_inbound") == []  # nothing sent while waiting
    approval_id = await approve(gated_services, waiting)
    probed = await call(gated_client, "webhook_probe", {"url": local_receiver, "approval_id": approval_id})
    assert not probed.is_error, probed
    assert probed.data["status"] == 200
