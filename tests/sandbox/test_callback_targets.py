"""The sandbox posts only where it may: loopback, hosts an operator named, and (embedded in a server)
public addresses; never private or link-local ranges. The inbound route reports status and timing,
never what the other server answered."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import anyio
import httpx
import pytest
from mcp import Client
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from skill.config import Settings
from skill.sandbox.app import Sandbox
from skill.sandbox.targets import CallbackRefused, CallbackTargets, is_loopback_host
from tests.conftest import call

pytestmark = pytest.mark.anyio
SENDER = "+15005550006"
WAIT = 10
PRIVATE = (
    "http://10.0.0.7/hook",
    "http://192.168.1.20:8080/hook",
    "http://172.16.5.5/hook",
    "http://169.254.169.254/latest/meta-data",
    "http://[::ffff:10.0.0.7]/hook",
    "http://[fd00::1]/hook",
    "http://0.0.0.0/hook",
)


class Catcher:
    """A stand-in server: records each post and answers with a page it would rather keep to itself."""

    def __init__(self) -> None:
        self.posts: list[str] = []

    async def endpoint(self, request: Request) -> Response:
        self.posts.append(str(request.url))
        return PlainTextResponse("private page: s3cr3t", status_code=200)

    def transport(self) -> httpx.ASGITransport:
        return httpx.ASGITransport(app=Starlette(routes=[Route("/{path:path}", self.endpoint, methods=["POST"])]))


@pytest.fixture
def catcher(sandbox: Sandbox) -> Catcher:
    caught = Catcher()
    sandbox.callbacks.transport = caught.transport()
    return caught


@pytest.fixture
async def http(sandbox: Sandbox) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=sandbox.transport(), base_url="http://sandbox") as client:
        yield client


@pytest.mark.parametrize("url", PRIVATE)
async def test_private_and_link_local_targets_are_refused_even_for_the_embedded_sandbox(url: str) -> None:
    for targets in (CallbackTargets(), CallbackTargets(allow_global=True)):
        with pytest.raises(CallbackRefused):
            await targets.check(url)


async def test_loopback_named_hosts_and_for_the_embedded_sandbox_public_addresses_are_allowed() -> None:
    standalone = CallbackTargets.of(["hooks.internal"])
    for url in ("http://127.0.0.1:9/hook", "http://[::1]/hook", "http://localhost/x", "https://hooks.internal/x"):
        await standalone.check(url)
    with pytest.raises(CallbackRefused):
        await standalone.check("https://93.184.216.34/hook")
    await CallbackTargets(allow_global=True).check("https://93.184.216.34/hook")
    for url in ("file:///etc/passwd", "gopher://127.0.0.1/", "http:///nohost"):
        with pytest.raises(CallbackRefused):
            await standalone.check(url)


async def test_a_name_that_does_not_resolve_is_refused_within_the_bound() -> None:
    with anyio.fail_after(WAIT):
        with pytest.raises(CallbackRefused):
            await CallbackTargets(resolve_timeout=2.0).check("http://nowhere.invalid/hook")


def test_the_embedded_sandbox_may_post_to_public_addresses_and_a_standalone_one_only_to_loopback(
    tmp_path: Path,
) -> None:
    assert Sandbox.from_settings(Settings(home=tmp_path)).callbacks.targets.allow_global
    assert not Sandbox().callbacks.targets.allow_global
    assert is_loopback_host("127.0.0.1") and is_loopback_host("::1") and not is_loopback_host("0.0.0.0")


async def test_inbound_to_a_private_address_is_refused_and_nothing_is_posted(
    http: httpx.AsyncClient, catcher: Catcher
) -> None:
    fields = {"From": "+14155550123", "To": SENDER, "Body": "hi", "Url": "http://169.254.169.254/latest"}
    response = await http.post("/_sandbox/inbound", data=fields)
    assert response.status_code == 403
    assert "does not post to" in response.json()["error"]
    assert catcher.posts == []


async def test_inbound_reports_status_and_timing_but_never_the_answer_body(
    http: httpx.AsyncClient, catcher: Catcher
) -> None:
    fields = {"From": "+14155550123", "To": SENDER, "Body": "hi", "Url": "http://127.0.0.1:9/inbound"}
    response = await http.post("/_sandbox/inbound", data=fields)
    answer = response.json()
    assert response.status_code == 200 and answer["status"] == 200
    assert isinstance(answer["elapsed_ms"], int)
    assert "body" not in answer and "s3cr3t" not in response.text
    assert catcher.posts == ["http://127.0.0.1:9/inbound"]


async def test_a_status_callback_to_a_private_address_is_dropped_without_retries(
    client: Client, sandbox: Sandbox, catcher: Catcher
) -> None:
    sent = await call(
        client, "message_send", {"to": "+14155550100", "from": SENDER, "body": "hi", "status_callback": PRIVATE[0]}
    )
    assert not sent.is_error, sent
    sandbox.clock.advance(1.5)
    with anyio.fail_after(WAIT):
        made = await sandbox.deliver_due_callbacks()
    assert [(d.refused, d.status_code) for d in made] == [(True, None)]
    sandbox.clock.advance(30)
    with anyio.fail_after(WAIT):
        later = await sandbox.deliver_due_callbacks()
    assert all(d.refused for d in later)
    assert [d.key for d in later] == [f"{sent.data['sid']}:delivered"]
    assert sandbox.callbacks.pending == [] and catcher.posts == []


@pytest.mark.parametrize(
    "url", ["http://[bad/hook", "http://e.com:99999/x", "http://x\u202eevil.example/hook", "http://a..b\x1b.example/"]
)
async def test_a_url_that_cannot_be_read_or_encoded_is_refused_not_a_crash(url: str) -> None:
    with pytest.raises(CallbackRefused):
        await CallbackTargets(allow_global=True).check(url)
