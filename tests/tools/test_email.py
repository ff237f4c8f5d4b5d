from __future__ import annotations

import json
import re
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from mcp import Client

from skill.config import ALL_TOOLSETS, SANDBOX_SENDGRID_KEY, Settings
from skill.core.context import Services
from skill.sandbox.app import Sandbox
from skill.sandbox.sendgrid import sendgrid_state
from skill.sandbox.sendgrid_state import RESTRICTED_KEY
from skill.server.app import build_server
from skill.wiring import build_services
from tests.conftest import approve, call

pytestmark = pytest.mark.anyio
SENDER = "team@example.com"


@pytest.fixture(autouse=True)
async def close_sendgrid(services: Services) -> AsyncIterator[None]:
    yield
    await services.sendgrid.aclose()


async def client_with(settings: Settings, sandbox: Sandbox) -> tuple[Services, Client]:
    services = build_services(settings, sandbox=sandbox)
    return services, Client(build_server(settings, services))


def mail(**extra: Any) -> dict[str, Any]:
    return {"to": ["ana@example.com"], "from": SENDER, "subject": "Hello", "text": "Hi Ana", **extra}


async def test_email_send_is_accepted_with_a_message_id_and_reaches_sendgrid(client: Client, sandbox: Sandbox) -> None:
    result = await call(client, "email_send", mail(cc=["bo@example.com"], html="<p>Hi</p>", categories=["welcome"]))
    assert not result.is_error, result
    assert result.data["accepted"] is True
    assert result.data["status_code"] == 202
    assert result.data["recipients"] == 2
    assert result.data["environment"] == "sandbox"
    sent = sendgrid_state(sandbox).sent[-1]
    assert sent["message_id"] == result.data["message_id"]
    payload = sent["payload"]
    assert payload["personalizations"][0]["cc"] == [{"email": "bo@example.com"}]
    assert [block["type"] for block in payload["content"]] == ["text/plain", "text/html"]
    assert payload["categories"] == ["welcome"]


async def test_email_send_with_a_dynamic_template_passes_its_data(client: Client, sandbox: Sandbox) -> None:
    templates = await call(client, "email_templates_list")
    welcome = next(t for t in templates.data["templates"] if t["name"] == "Welcome")
    args = {"to": ["ana@example.com"], "from": SENDER, "template_id": welcome["id"],
            "dynamic_template_data": {"first_name": "Ana"}, "send_at": int(sandbox.clock.now()) + 3600}  # fmt: skip
    result = await call(client, "email_send", args)
    assert not result.is_error, result
    assert result.data["send_at"]
    payload = sendgrid_state(sandbox).sent[-1]["payload"]
    assert payload["template_id"] == welcome["id"]
    assert payload["personalizations"][0]["dynamic_template_data"] == {"first_name": "Ana"}
    assert "content" not in payload


async def test_email_send_refuses_an_invalid_address_before_any_request(client: Client, sandbox: Sandbox) -> None:
    result = await call(client, "email_send", mail(to=["ana at example.com"]))
    assert result.error["code"] == "input.invalid_email"
    assert "to[0]" in result.error["message"]
    assert sendgrid_state(sandbox).sent == []


async def test_email_send_needs_a_subject_and_content_or_a_template(client: Client) -> None:
    result = await call(client, "email_send", {"to": ["ana@example.com"], "from": SENDER, "subject": "No body"})
    assert result.error["code"] == "input.content_required"
    assert any("template_id" in step for step in result.error["remediation"])


async def test_email_send_refuses_an_address_on_the_local_suppression_list(
    client: Client, services: Services, sandbox: Sandbox
) -> None:
    services.stores.suppressions.add("ana@example.com", source="operator", scope="email")
    result = await call(client, "email_send", mail(to=["Ana@Example.com"]))
    assert result.error["code"] == "policy.email_suppressed"
    assert "local suppression list" in result.error["message"]
    assert sendgrid_state(sandbox).sent == []


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("bounced@example.com", "bounces"),
        ("blocked@example.net", "blocks"),
        ("complained@example.com", "spam_reports"),
        ("typo@exampel.com", "invalid_emails"),
        ("unsubscribed@example.com", "global_unsubscribes"),
    ],
)
async def test_email_send_refuses_a_recipient_on_a_sendgrid_suppression_list_and_names_it(
    client: Client, sandbox: Sandbox, address: str, kind: str
) -> None:
    result = await call(client, "email_send", mail(bcc=[address]))
    assert result.error["code"] == "policy.email_suppressed"
    assert f"SendGrid's {kind} list" in result.error["message"]
    assert address in result.error["message"]
    assert sendgrid_state(sandbox).sent == []


