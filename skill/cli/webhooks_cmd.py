"""`twilio-skill webhooks`: run the webhook receiver for Twilio and SendGrid callbacks."""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

import click

from skill.cli.common import CliState, err, fail, pass_state
from skill.cli.logs import configure_logging
from skill.config import comma_list
from skill.errors import SkillError

if TYPE_CHECKING:
    from starlette.applications import Starlette

DEFAULT_WEBHOOKS_PORT = 8766
HEALTH_PATH = "/healthz"


def callback_paths(app: Starlette) -> list[str]:
    """The paths the receiver answers Twilio and SendGrid on, read from its own routes."""
    from starlette.routing import Route

    return [route.path for route in app.routes if isinstance(route, Route) and route.path != HEALTH_PATH]


@click.command()
@click.option("--port", type=click.IntRange(0, 65535), default=DEFAULT_WEBHOOKS_PORT, show_default=True)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option(
    "--public-url",
    metavar="URL",
    default=None,
    help="Base URL Twilio calls (e.g. https://hooks.example.com); default TWILIO_SKILL_PUBLIC_URL, else the "
    "request's scheme and Host (X-Forwarded-Proto/-Host from a trusted proxy). When set, forwarded headers "
    "are ignored.",
)
@click.option(
    "--allow-host",
    "allow_hosts",
    multiple=True,
    metavar="NAME",
    help="Another Host name Twilio reaches the receiver by (repeatable; adds to "
    "TWILIO_SKILL_WEBHOOK_ALLOWED_HOSTS). Loopback names, the bound address and the public URL's host are "
    "always accepted; a request naming any other host gets 421.",
)
@click.option(
    "--forwarded-allow-ips",
    metavar="ADDRS",
    default=None,
    help="Comma-separated proxy addresses or networks (or '*') whose X-Forwarded-Proto/-Host are believed; "
    "default TWILIO_SKILL_FORWARDED_ALLOW_IPS, else none, loopback included.",
)
@click.option("--log-level", type=click.Choice(["debug", "info", "warning", "error"]), default="info")
@pass_state
def webhooks(
    state: CliState,
    port: int,
    host: str,
    public_url: str | None,
    allow_hosts: tuple[str, ...],
    forwarded_allow_ips: str | None,
    log_level: str,
) -> None:
    """Receive status callbacks, inbound messages (STOP/START/HELP) and SendGrid events."""
    import uvicorn

    from skill.webhooks.app import build_webhooks_app

    settings = state.settings()
    changes: dict[str, object] = {
        "webhook_allowed_hosts": (*settings.webhook_allowed_hosts, *comma_list(",".join(allow_hosts)))
    }
    if public_url:
        changes["public_url"] = public_url
    if forwarded_allow_ips is not None:
        changes["forwarded_allow_ips"] = comma_list(forwarded_allow_ips)
    settings = settings.with_overrides(**changes)
    configure_logging(log_level, settings.secret_values())
    base = (settings.public_url or f"http://{host}:{port}").rstrip("/")
    from skill.cli.ports import ensure_port_free

    ensure_port_free(host, port, command="webhooks")
    try:
        app = build_webhooks_app(settings, bind_host=host, bulk_worker=True)
    except SkillError as exc:
        fail(exc)
    receiver = app.state.receiver
    paths = callback_paths(app)
    err(f"twilio-skill: receiving webhooks on {host}:{port}; configure Twilio with e.g. {base}{paths[0]}")
    err("twilio-skill: routes: " + ", ".join(paths) + ". Stop with Ctrl-C.")
    names = ", ".join(sorted(receiver.urls.allowed_hosts))
    err(f"twilio-skill: accepted Host names: {names}; add others with --allow-host.")
    if settings.public_url:
        err("twilio-skill: signatures are checked against the public URL; forwarded headers are ignored.")
    else:
        err(f"twilio-skill: X-Forwarded-Proto/-Host believed from: {receiver.urls.proxies.describe()}.")
    from skill.cli.heap import settle_heap

    settle_heap()
    with contextlib.suppress(KeyboardInterrupt):
        # proxy_headers=False: the receiver alone decides whom to believe, so uvicorn must not rewrite
        # the scheme or the client address from X-Forwarded-* (it would, for 127.0.0.1, by default).
        uvicorn.run(app, host=host, port=port, log_config=None, log_level=log_level, lifespan="on", proxy_headers=False)
