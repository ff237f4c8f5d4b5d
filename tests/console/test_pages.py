from __future__ import annotations

import httpx
import pytest

from skill.stores.sqlite import Stores
from tests import approvals
from tests.console.conftest import TOKEN, decision_events, log_in, open_request

pytestmark = pytest.mark.anyio


async def test_every_page_redirects_to_login_without_a_session(web: httpx.AsyncClient) -> None:
    for path, expected in (("/", "/login?next=%2F"), ("/approvals/apr_1", "/login?next=%2Fapprovals%2Fapr_1")):
        response = await web.get(path)
        assert response.status_code == 303
        assert response.headers["location"] == expected
    assert (await web.get("/audit")).status_code == 303
    assert (await web.get("/login")).status_code == 200


async def test_a_wrong_token_is_refused_and_opens_no_session(web: httpx.AsyncClient) -> None:
    response = await web.post("/login", data={"token": TOKEN + "x", "next": "/"})
    assert response.status_code == 401
    assert "not the operator token" in response.text
    assert "set-cookie" not in response.headers
    assert (await web.get("/")).status_code == 303


async def test_login_sets_a_strict_http_only_cookie_and_returns_to_the_page_asked_for(
    web: httpx.AsyncClient,
) -> None:
    response = await web.post("/login", data={"token": TOKEN, "next": "/audit"})
    assert response.status_code == 303
    assert response.headers["location"] == "/audit"
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie
    assert "samesite=strict" in cookie
    assert "secure" not in cookie  # plain http in the test; https requests get Secure
    assert (await web.get("/audit")).status_code == 200


async def test_login_never_redirects_to_another_site(web: httpx.AsyncClient) -> None:
    for target in ("https://evil.example/", "//evil.example/", "/\\evil.example"):
        response = await web.post("/login", data={"token": TOKEN, "next": target})
        assert response.headers["location"] == "/"


async def test_an_operator_approves_a_pending_request_and_the_audit_log_records_it(
    web: httpx.AsyncClient, stores: Stores
) -> None:
    request = open_request(stores)
    csrf = await log_in(web, operator="dana")
    listing = await web.get("/")
    assert request.id in listing.text
    assert "Release +1415***0199" in listing.text
    response = await web.post(f"/approvals/{request.id}/approve", data={"csrf": csrf, "operator": "dana"})
    assert response.status_code == 303
    assert response.headers["location"] == f"/approvals/{request.id}"
    decided = stores.approvals.get(request.id)
    assert decided.status == "approved"
    assert decided.decided_by == "dana"
    entry = next(entry for entry in stores.audit.tail(20) if entry.event == "approval.approved")
    assert entry.approval_id == request.id
    assert entry.detail["operator"] == "dana"
    page = await web.get(response.headers["location"])
    assert "Approved " + request.id in page.text
    assert "approved" in page.text


async def test_an_operator_denies_with_a_reason_the_agent_will_see(web: httpx.AsyncClient, stores: Stores) -> None:
    request = open_request(stores)
    csrf = await log_in(web)
    refused = await web.post(f"/approvals/{request.id}/deny", data={"csrf": csrf, "reason": "  "})
    assert refused.status_code == 400
    assert "needs a reason" in refused.text
    assert stores.approvals.get(request.id).status == "pending"
    response = await web.post(f"/approvals/{request.id}/deny", data={"csrf": csrf, "reason": "not during the sale"})
    assert response.status_code == 303
    denied = stores.approvals.get(request.id)
    assert (denied.status, denied.reason, denied.decided_by) == ("denied", "not during the sale", "console")
    entry = next(entry for entry in stores.audit.tail(20) if entry.event == "approval.denied")
    assert entry.detail["reason"] == "not during the sale"


async def test_a_post_without_the_csrf_token_is_refused_and_decides_nothing(
    web: httpx.AsyncClient, stores: Stores
) -> None:
    request = open_request(stores)
    await log_in(web)
    for form in ({}, {"csrf": "guessed"}):
        response = await web.post(f"/approvals/{request.id}/approve", data=form)
        assert response.status_code == 403
    assert stores.approvals.get(request.id).status == "pending"
    assert decision_events(stores) == []


async def test_a_foreign_host_or_origin_is_refused(web: httpx.AsyncClient, stores: Stores) -> None:
    request = open_request(stores)
    csrf = await log_in(web)
    assert (await web.get("/", headers={"host": "rebound.evil.example"})).status_code == 421
    assert (await web.get("/login", headers={"host": "rebound.evil.example:8790"})).status_code == 421
    cross = await web.post(
        f"/approvals/{request.id}/approve", data={"csrf": csrf}, headers={"origin": "https://evil.example"}
    )
    assert cross.status_code == 403
    assert stores.approvals.get(request.id).status == "pending"
    same = await web.post(
        f"/approvals/{request.id}/approve", data={"csrf": csrf}, headers={"origin": "http://localhost:8790"}
    )
    assert same.status_code == 303


async def test_expired_decided_and_unknown_requests_get_clear_messages(web: httpx.AsyncClient, stores: Stores) -> None:
    csrf = await log_in(web)
    expired = open_request(stores, ttl_seconds=-5)
    response = await web.post(f"/approvals/{expired.id}/approve", data={"csrf": csrf})
    assert response.status_code == 409
    assert "expired" in response.text
    assert "make the call again" in response.text
    assert "Traceback" not in response.text
    assert "expired" in (await web.get(f"/approvals/{expired.id}")).text

    done = open_request(stores)
    approvals.decide(stores, done.id)
    again = await web.post(f"/approvals/{done.id}/deny", data={"csrf": csrf, "reason": "late"})
    assert again.status_code == 409
    assert "already approved" in again.text

    unknown = await web.get("/approvals/apr_doesnotexist")
    assert unknown.status_code == 404
    assert "apr_doesnotexist" in unknown.text
    assert (await web.post("/approvals/apr_doesnotexist/approve", data={"csrf": csrf})).status_code == 404
    assert decision_events(stores) == ["approval.approved"]  # only the test's own decision


async def test_summaries_and_arguments_are_html_escaped(web: httpx.AsyncClient, stores: Stores) -> None:
    request = open_request(stores, summary="<script>alert('x')</script> & more")
    await log_in(web)
    for path in ("/", f"/approvals/{request.id}"):
        page = await web.get(path)
        assert "<script>" not in page.text
        assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; more" in page.text
        assert "default-src 'none'" in page.headers["content-security-policy"]


async def test_the_audit_page_filters_by_tool_and_explains_a_bad_count(web: httpx.AsyncClient, stores: Stores) -> None:
    stores.audit.record("tool.call", outcome="ok", tool="number_release", detail={"to": "+14155550199"})
    stores.audit.record("tool.call", outcome="ok", tool="message_send")
    await log_in(web)
    page = await web.get("/audit", params={"n": "10", "tool": "number_release"})
    assert page.status_code == 200
    assert "number_release" in page.text
    assert "message_send</td>" not in page.text
    assert "+14155550199" not in page.text
    bad = await web.get("/audit", params={"n": "lots"})
    assert bad.status_code == 400
    assert "whole number" in bad.text


async def test_logging_out_ends_the_session(web: httpx.AsyncClient) -> None:
    csrf = await log_in(web)
    assert (await web.post("/logout", data={"csrf": csrf})).status_code == 303
    assert (await web.get("/")).status_code == 303