async def test_sendgrid_error_list_is_carried_into_the_message(client: Client, sandbox: Sandbox) -> None:
    too_late = int(sandbox.clock.now()) + 5 * 86400
    result = await call(client, "email_send", mail(to=["ana@example.com", "ana@example.com"], send_at=too_late))
    error = result.error
    assert error["code"] == "sendgrid.400"
    assert error["http_status"] == 400
    assert "personalizations.0.to: Each email address" in error["message"]
    assert "send_at: An email cannot be scheduled more than 72 hours in advance" in error["message"]
    assert error["retryable"] is False


async def test_a_wrong_key_gets_401_naming_the_scope_to_check(settings: Settings, sandbox: Sandbox) -> None:
    services, client = await client_with(settings.with_overrides(sendgrid_api_key="SG.sandbox-revoked"), sandbox)
    async with client:
        result = await call(client, "email_send", mail())
    await services.sendgrid.aclose()
    error = result.error
    assert error["code"] == "sendgrid.401"
    assert "authorization grant is invalid" in error["message"]
    assert any("mail.send" in step and "Mail Send" in step for step in error["remediation"])


async def test_a_key_without_mail_send_gets_403_naming_the_scope(settings: Settings, sandbox: Sandbox) -> None:
    services, client = await client_with(settings.with_overrides(sendgrid_api_key=RESTRICTED_KEY), sandbox)
    async with client:
        reads = await call(client, "email_templates_list")
        result = await call(client, "email_send", mail())
    await services.sendgrid.aclose()
    assert not reads.is_error
    error = result.error
    assert error["code"] == "sendgrid.403"
    assert "mail.send" in error["message"]
    assert any("Mail Send" in step for step in error["remediation"])
    assert sendgrid_state(sandbox).sent == []


async def test_an_oversized_email_gets_413_with_the_30_mb_limit(client: Client, sandbox: Sandbox) -> None:
    sendgrid_state(sandbox).max_payload_bytes = 2000
    result = await call(client, "email_send", mail(html="<p>" + "x" * 5000 + "</p>"))
    error = result.error
    assert error["code"] == "sendgrid.413"
    assert "30 MB" in error["message"]
    assert error["retryable"] is False


async def test_rate_limited_calls_say_how_long_to_wait(client: Client, sandbox: Sandbox) -> None:
    state = sendgrid_state(sandbox)
    state.throttle(count=1, reset_in=int(time.time() - sandbox.clock.now()) + 90)
    result = await call(client, "email_templates_list")
    error = result.error
    assert error["code"] == "sendgrid.429"
    assert error["retryable"] is True
    assert "X-RateLimit-Reset" in error["message"]
    assert re.search(r"wait (89|90) seconds", error["message"]), error["message"]
    assert not (await call(client, "email_templates_list")).is_error


async def test_templates_list_and_get_show_versions_subjects_and_the_active_one(client: Client) -> None:
    listed = await call(client, "email_templates_list", {"generations": "dynamic"})
    assert {t["name"] for t in listed.data["templates"]} == {"Welcome", "Password reset"}
    welcome = next(t for t in listed.data["templates"] if t["name"] == "Welcome")
    got = await call(client, "email_template_get", {"id": welcome["id"]})
    assert not got.is_error, got
    assert got.data["generation"] == "dynamic"
    versions = {v["name"]: v for v in got.data["versions"]}
    assert versions["Welcome v2"]["active"] is True and versions["Welcome v1"]["active"] is False
    assert versions["Welcome v2"]["subject"] == "Welcome aboard, {{first_name}}"
    legacy = await call(client, "email_templates_list", {"generations": "legacy"})
    assert [t["generation"] for t in legacy.data["templates"]] == ["legacy"]


async def test_template_get_for_an_unknown_id_is_a_sendgrid_404(client: Client) -> None:
    result = await call(client, "email_template_get", {"id": "d-" + "0" * 32})
    assert result.error["code"] == "sendgrid.404"


