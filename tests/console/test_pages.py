from __future__ import annotations

import re

import httpx
import pytest

from skill.core.operators import revoke_operator, rotate_operator
from skill.stores.sqlite import Stores
from tests import approvals
from tests.console.conftest import IMPACT, decision_events, log_in, open_request

pytestmark = pytest.mark.anyio


async def test_every_page_redirects_to_login_without_a_session(web: httpx.AsyncClient) -> None:
    for path, expected in (("/", "/login?next=%2F"), ("/approvals/apr_1", "/login?next=%2Fapprovals%2Fapr_1")):
        response = await web.get(path)
        assert response.status_code == 303
        assert response.headers["location"] == expected
    for path in ("/audit", "/audit/export.jsonl", "/approvals/apr_1/approve"):
        assert (await web.get(path)).status_code == 303
    assert (await web.get("/fragments/approvals")).status_code == 401
    assert (await web.get("/login")).status_code == 200


async def test_a_wrong_or_malformed_credential_is_refused_and_opens_no_session(
    web: httpx.AsyncClient, credential: str
) -> None:
    for wrong in (credential + "x", credential[:-1], "tsop_", "not-a-credential", ""):
        response = await web.post("/login", data={"credential": wrong, "next": "/"})
        assert response.status_code == 401
        assert "not a valid operator credential" in response.text
        assert "set-cookie" not in response.headers
    assert (await web.get("/")).status_code == 303


async def test_login_sets_a_strict_http_only_cookie_and_returns_to_the_page_asked_for(
    web: httpx.AsyncClient, credential: str
) -> None:
    response = await web.post("/login", data={"credential": credential, "next": "/audit"})
    assert response.status_code == 303
    assert response.headers["location"] == "/audit"
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie
    assert "samesite=strict" in cookie
    assert "secure" not in cookie  # plain http in the test; https requests get Secure
    assert credential not in cookie
    page = await web.get("/audit")
    assert page.status_code == 200
    assert 'Signed in as <strong id="operator-name">dana</strong>' in page.text


async def test_login_never_redirects_to_another_site(web: httpx.AsyncClient, credential: str) -> None:
    for target in ("https://evil.example/", "//evil.example/", "/\\evil.example"):
        response = await web.post("/login", data={"credential": credential, "next": target})
        assert response.headers["location"] == "/"


async def test_the_decider_is_the_logged_in_operator_whatever_the_form_says(
    web: httpx.AsyncClient, stores: Stores, credential: str
) -> None:
    request = open_request(stores)
    csrf = await log_in(web, credential)
    response = await web.post(f"/approvals/{request.id}/approve", data={"csrf": csrf, "operator": "mallory"})
    assert response.status_code == 303
    assert response.headers["location"] == f"/approvals/{request.id}"
    decided = stores.approvals.get(request.id)
    assert (decided.status, decided.decided_by) == ("approved", "dana")
    entry = next(entry for entry in stores.audit.tail(20) if entry.event == "approval.approved")
    assert entry.approval_id == request.id
    assert entry.detail["operator"] == "dana"
    assert entry.detail["via"] == "console"
    page = await web.get(response.headers["location"])
    assert f"Approved {request.id} (number_release) as dana" in page.text
    assert '<dd id="decided-by">dana</dd>' in page.text


async def test_an_operator_denies_with_a_reason_the_agent_will_see(
    web: httpx.AsyncClient, stores: Stores, credential: str
) -> None:
    request = open_request(stores)
    csrf = await log_in(web, credential)
    refused = await web.post(f"/approvals/{request.id}/deny", data={"csrf": csrf, "reason": "  "})
    assert refused.status_code == 400
    assert "needs a reason" in refused.text
    assert stores.approvals.get(request.id).status == "pending"
    response = await web.post(f"/approvals/{request.id}/deny", data={"csrf": csrf, "reason": "not during the sale"})
    assert response.status_code == 303
    denied = stores.approvals.get(request.id)
    assert (denied.status, denied.reason, denied.decided_by) == ("denied", "not during the sale", "dana")
    entry = next(entry for entry in stores.audit.tail(20) if entry.event == "approval.denied")
    assert (entry.detail["reason"], entry.detail["operator"]) == ("not during the sale", "dana")


