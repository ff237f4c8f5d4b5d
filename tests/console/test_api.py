from __future__ import annotations

from urllib.parse import urlsplit

import httpx
import pytest
from mcp import Client

from skill.core.operators import create_operator, revoke_operator
from skill.stores.sqlite import Stores
from tests.conftest import call
from tests.console.conftest import BASE, IMPACT, log_in, open_request

pytestmark = pytest.mark.anyio


def bearer(credential: str) -> dict[str, str]:
    return {"authorization": f"Bearer {credential}"}


async def test_the_api_answers_only_an_operator_credential(
    web: httpx.AsyncClient, stores: Stores, credential: str
) -> None:
    request = open_request(stores)
    assert (await web.get("/api/approvals")).status_code == 401
    wrong = await web.get("/api/approvals", headers=bearer(credential + "x"))
    assert wrong.status_code == 401
    assert wrong.json()["error"]["code"] == "console.unauthorized"
    # A browser session is not enough: the API ignores cookies, so a forged cross-site POST has nothing to ride on.
    await log_in(web, credential)
    assert (await web.post(f"/api/approvals/{request.id}/approve")).status_code == 401
    assert stores.approvals.get(request.id).status == "pending"


async def test_the_api_decides_as_the_credential_s_operator_and_tails_the_audit_log(
    web: httpx.AsyncClient, stores: Stores, credential: str
) -> None:
    first, second = open_request(stores, impact=IMPACT), open_request(stores)
    headers = bearer(credential)
    listed = await web.get("/api/approvals", params={"status": "pending"}, headers=headers)
    assert listed.status_code == 200
    by_id = {item["id"]: item for item in listed.json()["approvals"]}
    assert set(by_id) == {first.id, second.id}
    assert by_id[first.id]["impact"]["reversibility"] == "not reversible"
    assert by_id[second.id]["impact"] is None
    approved = await web.post(f"/api/approvals/{first.id}/approve", json={"operator": "ci-bot"}, headers=headers)
    assert approved.status_code == 200
    assert (approved.json()["status"], approved.json()["decided_by"]) == ("approved", "dana")
    no_reason = await web.post(f"/api/approvals/{second.id}/deny", json={}, headers=headers)
    assert no_reason.status_code == 400
    assert no_reason.json()["error"]["code"] == "input.reason_required"
    denied = await web.post(f"/api/approvals/{second.id}/deny", json={"reason": "no"}, headers=headers)
    assert denied.json()["status"] == "denied"
    twice = await web.post(f"/api/approvals/{second.id}/approve", json={}, headers=headers)
    assert twice.status_code == 409
    assert twice.json()["error"]["code"] == "policy.approval_decided"
    assert twice.json()["error"]["remediation"]
    missing = await web.get("/api/approvals/apr_missing", headers=headers)
    assert missing.status_code == 404
    tail = await web.get("/api/audit", params={"n": "5"}, headers=headers)
    entries = tail.json()["entries"]
    decisions = [entry for entry in entries if entry["event"] != "approval.requested"]
    assert [entry["event"] for entry in decisions] == ["approval.approved", "approval.denied"]
    assert {entry["detail"]["operator"] for entry in decisions} == {"dana"}
    assert {entry["detail"]["via"] for entry in decisions} == {"api"}
    assert (await web.get("/api/approvals", params={"status": "bogus"}, headers=headers)).status_code == 400
    assert (await web.post(f"/api/approvals/{first.id}/deny", content=b"[1]", headers=headers)).status_code == 400


async def test_a_revoked_operator_s_credential_is_refused_by_the_api_at_once(
    web: httpx.AsyncClient, stores: Stores, credential: str
) -> None:
    request = open_request(stores)
    other = create_operator(stores.operators, "erin")[1]
    assert (await web.get("/api/approvals", headers=bearer(credential))).status_code == 200
    revoke_operator(stores.operators, "dana")
    refused = await web.post(f"/api/approvals/{request.id}/approve", headers=bearer(credential))
    assert refused.status_code == 401
    assert stores.approvals.get(request.id).status == "pending"
    # Other operators are untouched.
    done = await web.post(f"/api/approvals/{request.id}/approve", headers=bearer(other))
    assert done.json()["decided_by"] == "erin"


async def test_a_gated_call_approved_in_the_console_then_runs_once(
    client: Client, web: httpx.AsyncClient, stores: Stores, credential: str
) -> None:
    sid = (await call(client, "subaccounts_list", {"friendly_name": "staging"})).data["items"][0]["sid"]
    gated = await call(client, "subaccount_set_status", {"sid": sid, "status": "suspended"})
    approval = gated.error["approval"]
    console_url = urlsplit(approval["console_url"])
    assert f"{console_url.scheme}://{console_url.netloc}" == BASE

    await log_in(web, credential)
    page = await web.get(console_url.path)
    assert page.status_code == 200
    assert "subaccount_set_status" in page.text
    assert sid in page.text

    decided = await web.post(f"/api/approvals/{approval['id']}/approve", headers=bearer(credential))
    assert decided.status_code == 200
    done = await call(
        client, "subaccount_set_status", {"sid": sid, "status": "suspended", "approval_id": approval["id"]}
    )
    assert not done.is_error, done
    assert done.data["status"] == "suspended"
    assert stores.approvals.get(approval["id"]).status == "used"
    again = await call(
        client, "subaccount_set_status", {"sid": sid, "status": "suspended", "approval_id": approval["id"]}
    )
    assert again.error["code"] == "policy.approval_used"
