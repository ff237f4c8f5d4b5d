from __future__ import annotations

import json
import re
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from mcp import Client

from skill.config import ALL_TOOLSETS, SANDBOX_SENDGRID_KEY, Settings
from skill.core.context import Services
from skill.sandbox.app import Sandbox
from skill.sandbox.sendgrid import sendgrid_state
from skill.sandbox.sendgrid_state import RESTRICTED_KEY, template_time
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
    welcome = next(t for t in templates.data["items"] if t["name"] == "Welcome")
    later = int(sandbox.clock.now()) + 3600
    args = {"to": ["ana@example.com"], "from": SENDER, "template_id": welcome["sid"],
            "dynamic_template_data": '{"first_name": "Ana"}', "custom_args": '{"order": "1234"}',
            "send_at": datetime.fromtimestamp(later, UTC).isoformat()}  # fmt: skip
    result = await call(client, "email_send", args)
    assert not result.is_error, result
    assert result.data["send_at"] == datetime.fromtimestamp(later, UTC).isoformat()
    payload = sendgrid_state(sandbox).sent[-1]["payload"]
    assert payload["template_id"] == welcome["sid"] and payload["send_at"] == later
    assert payload["personalizations"][0]["dynamic_template_data"] == {"first_name": "Ana"}
    assert payload["custom_args"] == {"order": "1234"}
    assert "content" not in payload


@pytest.mark.parametrize(
    ("extra", "fix"),
    [
        ({"dynamic_template_data": "[1, 2]", "template_id": "d-1"}, "JSON object"),
        ({"dynamic_template_data": "{not json", "template_id": "d-1"}, "not valid JSON"),
        ({"custom_args": '{"order": 1234}'}, "custom_args values must be strings"),
    ],
)
async def test_free_form_email_data_must_be_a_json_object_of_the_right_kind(
    client: Client, sandbox: Sandbox, extra: dict[str, Any], fix: str
) -> None:
    result = await call(client, "email_send", mail(**extra))
    assert result.error["code"] == "input.invalid"
    assert fix in result.error["message"]
    assert sendgrid_state(sandbox).sent == []


@pytest.mark.parametrize(
    ("tool", "args"),
    [
        ("email_send", mail(subject="s" * 999)),
        ("email_send", mail(cc=["cc@example.com"] * 1001)),
        ("email_send", mail(categories=["c"] * 11)),
        ("email_send", mail(reply_to="r" * 321)),
        ("email_template_get", {"sid": "d-" + "0" * 70}),
        ("email_templates_list", {"cursor": "c" * 513}),
        ("email_suppressions_list", {"kind": "bounces", "email": "e" * 321}),
        ("email_suppression_remove", {"kind": "bounces", "email": "e" * 321}),
    ],
)
async def test_over_long_arguments_are_refused_before_any_request(
    client: Client, sandbox: Sandbox, tool: str, args: dict[str, Any]
) -> None:
    sandbox.record_responses = True
    result = await call(client, tool, args)
    assert result.error["code"] == "input.invalid"
    assert sandbox.served == []


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
    listed = await call(client, "email_templates_list")
    generations = {t["name"]: t["generation"] for t in listed.data["items"]}
    assert generations == {"Welcome": "dynamic", "Password reset": "dynamic", "Monthly newsletter": "legacy"}
    welcome = next(t for t in listed.data["items"] if t["name"] == "Welcome")
    got = await call(client, "email_template_get", {"sid": welcome["sid"]})
    assert not got.is_error, got
    assert got.data["sid"] == welcome["sid"] and got.data["generation"] == "dynamic"
    versions = {v["name"]: v for v in got.data["versions"]}
    assert versions["Welcome v2"]["active"] is True and versions["Welcome v1"]["active"] is False
    assert versions["Welcome v2"]["subject"] == "Welcome aboard, {{first_name}}"


async def test_template_get_for_an_unknown_id_is_a_sendgrid_404(client: Client) -> None:
    result = await call(client, "email_template_get", {"sid": "d-" + "0" * 32})
    assert result.error["code"] == "sendgrid.404"


async def test_suppressions_list_reads_each_kind_and_filters_by_address(client: Client) -> None:
    bounces = await call(client, "email_suppressions_list", {"kind": "bounces"})
    assert [s["email"] for s in bounces.data["items"]] == ["bounced@example.com", "old-address@example.org"]
    assert bounces.data["items"][0]["status"] == "5.1.1"
    only = await call(client, "email_suppressions_list", {"kind": "bounces", "email": "old"})
    assert [s["email"] for s in only.data["items"]] == ["old-address@example.org"]
    spam = await call(client, "email_suppressions_list", {"kind": "spam_reports"})
    assert spam.data["items"][0]["ip"] == "192.0.2.10"
    unsubscribed = await call(client, "email_suppressions_list", {"kind": "global_unsubscribes", "limit": 1})
    assert unsubscribed.data["count"] == 1 and unsubscribed.data["has_more"] is True