async def test_approving_from_the_list_first_shows_the_arguments_and_decides_nothing(
    web: httpx.AsyncClient, stores: Stores, credential: str
) -> None:
    request = open_request(stores, arguments={"sid": "PN42", "friendly_name": "Main line"}, impact=IMPACT)
    await log_in(web, credential)
    listing = await web.get("/")
    assert f'href="/approvals/{request.id}/approve"' in listing.text
    confirm = await web.get(f"/approvals/{request.id}/approve")
    assert confirm.status_code == 200
    assert "Approve this request?" in confirm.text
    assert "&#34;friendly_name&#34;: &#34;Main line&#34;" in confirm.text
    assert "not reversible" in confirm.text
    assert stores.approvals.get(request.id).status == "pending"
    deny_form = await web.get(f"/approvals/{request.id}/deny")
    assert 'name="reason"' in deny_form.text
    assert (await web.get(f"/approvals/{request.id}/publish")).status_code == 404
    approvals.decide(stores, request.id)
    late = await web.get(f"/approvals/{request.id}/approve")
    assert (late.status_code, late.headers["location"]) == (303, f"/approvals/{request.id}")


async def test_the_list_shows_impact_tool_age_and_expiry_and_filters_by_status_and_tool(
    web: httpx.AsyncClient, stores: Stores, credential: str
) -> None:
    release = open_request(stores, impact=IMPACT)
    suspend = open_request(stores, "Suspend staging", tool="subaccount_set_status")
    denied = open_request(stores, "Buy a number", tool="number_buy")
    approvals.decide(stores, denied.id, approve=False, reason="no")
    await log_in(web, credential)
    page = (await web.get("/")).text
    row = page[page.index(f'data-id="{release.id}"') :]
    row = row[: row.index("</tr>")]
    for shown in ("Phone number +1415***0199 (Main line)", "about 1.15 USD per month", "not reversible"):
        assert shown in row
    assert '<td data-label="Age" class="nowrap">&lt;1 min</td>' in row
    assert '<td data-label="Expires" class="nowrap">in 59 min</td>' in row
    assert "not described" in page[page.index(f'data-id="{suspend.id}"') :]
    assert denied.id not in page
    only = (await web.get("/", params={"tool": "subaccount_set_status"})).text
    assert suspend.id in only
    assert release.id not in only
    history = (await web.get("/", params={"status": "all"})).text
    assert all(item.id in history for item in (release, suspend, denied))
    just_denied = (await web.get("/", params={"status": "denied"})).text
    assert denied.id in just_denied
    assert release.id not in just_denied
    assert (await web.get("/", params={"status": "bogus"})).status_code == 400


async def test_the_live_fragment_carries_new_requests_without_the_page(
    web: httpx.AsyncClient, stores: Stores, credential: str
) -> None:
    await log_in(web, credential)
    empty = await web.get("/fragments/approvals", params={"status": "pending"})
    assert "No pending requests" in empty.text
    request = open_request(stores)
    rows = await web.get("/fragments/approvals", params={"status": "pending"})
    assert rows.status_code == 200
    assert f'data-id="{request.id}"' in rows.text
    assert "<html" not in rows.text


async def test_a_post_without_the_csrf_token_is_refused_and_decides_nothing(
    web: httpx.AsyncClient, stores: Stores, credential: str
) -> None:
    request = open_request(stores)
    await log_in(web, credential)
    for form in ({}, {"csrf": "guessed"}):
        response = await web.post(f"/approvals/{request.id}/approve", data=form)
        assert response.status_code == 403
    assert stores.approvals.get(request.id).status == "pending"
    assert decision_events(stores) == []


async def test_a_foreign_host_or_origin_is_refused_and_the_console_own_origin_is_accepted(
    web: httpx.AsyncClient, stores: Stores, credential: str
) -> None:
    request = open_request(stores)
    csrf = await log_in(web, credential)
    assert (await web.get("/", headers={"host": "rebound.evil.example"})).status_code == 421
    assert (await web.get("/login", headers={"host": "rebound.evil.example:8790"})).status_code == 421
    refused = (
        {"origin": "https://evil.example"},
        {"origin": "http://127.0.0.1:9999"},  # another port on the same machine is another origin
        {"origin": "https://127.0.0.1:8790"},  # and so is another scheme
        {"origin": "http://localhost:8790"},  # and another name for the same host
        {"origin": "null"},
        {"origin": "null", "sec-fetch-site": "same-site"},
        {"origin": "http://127.0.0.1:8790", "sec-fetch-site": "cross-site"},
        {"sec-fetch-site": "same-site"},
    )
    for headers in refused:
        cross = await web.post(f"/approvals/{request.id}/approve", data={"csrf": csrf}, headers=headers)
        assert cross.status_code == 403, headers
        assert "Cross-origin" in cross.text
    assert stores.approvals.get(request.id).status == "pending"
    same = await web.post(
        f"/approvals/{request.id}/approve",
        data={"csrf": csrf},
        headers={"origin": "http://127.0.0.1:8790", "sec-fetch-site": "same-origin"},
    )
    assert same.status_code == 303
    second = open_request(stores)
    hidden = await web.post(
        f"/approvals/{second.id}/approve",
        data={"csrf": csrf},
        headers={"origin": "null", "sec-fetch-site": "same-origin"},
    )
    assert hidden.status_code == 303
    assert same.headers["referrer-policy"] == "same-origin"


