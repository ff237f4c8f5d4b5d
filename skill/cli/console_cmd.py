"""`twilio-skill console`: the operator web console for approvals and the audit log."""

from __future__ import annotations

import contextlib

import click

from skill.cli.common import CliState, err, pass_state
from skill.cli.logs import configure_logging

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
    """Approve or deny gated calls and read the audit log in a browser, behind the operator token."""
    import uvicorn

    from skill.console.app import build_console_app
    from skill.console.auth import TOKEN_FILE, is_loopback, load_or_create_console_token

    settings = state.settings()
    token, created = load_or_create_console_token(settings.home)
    token_path = settings.home / TOKEN_FILE
    # The token is a secret too: keep it out of every log line.
    configure_logging(log_level, (*settings.secret_values(), token))
    if created:
        err(f"twilio-skill: created the console operator token (shown once; stored in {token_path}): {token}")
    else:
        err(f"twilio-skill: log in with the operator token in {token_path}")
    if not is_loopback(host):
        err(
            f"twilio-skill: WARNING: the console listens on {host}, beyond this machine; the operator token is "
            "its only protection. Put TLS in front (a reverse proxy) and set TWILIO_SKILL_CONSOLE_URL to its URL."
        )
    app = build_console_app(settings, host=host, token=token, allowed_hosts=allow_hosts)
    shown = f"[{host}]" if ":" in host else host
    err(f"twilio-skill: operator console at http://{shown}:{port}/login. Stop with Ctrl-C.")
    with contextlib.suppress(KeyboardInterrupt):
        # log_config=None: uvicorn's records go through our stderr handler, phone numbers masked.
        uvicorn.run(app, host=host, port=port, log_config=None, log_level=log_level, lifespan="on")
