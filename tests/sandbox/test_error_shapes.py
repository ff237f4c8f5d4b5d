"""Every answer the sandbox gives has the shape of the host it stands in for: unknown paths, wrong
methods, injected faults and failures inside a route are Twilio's error JSON, or SendGrid's on
api.sendgrid.com, never a traceback or plain text."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from skill.config import SANDBOX_ACCOUNT_SID, SANDBOX_AUTH_TOKEN, SANDBOX_SENDGRID_KEY
from skill.sandbox.app import Sandbox

pytestmark = pytest.mark.anyio
BASE = "http://sandbox.test"
SENDGRID = {"X-Twilio-Host": "api.sendgrid.com", "Authorization": f"Bearer {SANDBOX_SENDGRID_KEY}"}
STUDIO = {"X-Twilio-Host": "studio.twilio.com"}


@pytest.fixture
async def http(sandbox: Sandbox) -> AsyncIterator[httpx.AsyncClient]:
    auth = (SANDBOX_ACCOUNT_SID, SANDBOX_AUTH_TOKEN)
    async with httpx.AsyncClient(transport=sandbox.transport(), base_url=BASE, auth=auth) as client:
        yield client


@pytest.fixture
async def sendgrid(sandbox: Sandbox) -> AsyncIterator[httpx.AsyncClient]:
    """A client on the sandbox's SendGrid host, with its full-access key."""
    async with httpx.AsyncClient(transport=sandbox.transport(), base_url=BASE, headers=SENDGRID) as client:
        yield client


def twilio_error(response: httpx.Response, status: int, code: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert (body["status"], body["code"]) == (status, code)
    assert body["more_info"] == f"https://www.twilio.com/docs/errors/{code}"
    return dict(body)


def sendgrid_error(response: httpx.Response, status: int) -> list[dict[str, Any]]:
    assert response.status_code == status, response.text
    errors = response.json()["errors"]
    assert errors and all(set(error) == {"message", "field"} for error in errors)
    return list(errors)


async def test_a_failure_inside_a_route_is_a_logged_20500_not_a_traceback(
    http: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(account: dict[str, Any]) -> dict[str, Any]:
        raise RuntimeError("renderer bug")

    monkeypatch.setattr("skill.sandbox.accounts.render_account", broken)
    with caplog.at_level(logging.ERROR, logger="twilio_skill.sandbox"):
        response = await http.get(f"/2010-04-01/Accounts/{SANDBOX_ACCOUNT_SID}.json")
    body = twilio_error(response, 500, 20500)
    assert "renderer bug" not in json.dumps(body)
    assert any("renderer bug" in str(record.exc_info) for record in caplog.records)


async def test_a_failure_inside_a_sendgrid_route_answers_in_sendgrids_shape(
    sendgrid: httpx.AsyncClient, sandbox: Sandbox
) -> None:
    sandbox.sendgrid.templates = None  # type: ignore[assignment]
    response = await sendgrid.get("/v3/templates?page_size=10&generations=dynamic")
    sendgrid_error(response, 500)


async def test_unknown_paths_and_wrong_methods_answer_20404_and_20004(http: httpx.AsyncClient) -> None:
    missing = await http.get("/2010-04-01/Nothing.json")
    assert "/2010-04-01/Nothing.json" in twilio_error(missing, 404, 20404)["message"]
    on_product_host = await http.get("/v2/Nowhere", headers={"X-Twilio-Host": "verify.twilio.com"})
    twilio_error(on_product_host, 404, 20404)
    wrong = await http.delete("/2010-04-01/Accounts.json")
    assert twilio_error(wrong, 405, 20004)["message"] == "Method not allowed"
    assert {"GET", "POST"} <= {m.strip() for m in wrong.headers["allow"].split(",")}


async def test_the_sendgrid_host_answers_unknown_paths_and_wrong_methods_in_its_own_shape(
    sendgrid: httpx.AsyncClient,
) -> None:
    missing = await sendgrid.get("/v3/nothing")
    assert sendgrid_error(missing, 404)[0]["message"] == "resource not found"
    wrong = await sendgrid.delete("/v3/mail/send")
    sendgrid_error(wrong, 405)
    assert wrong.headers["allow"] == "POST"


async def test_injected_faults_on_sendgrid_use_its_error_shape_and_rate_limit_headers(
    http: httpx.AsyncClient, sendgrid: httpx.AsyncClient, sandbox: Sandbox
) -> None:
    sandbox.faults.retry_after = 7
    sandbox.faults.queue = ["429", "500"]
    throttled = await sendgrid.get("/v3/templates?page_size=10")
    assert sendgrid_error(throttled, 429)[0]["message"] == "too many requests"
    assert "retry-after" not in throttled.headers
    assert int(throttled.headers["x-ratelimit-reset"]) == int(sandbox.clock.now()) + 7
    assert throttled.headers["x-ratelimit-remaining"] == "0"
    sendgrid_error(await sendgrid.get("/v3/templates?page_size=10"), 500)
    twilio = await http.get(f"/2010-04-01/Accounts/{SANDBOX_ACCOUNT_SID}.json")
    assert twilio.status_code == 200


async def test_injected_faults_on_twilio_hosts_keep_twilios_code_and_retry_after(
    http: httpx.AsyncClient, sandbox: Sandbox
) -> None:
    sandbox.faults.queue = ["429"]
    throttled = await http.get(f"/2010-04-01/Accounts/{SANDBOX_ACCOUNT_SID}.json")
    twilio_error(throttled, 429, 20429)
    assert throttled.headers["retry-after"] == str(sandbox.faults.retry_after)


async def test_the_clock_refuses_an_advance_that_is_not_a_number(http: httpx.AsyncClient, sandbox: Sandbox) -> None:
    before = sandbox.clock.now()
    twilio_error(await http.post("/_sandbox/clock/advance?seconds=abc"), 400, 20001)
    twilio_error(await http.post("/_sandbox/clock/advance?seconds=-5"), 400, 20001)
    twilio_error(await http.get("/_sandbox/clock/advance"), 405, 20004)
    assert sandbox.clock.now() == before


async def test_mail_send_refuses_a_malformed_content_length_and_non_list_categories(
    sendgrid: httpx.AsyncClient,
) -> None:
    mail = {
        "personalizations": [{"to": [{"email": "ada@example.com"}]}],
        "from": {"email": "ops@example.com"},
        "subject": "Hi",
        "content": [{"type": "text/plain", "value": "Hello"}],
    }
    raw = json.dumps(mail).encode()
    malformed = await sendgrid.post(
        "/v3/mail/send", content=raw, headers={"Content-Length": "abc", "Content-Type": "application/json"}
    )
    assert "Content-Length" in sendgrid_error(malformed, 400)[0]["message"]
    not_a_list = await sendgrid.post("/v3/mail/send", json={**mail, "categories": "news"})
    assert [e["field"] for e in sendgrid_error(not_a_list, 400)] == ["categories"]
    unhashable = await sendgrid.post("/v3/mail/send", json={**mail, "template_id": ["d-1"]})
    assert "template_id" in [e["field"] for e in sendgrid_error(unhashable, 400)]


def flow(transitions: Any) -> str:
    states = [
        {"name": "Trigger", "type": "trigger", "transitions": transitions, "properties": {}},
        {"name": "hello", "type": "send-message", "transitions": [], "properties": {"body": "Hi"}},
    ]
    return json.dumps({"description": "t", "states": states, "initial_state": "Trigger", "flags": {}})


async def test_a_studio_transition_without_an_event_runs_and_malformed_ones_fail_validation(
    http: httpx.AsyncClient,
) -> None:
    created = await http.post(
        "/v2/Flows",
        data={"FriendlyName": "no event", "Status": "published", "Definition": flow([{"next": "hello"}])},
        headers=STUDIO,
    )
    assert created.status_code == 201, created.text
    sid = created.json()["sid"]
    execution = await http.post(
        f"/v2/Flows/{sid}/Executions", data={"To": "+14155550100", "From": "+15005550006"}, headers=STUDIO
    )
    assert execution.status_code == 201, execution.text
    steps = await http.get(f"/v2/Flows/{sid}/Executions/{execution.json()['sid']}/Steps", headers=STUDIO)
    assert [step["name"] for step in steps.json()["steps"]][0] == "complete"
    for malformed in ("next", ["hello"], [{"next": ["hello"]}]):
        refused = await http.post(
            "/v2/Flows",
            data={"FriendlyName": "bad", "Status": "draft", "Definition": flow(malformed)},
            headers=STUDIO,
        )
        body = twilio_error(refused, 400, 81022)
        assert body["details"]["errors"], body


async def asgi_get(sandbox: Sandbox, path: str, headers: list[tuple[bytes, bytes]]) -> tuple[int, Any]:
    """One GET straight into the sandbox's ASGI app with headers as raw bytes (ones no client would send)."""
    answer: dict[str, Any] = {"body": b""}
    delivered = False

    async def receive() -> dict[str, Any]:
        nonlocal delivered
        if delivered:
            return {"type": "http.disconnect"}
        delivered = True
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            answer["status"] = message["status"]
        else:
            answer["body"] += message.get("body", b"")

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 1),
        "server": ("sandbox.test", 80),
    }
    await sandbox(scope, receive, send)
    return answer["status"], json.loads(answer["body"])