async def test_expired_decided_and_unknown_requests_get_clear_messages(
    web: httpx.AsyncClient, stores: Stores, credential: str
) -> None:
    csrf = await log_in(web, credential)
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
    assert decision_events(stores) == ["approval.approved"]  # only the one this test made


async def test_hostile_text_is_html_escaped_and_invisible_characters_are_shown(
    web: httpx.AsyncClient, stores: Stores, credential: str
) -> None:
    hostile = "<script>alert('x')</script> & \u202etxt.exe\x1b[2J"
    impact = {
        "resource": "<img src=x onerror=alert(1)>",
        "facts": [{"label": "<b>label</b>", "value": "\u202evalue"}],
        "cost": {"amount": "<i>1</i>", "currency": "USD", "basis": "once", "estimate": False},
        "blast_radius": [],
        "reversibility": "reversible",
    }
    request = open_request(stores, summary=hostile, arguments={"name": hostile}, impact=impact)
    await log_in(web, credential)
    for path in ("/", f"/approvals/{request.id}", f"/approvals/{request.id}/approve", "/fragments/approvals"):
        page = (await web.get(path)).text
        assert "<script>alert" not in page
        assert "<img" not in page
        assert "<b>label" not in page
        assert "\u202e" not in page
        assert "\x1b" not in page
        assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; \\u202etxt.exe\\x1b[2J" in page
    detail = (await web.get(f"/approvals/{request.id}")).text
    assert "&lt;img src=x onerror=alert(1)&gt;" in detail
    assert "\\u202evalue" in detail


async def test_pages_carry_a_strict_policy_and_no_inline_script_or_style(
    web: httpx.AsyncClient, stores: Stores, credential: str
) -> None:
    request = open_request(stores, impact=IMPACT)
    login_page = await web.get("/login")
    await log_in(web, credential)
    pages = [login_page] + [await web.get(path) for path in ("/", f"/approvals/{request.id}", "/audit")]
    for page in pages:
        policy = page.headers["content-security-policy"]
        assert "default-src 'none'" in policy
        assert "script-src 'self'" in policy
        assert "unsafe-inline" not in policy
        assert re.search(r"<script(?![^>]*\bsrc=)", page.text) is None, "inline script"
        assert "<style" not in page.text
        assert " style=" not in page.text
        assert page.headers["x-frame-options"] == "DENY"
    script = await web.get("/static/console.js")
    assert script.headers["content-type"].startswith("text/javascript")
    assert "data-refresh" in script.text
    assert (await web.get("/static/console.css")).headers["content-type"].startswith("text/css")
    assert (await web.get("/static/../app.py")).status_code == 404
    assert (await web.get("/static/other.js")).status_code == 404


async def test_a_revoked_credential_ends_the_session_at_once_and_cannot_log_in_again(
    web: httpx.AsyncClient, stores: Stores, credential: str
) -> None:
    request = open_request(stores)
    csrf = await log_in(web, credential)
    revoke_operator(stores.operators, "dana")
    assert (await web.get("/")).status_code == 303
    refused = await web.post(f"/approvals/{request.id}/approve", data={"csrf": csrf})
    assert refused.status_code == 303
    assert refused.headers["location"].startswith("/login")
    assert stores.approvals.get(request.id).status == "pending"
    assert (await web.post("/login", data={"credential": credential})).status_code == 401


async def test_rotating_a_credential_ends_sessions_opened_with_the_old_one(
    web: httpx.AsyncClient, stores: Stores, credential: str
) -> None:
    await log_in(web, credential)
    _, fresh = rotate_operator(stores.operators, "dana")
    assert (await web.get("/")).status_code == 303
    assert (await web.post("/login", data={"credential": credential})).status_code == 401
    csrf = await log_in(web, fresh)
    assert csrf


async def test_logging_out_ends_the_session(web: httpx.AsyncClient, credential: str) -> None:
    csrf = await log_in(web, credential)
    assert (await web.post("/logout", data={"csrf": "wrong"})).status_code == 403
    assert (await web.post("/logout", data={"csrf": csrf})).status_code == 303
    assert (await web.get("/")).status_code == 303
