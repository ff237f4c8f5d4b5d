from __future__ import annotations

from urllib.parse import urlsplit

import httpx
import pytest
from mcp import Client

from skill.stores.sqlite import Stores
from tests.conftest import call
from tests.console.conftest import BASE, TOKEN, log_in, open_request

pytestmark = pytest.mark.anyio

BEARER = {"authorization": f"Bearer {TOKEN}"}


async def test_the_api_answers_only_the_bearer_token(web: httpx.AsyncClient, stores: Stores) -> None:
    request = open_request(stores)
    assert (await web.get("/api/approvals")).status_code == 401
    wrong = await web.get("/api/approvals", headers={"authorization": "Bearer nope"})
    assert wrong.status_code == 401
    assert wrong.json()["error"]["code"] == "console.unauthorized"
    # A browser session is not enough: the API ignores cookies, so a forged cross-site POST has nothing to ride on.
    await log_in(web)
    assert (await web.post(f"/api/approvals/{request.id}/approve")).status_code == 401
    assert stores.approvals.get(request.id).status == "pending"


async def test_the_api_lists_decides_and_tails_the_audit_log(web: httpx.AsyncClient, stores: Stores) -> None:
    first, second = open_request(stores), open_request(stores)
    listed = await web.get("/api/approvals", params={"status": "pending"}, headers=BEARER)
    assert listed.status_code == 200
    assert {item["id"] for item in listed.json()["approvals"]} == {first.id, second.id}
    approved = await web.post(f"/api/approvals/{first.id}/approve", json={"operator": "ci-bot"}, headers=BEARER)
    assert approved.status_code == 200
    assert (approved.json()["status"], approved.json()["decided_by"]) == ("approved", "ci-bot")
    no_reason = await web.post(f"/api/approvals/{second.id}/deny", json={}, headers=BEARER)
    assert no_reason.status_code == 400
    assert no_reason.json()["error"]["code"] == "input.reason_required"
    denied = await web.post(f"/api/approvals/{second.id}/deny", json={"reason": "no"}, headers=BEARER)
    assert denied.json()["status"] == "denied"
    twice = await web.post(f"/api/approvals/{second.id}/approve", json={}, headers=BEARER)
    assert twice.status_code == 409
    assert twice.json()["error"]["code"] == "policy.approval_decided"
    assert twice.json()["error"]["remediation"]
    missing = await web.get("/api/approvals/apr_missing", headers=BEARER)
    assert missing.status_code == 404
    tail = await web.get("/api/audit", params={"n": "5"}, headers=BEARER)
    events = [entry["event"] for entry in tail.json()["entries"]]
    assert [event for event in events if event != "approval.requested"] == ["approval.approved", "approval.denied"]
    assert (await web.get("/api/approvals", params={"status": "bogus"}, headers=BEARER)).status_code == 400
    assert (await web.post(f"/api/approvals/{first.id}/deny", content=b"[1]", headers=BEARER)).status_code == 400


async def test_a_gated_call_approved_in_the_console_then_runs_once(
    client: Client, web: httpx.AsyncClient, stores: Stores
) -> None:
    sid = (await call(client, "subaccounts_list", {"friendly_name": "staging"})).data["subaccounts"][0]["sid"]
    gated = await call(client, "subaccount_set_status", {"sid": sid, "status": "suspended"})
    approval = gated.error["approval"]
    console_url = urlsplit(approval["console_url"])
    assert f"{console_url.scheme}://{console_url.netloc}" == BASE

    await log_in(web)
    page = await web.get(console_url.path)
    assert page.status_code == 200
    assert "subaccount_set_status" in page.text
    assert sid in page.text

    decided = await web.post(f"/api/approvals/{approval['id']}/approve", json={"operator": "dana"}, headers=BEARER)
    assert decided.status_code == 200
    done = await call(
        client, "subaccount_set_status", {"sid": sid, "status": "suspended", "approval_id": approval["id"]}
    )
    assert not done.is_error, done
    assert done.data["account"]["status"] == "suspended"
    assert stores.approvals.get(approval["id"]).status == "used"
    again = await call(
        client, "subaccount_set_status", {"sid": sid, "status": "suspended", "approval_id": approval["id"]}
    )
    assert again.error["code"] == "policy.approval_used"
