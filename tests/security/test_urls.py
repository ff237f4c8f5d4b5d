"""A hostile agent hands the server URLs: some Twilio is meant to fetch or post to, one the server
fetches itself (webhook_probe), one the sandbox posts callbacks to. Every URL argument refuses other
schemes, hosts missing, invisible or control characters and over-long values before any request or
approval; the probe also refuses embedded credentials and every non-public address, however it is
spelled, and connects to the address it checked even when the name answers differently later."""

from __future__ import annotations

import json
import re
import socket
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
import uvicorn
from mcp import Client
from pydantic import BaseModel
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from skill.config import ALL_TOOLSETS, SANDBOX_ACCOUNT_SID, Settings
from skill.core.context import Services
from skill.core.ivr import Menu
from skill.core.urls import MAX_URL_LENGTH
from skill.sandbox.app import Sandbox
from skill.sandbox.state import make_sid
from skill.server.app import build_server
from skill.server.registry import all_tools
from skill.webhooks.app import build_webhooks_app
from skill.wiring import build_services
from tests.conftest import call
from tests.e2e.support import free_port

pytestmark = pytest.mark.anyio
NUMBER = make_sid("PN", "seed", "+15005550006")
CALL = "CA" + "1" * 32
SERVICE = "MG" + "1" * 32
SENDER = "+15005550006"
CONTACT = "+14155550100"
IVR_BASE = "https://hooks.example.com/twilio/voice/ivr"
GATED = (
    "message_send",
    "call_create",
    "call_update",
    "number_buy",
    "number_configure",
    "messaging_service_create",
    "messaging_service_update",
    "usage_trigger_create",
    "ivr_deploy",
    "webhook_probe",
)


def menu(base_url: str) -> str:
    nodes = [{"id": "start", "prompt": "Goodbye.", "action": {"kind": "hangup"}}]
    return json.dumps({"base_url": base_url, "nodes": nodes, "start": "start"})


# (tool, field, the arguments with the URL in that field); every URL argument of every tool.
URL_ARGUMENTS: list[tuple[str, str, Callable[[str], dict[str, Any]]]] = [
    (
        "message_send",
        "media_urls",
        lambda u: {"to": CONTACT, "from": SENDER, "media_urls": ["https://ok.example/a.png", u]},
    ),
    ("message_send", "status_callback", lambda u: {"to": CONTACT, "from": SENDER, "body": "hi", "status_callback": u}),
    ("call_create", "url", lambda u: {"to": CONTACT, "from": SENDER, "url": u}),
    (
        "call_create",
        "status_callback",
        lambda u: {"to": CONTACT, "from": SENDER, "twiml": "<Response><Say>Hi</Say></Response>", "status_callback": u},
    ),
    ("call_update", "url", lambda u: {"sid": CALL, "url": u}),
    ("number_buy", "sms_url", lambda u: {"phone_number": CONTACT, "sms_url": u}),
    ("number_buy", "voice_url", lambda u: {"phone_number": CONTACT, "voice_url": u}),
    ("number_configure", "sms_url", lambda u: {"sid": NUMBER, "sms_url": u}),
    ("number_configure", "voice_url", lambda u: {"sid": NUMBER, "voice_url": u}),
    ("number_configure", "status_callback", lambda u: {"sid": NUMBER, "status_callback": u}),
    ("messaging_service_create", "status_callback", lambda u: {"friendly_name": "svc", "status_callback": u}),
    ("messaging_service_create", "inbound_request_url", lambda u: {"friendly_name": "svc", "inbound_request_url": u}),
    ("messaging_service_update", "status_callback", lambda u: {"sid": SERVICE, "status_callback": u}),
    ("messaging_service_update", "inbound_request_url", lambda u: {"sid": SERVICE, "inbound_request_url": u}),
    ("messaging_service_create", "fallback_url", lambda u: {"friendly_name": "svc", "fallback_url": u}),
    ("messaging_service_update", "fallback_url", lambda u: {"sid": SERVICE, "fallback_url": u}),
    (
        "usage_trigger_create",
        "callback_url",
        lambda u: {"usage_category": "sms", "trigger_value": "100", "callback_url": u},
    ),
    ("ivr_build", "menu.base_url", lambda u: {"name": "main", "menu": menu(u)}),
    ("ivr_deploy", "menu.base_url", lambda u: {"name": "main", "menu": menu(u)}),
    ("webhook_probe", "url", lambda u: {"url": u}),
]
HOSTILE_URLS = [
    "file:///etc/passwd",
    "gopher://127.0.0.1:25/_HELO",
    "javascript:alert(1)",
    "ftp://example.com/hook",
    "//example.com/hook",
    "https:///no-host",
    "example.com/hook",
    "https://example.com/\x1b[2J\x1b[32mAPPROVED",
    "https://example.com/a\r\nX-Injected: yes",
    "https://example.com/a\nAPPROVED by security",
    "https://exa\u200bmple.com/hook",
    "https://example.com/\u202egnp.exe",
    "https://example.com/\u2066hook\u2069",
    "https://example.com/a b",
    "https://example.com/\x00",
    "https://[bad/hook",
    "https://example.com:99999/hook",
    "https://example.com/" + "a" * MAX_URL_LENGTH,
]


