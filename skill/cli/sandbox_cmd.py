"""`twilio-skill sandbox`: the embedded sandbox on its own port, for the SDK, curl or another server;
`twilio-skill sandbox inbound`: make a sandbox post an incoming SMS to a number's webhook."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from typing import TYPE_CHECKING

import click

from skill.cli.common import CliState, err, fail
from skill.cli.logs import configure_logging
from skill.config import SANDBOX_ACCOUNT_SID, SANDBOX_AUTH_TOKEN
from skill.core.display import json_text, terminal_line
from skill.errors import ConfigError, SkillError

if TYPE_CHECKING:
    from skill.sandbox.scenarios import Staged

DEFAULT_SANDBOX_PORT = 8787
INBOUND_TIMEOUT_SECONDS = 15.0
DUPLICATE_CALLBACKS_VARIABLE = "TWILIO_SKILL_SANDBOX_DUPLICATE_CALLBACKS"


def duplicate_share(environ: Mapping[str, str]) -> float:
    """The share of callbacks sent twice, from the environment (0 when unset).

    Raises:
        ConfigError: the value is not a number from 0 to 1.
    """
    raw = environ.get(DUPLICATE_CALLBACKS_VARIABLE) or "0"
    try:
        share = float(raw)
    except ValueError:
        share = -1.0
    if not 0.0 <= share <= 1.0:
        raise ConfigError(
            f"{DUPLICATE_CALLBACKS_VARIABLE} must be a number from 0 to 1, not {raw!r}.",
            code="config.sandbox_duplicate_callbacks",
            remediation=[f"Set {DUPLICATE_CALLBACKS_VARIABLE} to e.g. 0.1, or unset it."],
        )
    return share


@click.group(invoke_without_command=True)
@click.option("--port", type=click.IntRange(1, 65535), default=DEFAULT_SANDBOX_PORT, show_default=True)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option(
    "--faults",
    default=None,
    metavar="SPEC",
    help='Injected faults, e.g. "429=0.2,500=0.1,drop=0.05,slow=0.1,delay=2" (default: TWILIO_SKILL_SANDBOX_FAULTS).',
)
@click.option(
    "--duplicate-callbacks",
    type=click.FloatRange(0.0, 1.0),
    default=None,
    metavar="SHARE",
    help="Share of status callbacks sent twice, to test deduplication "
    f"(default: {DUPLICATE_CALLBACKS_VARIABLE}, else 0).",
)
@click.option(
    "--callback-host",
    "callback_hosts",
    multiple=True,
    metavar="NAME",
    help="A host status callbacks and inbound messages may be posted to, besides loopback (repeatable).",
)
@click.option(
    "--scenario",
    default=None,
    metavar="NAME",
    help="Stage an incident (a runbook's rehearsal); `--scenario list` lists them.",
)
@click.option(
    "--clock-rate",
    type=click.FloatRange(0.01, 1000),
    default=1.0,
    show_default=True,
    help="Run the sandbox clock this many times faster than real time (drills, benchmarks).",
)
@click.option("--log-level", type=click.Choice(["debug", "info", "warning", "error"]), default="info")
@click.pass_context
def sandbox(
    ctx: click.Context,
    port: int,
    host: str,
    faults: str | None,
    duplicate_callbacks: float | None,
    callback_hosts: tuple[str, ...],
    scenario: str | None,
    clock_rate: float,
    log_level: str,
) -> None:
    """Serve the Twilio-compatible sandbox over HTTP. Nothing real happens."""
    if ctx.invoked_subcommand is not None:
        return
    if scenario == "list":
        list_scenarios()
        return
    import uvicorn

    from skill.sandbox.app import Sandbox
    from skill.sandbox.faults import Faults
    from skill.sandbox.targets import is_loopback_host

    settings = ctx.ensure_object(CliState).settings(notice=False)
    spec = faults if faults is not None else settings.sandbox_faults
    try:
        parsed = Faults.parse(spec)
        share = duplicate_callbacks if duplicate_callbacks is not None else duplicate_share(os.environ)
    except SkillError as exc:
        fail(exc, exit_code=2)
    from skill.sandbox.clock import SandboxClock

    shown = f"[{host}]" if ":" in host else host
    base = f"http://{shown}:{port}"
    app = Sandbox(
        faults=parsed,
        duplicate_callbacks=share,
        callback_hosts=callback_hosts,
        hooks_base=base,
        clock=SandboxClock(rate=clock_rate),
        throughput=True,
    )
    if scenario:
        from skill.sandbox.scenarios import stage

        try:
            staged = stage(app, scenario)
        except SkillError as exc:
            fail(exc, exit_code=2)
        show_staged(scenario, staged)
    click.echo(f"Sandbox listening at {base}")
    click.echo(f"  Account SID: {SANDBOX_ACCOUNT_SID}")
    click.echo(f"  Auth token:  {SANDBOX_AUTH_TOKEN}   (public test values, not secrets)")
    click.echo("Point twilio-skill at it (with no TWILIO_ACCOUNT_SID set):")
    click.echo(f"  export TWILIO_SKILL_SANDBOX_URL={base}")
    click.echo("Or call it directly; other products' hosts go in the X-Twilio-Host header:")
    click.echo(
        f"  curl -u {SANDBOX_ACCOUNT_SID}:{SANDBOX_AUTH_TOKEN} {base}/2010-04-01/Accounts/{SANDBOX_ACCOUNT_SID}.json"
    )
    click.echo("Status callbacks are posted, signed, as messages and calls change status.")
    click.echo(f"Status callbacks and inbound messages: {app.callbacks.targets.describe()} (add with --callback-host).")
    if spec:
        click.echo(f"Injected faults: {spec}")
    if not is_loopback_host(host):
        err(
            f"twilio-skill: warning: the sandbox is bound to {host}, beyond this machine; anyone who reaches it "
            "can use its published credentials and make it post to the allowed callback hosts."
        )
    # Shown before the server blocks, also when stdout is a pipe.
    sys.stdout.flush()
    configure_logging(log_level)
    # The lifespan runs the status-callback loop.
    uvicorn.run(app, host=host, port=port, log_config=None, log_level=log_level, lifespan="on")


@sandbox.command()
@click.option("--from", "sender", required=True, metavar="PHONE", help="Who the message is from (E.164).")
@click.option("--to", required=True, metavar="PHONE", help="One of the sandbox's numbers, e.g. +15005550006.")
@click.option("--body", required=True, help="Message text, e.g. STOP.")
@click.option("--url", default=None, metavar="URL", help="Post here instead of the number's sms_url.")
@click.option(
    "--sandbox-url",
    default=None,
    metavar="URL",
    help="A running sandbox to post from (default: TWILIO_SKILL_SANDBOX_URL, else a standalone one).",
)
@click.pass_context
def inbound(ctx: click.Context, sender: str, to: str, body: str, url: str | None, sandbox_url: str | None) -> None:
    """Post an incoming SMS to a sandbox number's webhook, signed as Twilio does; print the outcome."""
    import anyio
    import httpx

    base = sandbox_url or os.environ.get("TWILIO_SKILL_SANDBOX_URL") or None
    if base:
        fields = {"From": sender, "To": to, "Body": body, **({"Url": url} if url else {})}
        try:
            response = httpx.post(f"{base.rstrip('/')}/_sandbox/inbound", data=fields, timeout=INBOUND_TIMEOUT_SECONDS)
            answer = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            err(f"twilio-skill: the sandbox at {base} did not answer as a sandbox ({type(exc).__name__}).")
            sys.exit(1)
        if response.status_code != 200:
            err(f"twilio-skill: {terminal_line(answer.get('error', response.status_code))}")
            sys.exit(1)
    else:
        from skill.sandbox.app import Sandbox
        from skill.sandbox.targets import CallbackRefused

        parent = ctx.parent.params if ctx.parent is not None else {}
        standalone = Sandbox(callback_hosts=parent.get("callback_hosts") or ())

        async def post() -> dict[str, object]:
            with anyio.fail_after(INBOUND_TIMEOUT_SECONDS):
                result = await standalone.post_inbound(sender, to, body, url)
            return result.as_dict()

        try:
            answer = anyio.run(post)
        except LookupError as exc:
            err(f"twilio-skill: {terminal_line(exc)}.")
            sys.exit(1)
        except CallbackRefused as exc:
            err(
                f"twilio-skill: {terminal_line(exc)}; {standalone.callbacks.targets.describe()} "
                "(add with --callback-host)."
            )
            sys.exit(1)
    # The webhook's answer is whatever that server wrote: invisible characters stay escaped.
    click.echo(json_text(answer))
    status = answer.get("status")
    if not isinstance(status, int) or not 200 <= status < 300:
        shown = status if status is not None else answer.get("error")
        err(f"twilio-skill: the webhook answered {terminal_line(shown)}.")
        sys.exit(1)


def list_scenarios() -> None:
    """One line per scenario: its name, the runbook it rehearses, what goes wrong."""
    from skill.sandbox.scenarios import scenarios

    for each in scenarios():
        click.echo(f"{each.name:<28} {each.runbook:<30} {each.summary}")


def show_staged(name: str, staged: Staged) -> None:
    """What a scenario seeded and the runbook arguments to rehearse it with."""
    from skill.sandbox.scenarios import get

    click.echo(f"Scenario {name} (runbook {get(name).runbook}) seeded:")
    for line in staged.seeded:
        click.echo(f"  - {terminal_line(line)}")
    click.echo("Runbook arguments:")
    for key, value in staged.arguments.items():
        click.echo(f"  {key} = {terminal_line(value)}")
