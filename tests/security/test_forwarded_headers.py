"""Forwarded headers: X-Forwarded-Proto/-Host speak for the client only from a listed proxy, and never
over a configured public URL. A signature made for another URL (another application's, or ours under
another scheme) is refused exactly where it should be."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import anyio
import httpx
import pytest
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from skill.errors import ConfigError
from skill.webhooks.app import WebhooksBeside, build_webhooks_app
from skill.webhooks.hosts import TrustedProxies
from tests.e2e.support import SERVER_EXE, child_env, free_port, run_cli, wait_for_port
from tests.security.support import (
    BASE,
    STATUS_PATH,
    STRANGER,
    form_signature,
    message_sid,
    settings_from_env,
    site,
    status_params,
)

pytestmark = pytest.mark.anyio
PROXY = "127.0.0.5"
FRONT = "front.example.com"  # the name the proxy serves the receiver under
OTHER = "other-app.example.net"  # another application's host, not ours
PUBLIC = "https://hooks.example.com/base"

URLS = {
    "direct": f"{BASE}{STATUS_PATH}",
    "direct over https": f"https://127.0.0.1:8766{STATUS_PATH}",
    "front": f"https://{FRONT}{STATUS_PATH}",
    "other app": f"https://{OTHER}{STATUS_PATH}",
    "public": f"{PUBLIC}{STATUS_PATH}",
}
FORWARDED = {
    "absent": {},
    "front": {"X-Forwarded-Proto": "https", "X-Forwarded-Host": FRONT},
    "forged to another app": {"X-Forwarded-Proto": "https", "X-Forwarded-Host": OTHER},
    "proto only": {"X-Forwarded-Proto": "https"},
}

# (public URL set, peer, forwarded headers, URL the signature was made for) -> answer
MATRIX = [
    (False, "stranger", "absent", "direct", 204),
    (False, "stranger", "absent", "front", 403),
    (False, "stranger", "front", "front", 403),
    (False, "stranger", "front", "direct", 204),
    (False, "stranger", "forged to another app", "other app", 403),
    (False, "stranger", "forged to another app", "direct", 204),
    (False, "stranger", "proto only", "direct over https", 403),
    (False, "stranger", "proto only", "direct", 204),
    (False, "proxy", "absent", "direct", 204),
    (False, "proxy", "absent", "front", 403),
    (False, "proxy", "front", "front", 204),
    (False, "proxy", "front", "direct", 403),
    (False, "proxy", "forged to another app", "other app", 421),
    (False, "proxy", "forged to another app", "direct", 421),
    (False, "proxy", "proto only", "direct over https", 204),
    (False, "proxy", "proto only", "direct", 403),
    (True, "stranger", "absent", "public", 204),
    (True, "stranger", "absent", "direct", 403),
    (True, "stranger", "front", "front", 403),
    (True, "stranger", "forged to another app", "other app", 403),
    (True, "stranger", "forged to another app", "public", 204),
    (True, "proxy", "absent", "public", 204),
    (True, "proxy", "front", "front", 403),
    (True, "proxy", "front", "public", 204),
    (True, "proxy", "forged to another app", "other app", 403),
    (True, "proxy", "forged to another app", "public", 204),
    (True, "proxy", "proto only", "direct over https", 403),
]


def receiver_env(public: bool) -> dict[str, str]:
    env = {"TWILIO_SKILL_FORWARDED_ALLOW_IPS": PROXY, "TWILIO_SKILL_WEBHOOK_ALLOWED_HOSTS": FRONT}
    return env | ({"TWILIO_SKILL_PUBLIC_URL": PUBLIC} if public else {})


@pytest.mark.parametrize(
    ("public", "peer", "forwarded", "signed_for", "answer"),
    MATRIX,
    ids=[f"public {'set' if p else 'unset'}, {peer}, forwarded {f}, signed for {u}" for p, peer, f, u, _ in MATRIX],
)
async def test_a_signature_is_accepted_only_for_the_url_this_receiver_was_called_at(
    tmp_path: Path, public: bool, peer: str, forwarded: str, signed_for: str, answer: int
) -> None:
    params = status_params(message_sid(1), "delivered")
    headers = form_signature(URLS[signed_for], params) | FORWARDED[forwarded]
    async with (
        site(tmp_path, **receiver_env(public)) as place,
        place.client(PROXY if peer == "proxy" else STRANGER) as web,
    ):
        response = await web.post(STATUS_PATH, data=params, headers=headers)
        assert response.status_code == answer, response.text
        assert len(place.events()) == (1 if answer == 204 else 0)


@pytest.mark.parametrize("peer", ["127.0.0.1", "::1", PROXY, "192.0.2.10"])
async def test_with_nothing_configured_no_peer_is_trusted_not_even_loopback(tmp_path: Path, peer: str) -> None:
    params = status_params(message_sid(2), "delivered")
    forged = form_signature(URLS["other app"], params) | FORWARDED["forged to another app"]
    https = form_signature(URLS["direct over https"], params) | FORWARDED["proto only"]
    async with site(tmp_path) as place, place.client(peer) as web:
        assert (await web.post(STATUS_PATH, data=params, headers=forged)).status_code == 403
        assert (await web.post(STATUS_PATH, data=params, headers=https)).status_code == 403
        assert place.events() == []
        assert place.receiver.stats["forbidden"] == 2


@pytest.mark.parametrize(
    ("listed", "peer", "trusted"),
    [
        ("127.0.0.0/29", "127.0.0.5", True),
        ("127.0.0.0/29", "127.0.0.9", False),
        ("127.0.0.5", "::ffff:127.0.0.5", True),
        ("::1", "::1", True),
        ("::1", "127.0.0.1", False),
        ("*", "198.51.100.7", True),
        (" 127.0.0.7 , 127.0.0.5 ", "127.0.0.5", True),
    ],
)
async def test_proxies_are_listed_as_addresses_networks_or_any(
    tmp_path: Path, listed: str, peer: str, trusted: bool
) -> None:
    params = status_params(message_sid(3), "delivered")
    headers = form_signature(URLS["front"], params) | FORWARDED["front"]
    env = {"TWILIO_SKILL_FORWARDED_ALLOW_IPS": listed, "TWILIO_SKILL_WEBHOOK_ALLOWED_HOSTS": FRONT}
    async with site(tmp_path, **env) as place, place.client(peer) as web:
        response = await web.post(STATUS_PATH, data=params, headers=headers)
        assert response.status_code == (204 if trusted else 403)


@pytest.mark.parametrize("entry", ["proxy.example.com", "127.0.0.1/33", "10.0.0.300", "127.0.0.1;rm"])
def test_a_proxy_entry_that_is_not_an_address_is_refused_when_the_receiver_is_built(tmp_path: Path, entry: str) -> None:
    with pytest.raises(ConfigError) as refused:
        TrustedProxies(["127.0.0.5", entry])
    assert refused.value.code == "config.invalid_proxy_address"
    with pytest.raises(ConfigError):
        build_webhooks_app(settings_from_env(tmp_path, TWILIO_SKILL_FORWARDED_ALLOW_IPS=entry), run_worker=False)


def test_a_public_url_that_twilio_could_not_call_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as refused:
        build_webhooks_app(settings_from_env(tmp_path, TWILIO_SKILL_PUBLIC_URL="hooks.example.com"), run_worker=False)
    assert refused.value.code == "config.invalid_public_url"


async def test_beside_the_mcp_endpoint_forwarded_headers_follow_the_same_rules(tmp_path: Path) -> None:
    other = Starlette(routes=[Route("/mcp", lambda request: PlainTextResponse("mcp"), methods=["GET"])])
    path = f"/webhooks{STATUS_PATH}"
    async with site(tmp_path, **receiver_env(False)) as place:
        app = WebhooksBeside(other, build_webhooks_app(place.settings, place.stores, run_worker=False))
        front = status_params(message_sid(4), "delivered")
        forged = status_params(message_sid(5), "delivered")
        async with place.client(STRANGER, app) as web:
            spoofed = form_signature(f"https://{FRONT}{path}", front) | FORWARDED["front"]
            assert (await web.post(path, data=front, headers=spoofed)).status_code == 403
            assert (await web.get("/mcp")).text == "mcp"
        async with place.client(PROXY, app) as web:
            assert (await web.post(path, data=front, headers=spoofed)).status_code == 204
            other_app = form_signature(f"https://{OTHER}{path}", forged) | FORWARDED["forged to another app"]
            assert (await web.post(path, data=forged, headers=other_app)).status_code == 421
        assert [event.sid for event in place.events()] == [message_sid(4)]


# --- the standalone command, under uvicorn ----------------------------------------------------


@contextmanager
def receiver_process(home: Path, log: Path, *options: str) -> Iterator[int]:
    """`twilio-skill webhooks` on a free loopback port, with options; yields the port."""
    port = free_port()
    with log.open("wb") as output:
        process = subprocess.Popen(
            [str(SERVER_EXE), "webhooks", "--port", str(port), *options],
            env=child_env(home),
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_for_port(port, process)
            yield port
        finally:
            process.terminate()
            process.wait(timeout=10)


async def post_status(port: int, n: int, signed_for: str, forwarded: dict[str, str]) -> int:
    params = status_params(message_sid(n), "delivered")
    headers = form_signature(signed_for, params) | forwarded
    with anyio.fail_after(10):
        async with httpx.AsyncClient() as web:
            response = await web.post(f"http://127.0.0.1:{port}{STATUS_PATH}", data=params, headers=headers)
    return response.status_code


async def test_the_webhooks_command_believes_no_forwarded_header_from_loopback_by_default(tmp_path: Path) -> None:
    with receiver_process(tmp_path / "home", tmp_path / "receiver.log") as port:
        own = f"127.0.0.1:{port}"
        # uvicorn would take X-Forwarded-Proto from 127.0.0.1 by itself; the command turns that off.
        assert await post_status(port, 6, f"https://{own}{STATUS_PATH}", FORWARDED["proto only"]) == 403
        assert await post_status(port, 7, URLS["other app"], FORWARDED["forged to another app"]) == 403
        assert await post_status(port, 8, f"http://{own}{STATUS_PATH}", FORWARDED["forged to another app"]) == 204
    assert "believed from: none" in (tmp_path / "receiver.log").read_text()


async def test_the_webhooks_command_believes_the_proxies_it_is_given(tmp_path: Path) -> None:
    options = ("--forwarded-allow-ips", "127.0.0.1", "--allow-host", FRONT)
    with receiver_process(tmp_path / "home", tmp_path / "receiver.log", *options) as port:
        assert await post_status(port, 9, URLS["front"], FORWARDED["front"]) == 204
        assert await post_status(port, 10, URLS["other app"], FORWARDED["forged to another app"]) == 421


def test_the_webhooks_command_refuses_a_proxy_list_it_cannot_read(tmp_path: Path) -> None:
    result = run_cli(tmp_path / "home", "webhooks", "--port", str(free_port()), "--forwarded-allow-ips", "proxy.lan")
    assert result.returncode == 1
    assert "'proxy.lan' is not an IP address or network" in result.stderr
    assert "Traceback" not in result.stderr
