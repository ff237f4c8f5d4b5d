"""`twilio-skill config`: configuration as code from the command line, through the same tools and gates
(config_export, config_plan, config_apply) an agent calls."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from skill.cli.common import CliState, fail, pass_state
from skill.core.display import json_text, terminal_line
from skill.errors import SkillError

ENV_OPTION = click.option("--env", "account", default=None, metavar="NAME|AC...", help="Environment or account SID.")
ROLE_OPTION = click.option(
    "--role", "roles", multiple=True, metavar="ROLE=NUMBER", help="A number's role in this account (repeatable)."
)
MAX_DOCUMENT_BYTES = 1_000_000  # the tool's own bound (skill.core.config_code.MAX_DOCUMENT_CHARS)


def _call(state: CliState, name: str, args: dict[str, Any]) -> dict[str, Any]:
    """Call a fleet tool in memory; print an error result and exit 1, else return the result."""
    import anyio

    from skill.cli.tools_cmd import call_in_memory

    settings = state.settings()
    settings = settings.with_overrides(tools=(*settings.tools, name))
    try:
        is_error, payload = anyio.run(call_in_memory, settings, name, args, 120.0)
    except SkillError as exc:
        fail(exc)
    if is_error:
        click.echo(json_text(payload))
        raise SystemExit(1)
    return dict(payload)


def _document(path: Path) -> str:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise click.ClickException(f"cannot read {terminal_line(str(path))}: {exc.strerror}") from None
    if len(text.encode()) > MAX_DOCUMENT_BYTES:
        raise click.ClickException(f"{terminal_line(str(path))} is over {MAX_DOCUMENT_BYTES} bytes.")
    return text


def _base(account: str | None, roles: tuple[str, ...]) -> dict[str, Any]:
    args: dict[str, Any] = {"roles": list(roles)}
    if account:
        args["account"] = account
    return args


@click.group()
def config() -> None:
    """Export an account's configuration, plan a document against an account, apply a plan."""


@config.command("export")
@ENV_OPTION
@ROLE_OPTION
@pass_state
def export(state: CliState, account: str | None, roles: tuple[str, ...]) -> None:
    """Print the account's configuration as a JSON document."""
    payload = _call(state, "config_export", _base(account, roles))
    click.echo(json.dumps(payload["document"], indent=2, ensure_ascii=False))


@config.command("plan")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@ENV_OPTION
@ROLE_OPTION
@pass_state
def plan(state: CliState, file: Path, account: str | None, roles: tuple[str, ...]) -> None:
    """Print the changes that take the account to FILE, and the plan's digest for `config apply`."""
    payload = _call(state, "config_plan", {**_base(account, roles), "document": _document(file)})
    for change in payload["changes"]:
        fields = ", ".join(f"{f['field']}: {f['before']!r} -> {f['after']!r}" for f in change.get("fields", []))
        tool = change["tool"] or change.get("reason", "")
        extra = change.get("phone_number") or change.get("criteria") or ""
        parts = [f"{change['action']:<6} {change['kind']} {change['name']} [{tool}]", str(extra), fields]
        click.echo(terminal_line(" ".join(part for part in parts if part)))
    click.echo(f"plan_digest: {payload['plan_digest']}")


@config.command("apply")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@ENV_OPTION
@ROLE_OPTION
@click.option("--digest", "plan_digest", required=True, help="plan_digest printed by `config plan`.")
@click.option("--approval-id", default=None, help="Id of the approved request.")
@pass_state
def apply(
    state: CliState, file: Path, account: str | None, roles: tuple[str, ...], plan_digest: str, approval_id: str | None
) -> None:
    """Apply the plan of FILE, once an operator approved it; prints what was done and what was not."""
    args = {**_base(account, roles), "document": _document(file), "plan_digest": plan_digest}
    if approval_id:
        args["approval_id"] = approval_id
    payload = _call(state, "config_apply", args)
    click.echo(
        json.dumps({k: payload[k] for k in ("complete", "done", "failed", "not_done") if k in payload}, indent=2)
    )
    if not payload.get("complete"):
        raise SystemExit(1)