# Arguments that carry JSON text checked against a model: their fields are arguments too.
JSON_ARGUMENTS: dict[tuple[str, str], type[BaseModel]] = {("ivr_build", "menu"): Menu, ("ivr_deploy", "menu"): Menu}


def url_fields() -> set[tuple[str, str]]:
    """(tool, dotted field) of every input property whose name says it holds a URL, inside JSON
    arguments too."""

    def walk(schema: dict[str, Any], defs: dict[str, Any], prefix: str = "") -> Iterator[str]:
        for name, prop in schema.get("properties", {}).items():
            yield prefix + name
            for ref in [prop, *prop.get("anyOf", []), prop.get("items", {})]:
                if "$ref" in ref:
                    yield from walk(defs[ref["$ref"].rsplit("/", 1)[1]], defs, f"{prefix}{name}.")

    found = set()
    for spec in all_tools():
        schema = spec.input.model_json_schema()
        fields = list(walk(schema, schema.get("$defs", {})))
        for (tool, argument), model in JSON_ARGUMENTS.items():
            if tool == spec.name:
                inner = model.model_json_schema()
                fields += walk(inner, inner.get("$defs", {}), f"{argument}.")
        for field in fields:
            if re.search(r"url|callback$", field.rsplit(".", 1)[-1]):
                found.add((spec.name, field))
    return found


def test_every_voice_argument_holding_json_text_is_walked_for_urls() -> None:
    # twiml_build's verbs only become a document: no request is made, and linting reports their URLs.
    json_text = {
        (spec.name, name)
        for spec in all_tools()
        if spec.toolset == "voice"
        for name, prop in spec.input.model_json_schema()["properties"].items()
        if str(prop.get("description", "")).startswith("JSON")
    }
    assert json_text == {*JSON_ARGUMENTS, ("twiml_build", "verbs")}


def test_every_url_argument_of_every_tool_is_attacked_here() -> None:
    attacked = {(tool, field) for tool, field, _ in URL_ARGUMENTS} | {("webhook_signature_check", "url")}
    assert url_fields() == attacked


@pytest.fixture
async def gated(settings: Settings, sandbox: Sandbox, tmp_path: Path) -> AsyncIterator[tuple[Client, Services]]:
    """Every URL-taking tool that can wait for approval does; probes may go to any public URL."""
    policy = tmp_path / "gated.toml"
    rules = "".join(f'{name} = "approve"\n' for name in GATED)
    policy.write_text(f"[limits]\nprobe_any_url = true\n\n[tools]\n{rules}")
    gated_settings = settings.with_overrides(policy_path=policy)
    services = build_services(gated_settings, sandbox=sandbox)
    async with Client(build_server(gated_settings, services)) as connected:
        yield connected, services
    await services.aclose()


@pytest.fixture
async def prober(settings: Settings, sandbox: Sandbox, tmp_path: Path) -> AsyncIterator[tuple[Client, Services]]:
    """webhook_probe runs without approval and may go to any public URL: only the address checks stand."""
    policy = tmp_path / "probe.toml"
    policy.write_text("[limits]\nprobe_any_url = true\n")
    probe_settings = settings.with_overrides(policy_path=policy)
    services = build_services(probe_settings, sandbox=sandbox)
    async with Client(build_server(probe_settings, services)) as connected:
        yield connected, services
    await services.aclose()


@pytest.mark.parametrize(("tool", "field", "args_with"), URL_ARGUMENTS, ids=[f"{t}.{f}" for t, f, _ in URL_ARGUMENTS])
async def test_every_url_argument_refuses_hostile_urls_before_any_request_or_approval(
    gated: tuple[Client, Services], sandbox: Sandbox, tool: str, field: str, args_with: Callable[[str], dict[str, Any]]
) -> None:
    client, services = gated
    sandbox.record_responses = True
    for url in HOSTILE_URLS:
        refused = await call(client, tool, args_with(url))
        error = refused.error
        assert error["code"].startswith("input."), (url, error)
        assert error["approval"] is None and error["remediation"], url
        assert "\x1b" not in error["message"] and "\u202e" not in error["message"], url
    assert services.stores.approvals.list() == []
    assert sandbox.served == []  # nothing reached "Twilio"