async def test_removing_a_bounce_runs_at_once_and_the_address_can_be_emailed_again(client: Client) -> None:
    removed = await call(client, "email_suppression_remove", {"kind": "bounces", "email": "bounced@example.com"})
    assert not removed.is_error, removed
    assert removed.data["was_listed"] is True
    sent = await call(client, "email_send", mail(to=["bounced@example.com"]))
    assert not sent.is_error, sent


async def test_removing_a_spam_report_waits_for_an_operator_who_sees_when_it_was_added(
    client: Client, services: Services, sandbox: Sandbox
) -> None:
    args = {"kind": "spam_reports", "email": "complained@example.com"}
    gated = await call(client, "email_suppression_remove", args)
    assert gated.error["code"] == "policy.approval_required"
    assert "complained or unsubscribed" in gated.error["approval"]["summary"]
    impact = gated.error["approval"]["impact"]
    assert impact["resource"] == "complained@example.com on SendGrid's spam_reports list"
    facts = {fact["label"]: fact["value"] for fact in impact["facts"]}
    assert facts["list"] == "spam_reports: the person marked an earlier email as spam"
    assert facts["added"] == datetime.fromtimestamp(int(sandbox.clock.now()) - 7 * 86400, UTC).isoformat()
    assert impact["reversibility"] == "reversible"
    still = await call(client, "email_suppressions_list", {"kind": "spam_reports"})
    assert still.data["count"] == 1
    approval_id = await approve(services, gated)
    done = await call(client, "email_suppression_remove", {**args, "approval_id": approval_id})
    assert not done.is_error, done
    assert (await call(client, "email_suppressions_list", {"kind": "spam_reports"})).data["count"] == 0


async def test_removing_a_global_unsubscribe_also_waits_for_an_operator(client: Client) -> None:
    gated = await call(client, "email_suppression_remove", {"kind": "global_unsubscribes", "email": "left@example.org"})
    assert gated.error["code"] == "policy.approval_required"
    assert gated.error["approval"]["impact"]["resource"] == "left@example.org on SendGrid's global_unsubscribes list"


async def test_lifting_a_consent_suppression_that_is_not_there_opens_no_approval(
    client: Client, services: Services
) -> None:
    args = {"kind": "spam_reports", "email": "never-complained@example.com"}
    result = await call(client, "email_suppression_remove", args)
    assert result.error["code"] == "not_found.suppression"
    assert "email_suppressions_list" in result.error["remediation"][0]
    assert result.error["approval"] is None
    assert services.stores.approvals.list() == []


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
        impact = gated.error["approval"]["impact"]
        assert impact["resource"] == f"an email from {SENDER} to 3 recipient(s)"
        assert {"label": "subject", "value": "Hello"} in impact["facts"]
        assert impact["reversibility"] == "not reversible"
        assert len(sendgrid_state(sandbox).sent) == before + 1
        services.approvals.decide(gated.error["approval"]["id"], approve=True, operator="ops")
        done = await call(client, "email_send", {**args, "approval_id": gated.error["approval"]["id"]})
        assert not done.is_error, done
    await services.aclose()
    assert len(sendgrid_state(sandbox).sent) == before + 2


async def test_a_bulk_send_naming_an_unknown_template_opens_no_approval(
    settings: Settings, sandbox: Sandbox, tmp_path: Path
) -> None:
    policy = tmp_path / "bulk.toml"
    policy.write_text("[limits]\nbulk_recipients = 1\n")
    bulk = settings.with_overrides(policy_path=policy)
    services, client = await client_with(bulk, sandbox)
    args = {"to": ["ana@example.com", "bo@example.com"], "from": SENDER, "template_id": "d-" + "0" * 32}
    async with client:
        result = await call(client, "email_send", args)
        opened = services.stores.approvals.list()
    await services.aclose()
    assert result.error["code"] == "sendgrid.404"
    assert result.error["approval"] is None and opened == []


async def every_page(client: Client, tool: str, args: dict[str, Any]) -> list[dict[str, Any]]:
    """Each page of a list, following next_cursor until has_more is false."""
    pages = [await call(client, tool, args)]
    while pages[-1].data["has_more"]:
        assert len(pages) < 50, "the list never ends"
        pages.append(await call(client, tool, {**args, "cursor": pages[-1].data["next_cursor"]}))
    for page in pages:
        assert not page.is_error, page
    return [page.data for page in pages]


def add_bounces(sandbox: Sandbox, count: int, age: int = 1000) -> list[str]:
    state = sendgrid_state(sandbox)
    addresses = [f"gone{index:04d}@example.com" for index in range(count)]
    for index, address in enumerate(addresses):
        created = int(sandbox.clock.now()) - age - index
        state.suppressions["bounces"][address] = {
            "created": created,
            "email": address,
            "reason": "550",
            "status": "5.1.1",
        }
    return addresses


