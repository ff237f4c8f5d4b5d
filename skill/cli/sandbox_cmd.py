"""`twilio-skill sandbox`: the embedded sandbox on its own port, for the SDK, curl or another server."""

from __future__ import annotations

import os
import sys

import click

from skill.cli.common import fail
from skill.cli.logs import configure_logging
from skill.config import SANDBOX_ACCOUNT_SID, SANDBOX_AUTH_TOKEN
from skill.errors import SkillError

DEFAULT_SANDBOX_PORT = 8787


@click.command()
@click.option("--port", type=click.IntRange(1, 65535), default=DEFAULT_SANDBOX_PORT, show_default=True)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option(
    "--faults",
    default=None,
    metavar="SPEC",
    help='Injected faults, e.g. "429=0.2,500=0.1,slow=0.1,delay=2" (default: TWILIO_SKILL_SANDBOX_FAULTS).',
)
@click.option("--log-level", type=click.Choice(["debug", "info", "warning", "error"]), default="info")
def sandbox(port: int, host: str, faults: str | None, log_level: str) -> None:
    """Serve the Twilio-compatible sandbox over HTTP. Nothing real happens."""
    import uvicorn

    from skill.sandbox.app import Sandbox
    from skill.sandbox.faults import Faults

    try:
        parsed = Faults.parse(faults if faults is not None else os.environ.get("TWILIO_SKILL_SANDBOX_FAULTS"))
    except SkillError as exc:
        fail(exc, exit_code=2)
    app = Sandbox(faults=parsed)
    shown = f"[{host}]" if ":" in host else host
    base = f"http://{shown}:{port}"
    click.echo(f"Sandbox listening at {base}")
    click.echo(f"  Account SID: {SANDBOX_ACCOUNT_SID}")
    click.echo(f"  Auth token:  {SANDBOX_AUTH_TOKEN}   (public test values, not secrets)")
    click.echo("Point twilio-skill at it (with no TWILIO_ACCOUNT_SID set):")
    click.echo(f"  export TWILIO_SKILL_SANDBOX_URL={base}")
    click.echo("Or call it directly; other products' hosts go in the X-Twilio-Host header:")
    click.echo(
        f"  curl -u {SANDBOX_ACCOUNT_SID}:{SANDBOX_AUTH_TOKEN} {base}/2010-04-01/Accounts/{SANDBOX_ACCOUNT_SID}.json"
    )
    if faults:
        click.echo(f"Injected faults: {faults}")
    # Shown before the server blocks, also when stdout is a pipe.
    sys.stdout.flush()
    configure_logging(log_level)
    # The sandbox app has no startup or shutdown work, so the lifespan protocol is off.
    uvicorn.run(app, host=host, port=port, log_config=None, log_level=log_level, lifespan="off")