@pytest.mark.parametrize(("tool", "field", "args_with"), URL_ARGUMENTS, ids=[f"{t}.{f}" for t, f, _ in URL_ARGUMENTS])
async def test_every_url_argument_still_takes_an_ordinary_https_url(
    gated: tuple[Client, Services], tool: str, field: str, args_with: Callable[[str], dict[str, Any]]
) -> None:
    client, _ = gated
    url = IVR_BASE if tool.startswith("ivr") else "https://hooks.example.com/twilio/x?a=1&b=%20"
    answered = await call(client, tool, args_with(url))
    # Past the URL checks: it runs, waits for an operator, or fails on something else (a probe
    # cannot resolve the example host offline).
    if answered.is_error:
        assert answered.error["code"] in ("policy.approval_required", "input.unresolvable_host", "twilio.20404"), (
            answered.error
        )


async def test_a_signature_check_refuses_an_over_long_url(client: Client) -> None:
    args = {"parameters": "{}", "signature": "abc", "account_sid": SANDBOX_ACCOUNT_SID}
    refused = await call(client, "webhook_signature_check", {"url": "https://e.com/" + "a" * MAX_URL_LENGTH, **args})
    assert refused.error["code"] == "input.invalid"
    fine = await call(client, "webhook_signature_check", {"url": "https://e.com/hook", **args})
    assert not fine.is_error


NOT_PUBLIC = [
    "http://10.0.0.1/hook",
    "http://172.16.0.1/hook",
    "http://192.168.0.1/hook",
    "http://169.254.169.254/latest/meta-data",
    "http://100.64.0.1/hook",
    "http://0.0.0.0/hook",
    "http://[fd00::1]/hook",
    "http://[fe80::1]/hook",
    "http://[::ffff:10.0.0.1]/hook",
    "http://[::ffff:a00:1]/hook",
    "http://167772161/hook",  # 10.0.0.1 as one number
    "http://012.0.0.1/hook",  # octal
    "http://0xa.0.0.1/hook",  # hex
    "http://10.1/hook",  # short form
    "http://internal.test/hook",  # a name that resolves to a private address
    "http://mixed.test/hook",  # one public and one private address
]


class FakeDns:
    """Fake DNS for *.test names: each name answers its list of addresses in turn (the last one from
    then on), mixed.test all of them at once; lookups are counted. Other names resolve as usual."""

    def __init__(self) -> None:
        self.answers: dict[str, list[str]] = {
            "internal.test": ["10.0.0.5"],
            "mixed.test": ["93.184.216.34", "10.0.0.5"],
        }
        self.asked: dict[str, int] = {}
        self.real = socket.getaddrinfo

    def getaddrinfo(self, host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else str(host)
        if not name.endswith(".test"):
            return self.real(host, port, *args, **kwargs)
        self.asked[name] = self.asked.get(name, 0) + 1
        found = self.answers.get(name)
        if found is None:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        turn = min(self.asked[name], len(found)) - 1
        addresses = found if name == "mixed.test" else [found[turn]]
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, int(port or 0))) for address in addresses]


@pytest.fixture
def resolver(monkeypatch: pytest.MonkeyPatch) -> FakeDns:
    dns = FakeDns()
    monkeypatch.setattr(socket, "getaddrinfo", dns.getaddrinfo)
    return dns


@pytest.mark.parametrize("url", NOT_PUBLIC)
async def test_the_probe_never_contacts_an_address_that_is_not_public(
    prober: tuple[Client, Services], gated: tuple[Client, Services], resolver: FakeDns, url: str
) -> None:
    refused = await call(prober[0], "webhook_probe", {"url": url})
    assert refused.error["code"] in ("policy.probe_address_refused", "input.unresolvable_host"), refused.error
    if not url.split("//")[1].split("/")[0].endswith(".test"):
        # An address written out is refused before an operator is even asked.
        waiting = await call(gated[0], "webhook_probe", {"url": url})
        assert waiting.error["code"] == "policy.probe_address_refused", waiting.error
        assert gated[1].stores.approvals.list() == []


@pytest.mark.parametrize(
    "url",
    ["https://user:hunter2@example.com/hook", "https://example.com@10.0.0.1/hook", "http://:hunter2@127.0.0.1/hook"],
)
async def test_the_probe_refuses_urls_that_carry_credentials(prober: tuple[Client, Services], url: str) -> None:
    client, _ = prober
    refused = await call(client, "webhook_probe", {"url": url})
    assert refused.error["code"] == "input.url_credentials"
    assert "hunter2" not in str(refused.error)