async def test_suppressions_list_reads_each_kind_and_filters_by_address(client: Client) -> None:
    bounces = await call(client, "email_suppressions_list", {"kind": "bounces"})
    assert {s["email"] for s in bounces.data["suppressions"]} == {"bounced@example.com", "old-address@example.org"}
    assert bounces.data["suppressions"][0]["status"] == "5.1.1"
    only = await call(client, "email_suppressions_list", {"kind": "bounces", "email": "old"})
    assert [s["email"] for s in only.data["suppressions"]] == ["old-address@example.org"]
    spam = await call(client, "email_suppressions_list", {"kind": "spam_reports"})
    assert spam.data["suppressions"][0]["ip"] == "192.0.2.10"
    unsubscribed = await call(client, "email_suppressions_list", {"kind": "global_unsubscribes", "limit": 1})
    assert unsubscribed.data["count"] == 1


async def test_removing_a_bounce_runs_at_once_and_the_address_can_be_emailed_again(client: Client) -> None:
    removed = await call(client, "email_suppression_remove", {"kind": "bounces", "email": "bounced@example.com"})
    assert not removed.is_error, removed
    assert removed.data["was_listed"] is True
    sent = await call(client, "email_send", mail(to=["bounced@example.com"]))
    assert not sent.is_error, sent


async def test_removing_a_spam_report_waits_for_an_operator(client: Client, services: Services) -> None:
    args = {"kind": "spam_reports", "email": "complained@example.com"}
    gated = await call(client, "email_suppression_remove", args)
    assert gated.error["code"] == "policy.approval_required"
    assert "complained or unsubscribed" in gated.error["approval"]["summary"]
    still = await call(client, "email_suppressions_list", {"kind": "spam_reports"})
    assert still.data["count"] == 1
    approval_id = await approve(services, gated)
    done = await call(client, "email_suppression_remove", {**args, "approval_id": approval_id})
    assert not done.is_error, done
    assert (await call(client, "email_suppressions_list", {"kind": "spam_reports"})).data["count"] == 0


async def test_removing_a_global_unsubscribe_also_waits_for_an_operator(client: Client) -> None:
    gated = await call(client, "email_suppression_remove", {"kind": "global_unsubscribes", "email": "left@example.org"})
    assert gated.error["code"] == "policy.approval_required"


async def test_live_mode_without_a_sendgrid_key_says_how_to_configure_it(home: Path, sandbox: Sandbox) -> None:
    live = Settings(home=home, toolsets=ALL_TOOLSETS, account_sid="AC" + "1" * 32, auth_token="t" * 32)
    services, client = await client_with(live, sandbox)
    async with client:
        result = await call(client, "email_templates_list")
    await services.aclose()
    assert result.error["code"] == "config.sendgrid_key_missing"
    assert any("SENDGRID_API_KEY" in step for step in result.error["remediation"])


async def test_the_sandbox_sendgrid_key_never_appears_in_results_or_the_audit_log(
    client: Client, services: Services
) -> None:
    results = [
        await call(client, "email_send", mail()),
        await call(client, "email_send", mail(to=["bounced@example.com"])),
        await call(client, "email_templates_list"),
        await call(client, "email_suppression_remove", {"kind": "spam_reports", "email": "complained@example.com"}),
    ]
    text = json.dumps([r.data for r in results])
    audit = json.dumps([vars(entry) for entry in services.stores.audit.tail(limit=100)])
    assert "SG." not in text
    assert SANDBOX_SENDGRID_KEY not in text and SANDBOX_SENDGRID_KEY not in audit
    assert "email_send" in audit


async def test_a_send_to_more_recipients_than_the_bulk_limit_waits_for_approval(
    settings: Settings, sandbox: Sandbox, tmp_path: Path
) -> None:
    policy = tmp_path / "bulk.toml"
    policy.write_text("[limits]\nbulk_recipients = 2\n")
    bulk = settings.with_overrides(policy_path=policy)
    services, client = await client_with(bulk, sandbox)
    before = len(sendgrid_state(sandbox).sent)
    async with client:
        small = await call(client, "email_send", mail(cc=["bo@example.com"]))
        assert not small.is_error, small
        args = mail(cc=["bo@example.com"], bcc=["cy@example.com"])
        gated = await call(client, "email_send", args)
        assert gated.error["code"] == "policy.approval_required"
        assert "3 recipients" in gated.error["message"]
        assert len(sendgrid_state(sandbox).sent) == before + 1
        services.approvals.decide(gated.error["approval"]["id"], approve=True, operator="ops")
        done = await call(client, "email_send", {**args, "approval_id": gated.error["approval"]["id"]})
        assert not done.is_error, done
    await services.aclose()
    assert len(sendgrid_state(sandbox).sent) == before + 2
