"""`twilio-skill webhooks`: run the webhook receiver for Twilio and SendGrid callbacks."""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

import click

from skill.cli.common import CliState, err, pass_state
from skill.cli.logs import configure_logging

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
    help="Base URL Twilio calls (e.g. https://hooks.example.com); default TWILIO_SKILL_PUBLIC_URL, "
    "else X-Forwarded-Proto/Host.",
)
@click.option("--log-level", type=click.Choice(["debug", "info", "warning", "error"]), default="info")
@pass_state
def webhooks(state: CliState, port: int, host: str, public_url: str | None, log_level: str) -> None:
    """Receive status callbacks, inbound messages (STOP/START/HELP) and SendGrid events."""
    import uvicorn

    from skill.webhooks.app import build_webhooks_app

    settings = state.settings()
    if public_url:
        settings = settings.with_overrides(public_url=public_url)
    configure_logging(log_level, settings.secret_values())
    base = (settings.public_url or f"http://{host}:{port}").rstrip("/")
    from skill.cli.ports import ensure_port_free

    ensure_port_free(host, port, command="webhooks")
    app = build_webhooks_app(settings)
    paths = callback_paths(app)
    err(f"twilio-skill: receiving webhooks on {host}:{port}; configure Twilio with e.g. {base}{paths[0]}")
    err("twilio-skill: routes: " + ", ".join(paths) + ". Stop with Ctrl-C.")
    with contextlib.suppress(KeyboardInterrupt):
        uvicorn.run(app, host=host, port=port, log_config=None, log_level=log_level, lifespan="on")