async def test_in_live_mode_the_probe_refuses_this_machine(home: Path, tmp_path: Path) -> None:
    policy = tmp_path / "any.toml"
    policy.write_text("[limits]\nprobe_any_url = true\n")
    live = Settings(
        home=home, toolsets=ALL_TOOLSETS, account_sid="AC" + "1" * 32, auth_token="t" * 32, policy_path=policy
    )
    services = build_services(live)
    try:
        async with Client(build_server(live, services)) as client:
            for url in ("http://127.0.0.1:9/hook", "http://localhost/hook", "http://[::1]/hook", "http://127.1/x"):
                refused = await call(client, "webhook_probe", {"url": url})
                assert refused.error["code"] == "policy.probe_address_refused", url
    finally:
        await services.aclose()


def receiver(services: Services) -> Any:
    # rebind.test: the name the probe is given; the receiver answers only to names it knows.
    return build_webhooks_app(
        services.settings, services.stores, tokens=services.webhook_tokens, allowed_hosts=["rebind.test"]
    )


@pytest.fixture
async def local_port(prober: tuple[Client, Services]) -> AsyncIterator[int]:
    """The webhook receiver served on a loopback port in this event loop."""
    port = free_port()
    config = uvicorn.Config(receiver(prober[1]), host="127.0.0.1", port=port, log_level="error", lifespan="off")
    server = uvicorn.Server(config)
    async with anyio.create_task_group() as group:
        group.start_soon(server.serve)
        with anyio.fail_after(10):
            while not server.started:
                await anyio.sleep(0.02)
        yield port
        server.should_exit = True


async def test_the_probe_connects_to_the_address_it_checked_when_the_name_changes_its_answer(
    prober: tuple[Client, Services], resolver: FakeDns, local_port: int
) -> None:
    client, services = prober
    # First answer loopback (allowed in the sandbox), then an unroutable private address.
    resolver.answers["rebind.test"] = ["127.0.0.1", "10.255.255.1"]
    url = f"http://rebind.test:{local_port}/twilio/sms/inbound"
    probed = await call(client, "webhook_probe", {"url": url})
    assert not probed.is_error, probed
    assert probed.data["reachable"] is True and probed.data["status"] == 200, probed.data
    assert resolver.asked["rebind.test"] == 1
    # The receiver checked the signature against the URL as named: the Host header was kept.
    (event,) = services.stores.webhook_events.list(kind="sms_inbound")
    assert event.payload["Body"] == "twilio-skill webhook probe"


class Endless:
    """A server answering with an endless body: the probe must stop reading."""

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/xml")]})
        chunk = b"<Response>" + b" " * 65536
        for _ in range(64):
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
        await send({"type": "http.response.body", "body": b"", "more_body": False})


async def test_the_probe_reads_no_more_than_a_twiml_document_can_be(prober: tuple[Client, Services]) -> None:
    client, _ = prober
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(Endless(), host="127.0.0.1", port=port, log_level="error", lifespan="off"))
    async with anyio.create_task_group() as group:
        group.start_soon(server.serve)
        with anyio.fail_after(10):
            while not server.started:
                await anyio.sleep(0.02)
        probed = await call(client, "webhook_probe", {"url": f"http://127.0.0.1:{port}/hook"})
        server.should_exit = True
    assert not probed.is_error, probed
    assert "longer than" in probed.data["problem"]


class Recorder:
    """Stands in for the network under the sandbox's poster: records where each post would connect."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []

    async def endpoint(self, request: Request) -> Response:
        return PlainTextResponse("ok")

    def transport(self) -> httpx.AsyncBaseTransport:
        inner = httpx.ASGITransport(app=Starlette(routes=[Route("/{path:path}", self.endpoint, methods=["POST"])]))
        recorder = self

        class Recording(httpx.AsyncBaseTransport):
            async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
                recorder.requests.append(request)
                return await inner.handle_async_request(request)

        return Recording()


@pytest.fixture
def recorded(sandbox: Sandbox) -> Iterator[Recorder]:
    recorder = Recorder()
    sandbox.callbacks.transport = recorder.transport()
    yield recorder


async def test_the_sandbox_posts_to_the_address_it_checked_when_the_name_changes_its_answer(
    sandbox: Sandbox, resolver: FakeDns, recorded: Recorder
) -> None:
    resolver.answers["rebind.test"] = ["127.0.0.1", "10.0.0.9"]
    result = await sandbox.callbacks.post_inbound(SENDER, SENDER, "hello", "http://rebind.test:8080/sms")
    assert result.status_code == 200
    (request,) = recorded.requests
    assert request.url.host == "127.0.0.1" and request.url.port == 8080
    assert request.headers["host"] == "rebind.test:8080"
    assert resolver.asked["rebind.test"] == 1