@pytest.mark.parametrize(
    ("headers", "shape"),
    [
        # Repeated headers: the last one counts, for the product host and for Host alike.
        ([(b"x-twilio-host", b"api.twilio.com"), (b"x-twilio-host", b"api.sendgrid.com")], "sendgrid"),
        ([(b"x-twilio-host", b"api.sendgrid.com"), (b"x-twilio-host", b"api.twilio.com")], "twilio"),
        ([(b"host", b"evil.example.com"), (b"host", b"api.sendgrid.com:443")], "sendgrid"),
        ([(b"X-TWILIO-HOST", b"api.sendgrid.com")], "sendgrid"),  # names are matched in any case
        # Hosts it does not stand in for fall back to Twilio's API, whatever their bytes.
        ([(b"x-twilio-host", b"evil.example.com")], "twilio"),
        ([(b"x-twilio-host", b"api.sendgrid.com\r\nX-Injected: 1")], "twilio"),
        ([(b"x-twilio-host", b"\xff\xfe\x00.twilio.com.evil")], "twilio"),
        ([(b"x-twilio-host", b"a" * 100_000)], "twilio"),
        ([(b"host", b"\xff\xfe:99999")], "twilio"),
        ([], "twilio"),
    ],
)
async def test_the_host_an_answer_stands_in_for_comes_from_the_last_host_headers_and_nothing_else(
    sandbox: Sandbox, headers: list[tuple[bytes, bytes]], shape: str
) -> None:
    status, body = await asgi_get(sandbox, "/v9/Nowhere", headers)
    assert status == 404
    if shape == "sendgrid":
        assert body == {"errors": [{"message": "resource not found", "field": None}]}
    else:
        assert body["code"] == 20404 and "Nowhere" in body["message"]
