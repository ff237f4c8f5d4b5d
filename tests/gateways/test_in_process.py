"""The in-process exchange with the embedded sandbox sends what httpx would and reads the same answers."""

from __future__ import annotations

import json
from typing import Any

import anyio
import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from skill.config import SANDBOX_ACCOUNT_SID, SANDBOX_AUTH_TOKEN
from skill.gateways.http import SkillHttpClient
from skill.gateways.in_process import InProcessExchange, request_parts
from skill.sandbox.app import Sandbox
from skill.sandbox.faults import Faults

pytestmark = pytest.mark.anyio
BASE = "http://sandbox.twilio-skill.invalid"
finite = st.floats(allow_nan=False, allow_infinity=False)
scalars = st.one_of(st.text(max_size=12), st.integers(), st.booleans(), st.none(), finite)
values = st.one_of(scalars, st.lists(scalars, max_size=3))
mappings = st.dictionaries(st.text(min_size=1, max_size=8), values, max_size=5)


@settings(max_examples=200, deadline=None)
@given(params=mappings, data=mappings, as_json=st.booleans())
def test_a_request_is_encoded_byte_for_byte_as_httpx_encodes_it(
    params: dict[str, Any], data: dict[str, Any], as_json: bool
) -> None:
    url = BASE + "/2010-04-01/Accounts.json"
    headers = {"X-Twilio-Host": "api.twilio.com"}
    body_args: dict[str, Any] = {"json": data} if as_json else {"data": data}
    expected = httpx.Request("POST", url, params=params, headers=headers, **body_args)
    target, sent, body = request_parts(
        url, params=params, data=None if as_json else data, json_body=data if as_json else None, headers=headers
    )
    sent_url = httpx.URL(target)
    assert (sent_url.raw_path.split(b"?")[0], sent_url.query) == (expected.url.path.encode(), expected.url.query)
    assert body == expected.read()
    for name, value in sent:
        assert expected.headers[name] == value


async def test_the_sandbox_answers_an_exchange_exactly_as_it_answers_over_httpx() -> None:
    sandbox = Sandbox()
    transport = sandbox.transport()
    assert isinstance(transport, InProcessExchange)
    auth = httpx.BasicAuth(SANDBOX_ACCOUNT_SID, SANDBOX_AUTH_TOKEN)
    cases = [
        ("GET", f"/2010-04-01/Accounts/{SANDBOX_ACCOUNT_SID}.json", None),
        ("GET", f"/2010-04-01/Accounts/{SANDBOX_ACCOUNT_SID}/Balance.json", None),
        ("GET", "/2010-04-01/Accounts/ACnot-a-real-account.json", None),  # 404 in Twilio's shape
        ("DELETE", f"/2010-04-01/Accounts/{SANDBOX_ACCOUNT_SID}.json", None),  # 405 with Allow
        ("POST", f"/2010-04-01/Accounts/{SANDBOX_ACCOUNT_SID}/Keys.json", {"FriendlyName": "a b+c/é"}),
    ]
    async with httpx.AsyncClient(transport=transport, base_url=BASE, auth=auth) as client:
        for method, path, data in cases:
            over_httpx = await client.request(method, path, data=data, headers={"X-Twilio-Host": "api.twilio.com"})
            signed = over_httpx.request.headers["Authorization"]
            target, sent, body = request_parts(
                BASE + path,
                params=None,
                data=data,
                json_body=None,
                headers={"X-Twilio-Host": "api.twilio.com", "Authorization": signed},
            )
            answer = await transport.exchange(method, target, sent, body)
            assert answer.status_code == over_httpx.status_code, path
            mine, theirs = json.loads(answer.text), over_httpx.json()
            for volatile in ("sid", "secret", "date_created", "date_updated"):
                if mine.get(volatile) and theirs.get(volatile):  # a created key is a new one each time
                    mine[volatile] = theirs[volatile]
            assert mine == theirs, path
            assert answer.headers.get("allow") == over_httpx.headers.get("allow")


async def test_a_dropped_connection_in_an_exchange_is_the_transport_error_httpx_raises() -> None:
    sandbox = Sandbox(faults=Faults.parse("drop=1.0,seed=3"))
    client = SkillHttpClient(transport=sandbox.transport(), rewrite_base=BASE)
    from skill.gateways.http import OutcomeUnknown

    with anyio.fail_after(10), pytest.raises(OutcomeUnknown):
        await client.request(
            "POST",
            f"https://api.twilio.com/2010-04-01/Accounts/{SANDBOX_ACCOUNT_SID}/Keys.json",
            data={"FriendlyName": "dropped"},
            auth=(SANDBOX_ACCOUNT_SID, SANDBOX_AUTH_TOKEN),
        )


@pytest.mark.parametrize(
    "path",
    [
        "/2010-04-01/Accounts/AC\r\nX-Twilio-Host: evil.example.com/x.json",
        "/2010-04-01/Accounts/AC\x00\x7f.json",
        "/2010-04-01/Accounts/ACé漢字.json",
        "/2010-04-01/Accounts/%2e%2e/%2e%2e/etc/passwd",
        "/2010-04-01/Accounts/" + "A" * 100_000 + ".json",
    ],
)
async def test_a_hostile_path_reaches_the_sandbox_quoted_and_is_answered_in_twilios_shape(path: str) -> None:
    sandbox = Sandbox()
    sandbox.record_responses = True
    client = SkillHttpClient(transport=sandbox.transport(), rewrite_base=BASE)
    with anyio.fail_after(10):
        answer = await client.request(
            "GET", "https://api.twilio.com" + path, auth=(SANDBOX_ACCOUNT_SID, SANDBOX_AUTH_TOKEN)
        )
    assert answer.status_code == 404
    assert json.loads(answer.text)["code"] == 20404
    # The line break stayed inside the path: no header was added, and the host answering is Twilio's API.
    assert [served["host"] for served in sandbox.served] == ["api.twilio.com"]


async def test_a_url_of_another_host_stays_in_process_with_the_embedded_sandbox() -> None:
    sandbox = Sandbox()
    client = SkillHttpClient(transport=sandbox.transport(), rewrite_base=BASE)
    with anyio.fail_after(10):
        answer = await client.request("GET", "http://169.254.169.254/latest/meta-data/")
    # Nothing left the process: the sandbox answered, in the shape of its default host.
    assert answer.status_code == 404 and json.loads(answer.text)["code"] == 20404