async def test_a_suppression_list_longer_than_the_limit_pages_through_every_entry_once(
    client: Client, sandbox: Sandbox
) -> None:
    added = add_bounces(sandbox, 9)
    pages = await every_page(client, "email_suppressions_list", {"kind": "bounces", "limit": 4})
    emails = [item["email"] for page in pages for item in page["items"]]
    assert [page["count"] for page in pages] == [4, 4, 3]
    assert len(emails) == len(set(emails)) == 11
    assert set(added) | {"bounced@example.com", "old-address@example.org"} == set(emails)
    assert pages[-1]["has_more"] is False and "next_cursor" not in pages[-1]


async def test_a_limit_beyond_sendgrids_page_is_read_in_several_requests(client: Client, sandbox: Sandbox) -> None:
    add_bounces(sandbox, 600)
    sandbox.record_responses = True
    first = await call(client, "email_suppressions_list", {"kind": "bounces", "limit": 550})
    assert first.data["count"] == 550 and first.data["has_more"] is True
    asked = [r for r in sandbox.served if r["path"] == "/v3/suppression/bounces"]
    assert len(asked) == 2
    rest = await call(
        client, "email_suppressions_list", {"kind": "bounces", "limit": 550, "cursor": first.data["next_cursor"]}
    )
    assert rest.data["count"] == 52 and rest.data["has_more"] is False
    emails = {item["email"] for page in (first, rest) for item in page.data["items"]}
    assert len(emails) == 602


async def test_a_suppression_cursor_is_refused_with_other_filters(client: Client, sandbox: Sandbox) -> None:
    add_bounces(sandbox, 3)
    first = await call(client, "email_suppressions_list", {"kind": "bounces", "limit": 2})
    cursor = first.data["next_cursor"]
    for other in (
        {"kind": "blocks"},
        {"kind": "bounces", "email": "gone"},
        {"kind": "bounces", "after": "2020-01-01T00:00:00Z"},
    ):
        refused = await call(client, "email_suppressions_list", {**other, "limit": 2, "cursor": cursor})
        assert refused.error["code"] == "input.invalid_cursor", other
    templates = await call(client, "email_templates_list", {"cursor": cursor})
    assert templates.error["code"] == "input.invalid_cursor"


async def test_suppressions_after_and_before_are_sendgrids_start_and_end_time(client: Client, sandbox: Sandbox) -> None:
    now = int(sandbox.clock.now())
    ten_days_ago = datetime.fromtimestamp(now - 10 * 86400, UTC).isoformat()
    recent = await call(client, "email_suppressions_list", {"kind": "bounces", "after": ten_days_ago})
    assert [item["email"] for item in recent.data["items"]] == ["bounced@example.com"]
    older = await call(client, "email_suppressions_list", {"kind": "bounces", "before": ten_days_ago})
    assert [item["email"] for item in older.data["items"]] == ["old-address@example.org"]
    # before is exclusive: an entry made at that very second is left out.
    at = datetime.fromtimestamp(now - 5 * 86400, UTC).isoformat()
    assert (await call(client, "email_suppressions_list", {"kind": "bounces", "before": at})).data["count"] == 1
    assert (await call(client, "email_suppressions_list", {"kind": "bounces", "after": at})).data["count"] == 1


def add_templates(sandbox: Sandbox, count: int) -> list[str]:
    state = sendgrid_state(sandbox)
    ids = [f"d-{index:032x}" for index in range(count)]
    for index, template_id in enumerate(ids):
        updated = template_time(sandbox.clock.now() - 86400 * (20 + index))
        state.templates[template_id] = {
            "id": template_id, "name": f"Template {index}", "generation": "dynamic", "updated_at": updated,
            "versions": [],
        }  # fmt: skip
    return ids


async def test_a_template_list_longer_than_the_limit_follows_sendgrids_page_token(
    client: Client, sandbox: Sandbox
) -> None:
    added = add_templates(sandbox, 5)
    sandbox.record_responses = True
    pages = await every_page(client, "email_templates_list", {"limit": 3})
    ids = [item["sid"] for page in pages for item in page["items"]]
    assert [page["count"] for page in pages] == [3, 3, 2]
    assert len(ids) == len(set(ids)) == 8 and set(added) <= set(ids)
    assert len([r for r in sandbox.served if r["path"] == "/v3/templates"]) == 3  # one request per page
    dated = {"after": "2020-01-01T00:00:00Z", "cursor": pages[0]["next_cursor"]}
    assert (await call(client, "email_templates_list", dated)).error["code"] == "input.invalid_cursor"


async def test_templates_after_and_before_match_the_last_change_and_say_what_they_scanned(
    client: Client, sandbox: Sandbox
) -> None:
    five_days_ago = datetime.fromtimestamp(sandbox.clock.now() - 5 * 86400, UTC).isoformat()
    recent = await call(client, "email_templates_list", {"after": five_days_ago})
    assert [item["name"] for item in recent.data["items"]] == ["Welcome"]
    assert recent.data["scanned"] == 3 and recent.data["has_more"] is False
    older = await call(client, "email_templates_list", {"before": five_days_ago})
    assert [item["name"] for item in older.data["items"]] == ["Password reset", "Monthly newsletter"]
