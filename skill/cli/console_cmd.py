"""`twilio-skill console`: the operator web console for approvals and the audit log."""

from __future__ import annotations

import contextlib

import click

from skill.cli.common import CliState, err, open_stores, pass_state
from skill.cli.logs import configure_logging
from skill.cli.ports import ensure_port_free

DEFAULT_CONSOLE_PORT = 8790


@click.command()
@click.option("--port", type=click.IntRange(0, 65535), default=DEFAULT_CONSOLE_PORT, show_default=True)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option(
    "--allow-host",
    "allow_hosts",
    multiple=True,
    metavar="NAME",
    help="Another Host name to answer for (e.g. behind a proxy); repeatable.",
)
@click.option("--log-level", type=click.Choice(["debug", "info", "warning", "error"]), default="info")
@pass_state
def console(state: CliState, port: int, host: str, allow_hosts: tuple[str, ...], log_level: str) -> None:
    """Approve or deny gated calls and read the audit log in a browser; operators log in with their credentials."""
    import uvicorn

    from skill.console.app import build_console_app
    from skill.console.auth import is_loopback

    settings = state.settings()
    configure_logging(log_level, settings.secret_values())
    ensure_port_free(host, port, command="console")
    with open_stores(state) as stores:
        active = [record.name for record in stores.operators.list() if record.active]
    if not active:
        err("twilio-skill: no operators yet; create one with `twilio-skill operators create NAME` to log in.")
    if not is_loopback(host):
        err(
            f"twilio-skill: WARNING: the console listens on {host}, beyond this machine; operator credentials are "
            "its only protection. Put TLS in front (a reverse proxy) and set TWILIO_SKILL_CONSOLE_URL to its URL."
        )
    app = build_console_app(settings, host=host, allowed_hosts=allow_hosts)
    shown = f"[{host}]" if ":" in host else host
    err(f"twilio-skill: operator console at http://{shown}:{port}/login; log in with an operator credential.")
    err("twilio-skill: stop with Ctrl-C.")
    with contextlib.suppress(KeyboardInterrupt):
        # log_config=None: uvicorn's records go through our stderr handler, phone numbers masked.
        uvicorn.run(app, host=host, port=port, log_config=None, log_level=log_level, lifespan="on")
