"""`twilio-skill approvals`: list, show, approve and deny the requests gated calls opened."""

from __future__ import annotations

import getpass
import json
from typing import TYPE_CHECKING

import click

from skill.cli.common import CliState, iso, open_approvals, pass_state, wide_console
from skill.core.display import terminal_line

if TYPE_CHECKING:
    pass

STATUSES = ("pending", "approved", "denied", "used", "expired")


def default_operator() -> str:
    """The OS user, who is the operator unless --operator says otherwise."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "operator"


@click.group()
def approvals() -> None:
    """Approve or deny gated calls (destructive or over-limit actions)."""


@approvals.command("list")
@click.option("--status", type=click.Choice(STATUSES), default=None, help="Only requests in this status.")
@click.option("--limit", type=click.IntRange(1, 1000), default=50, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@pass_state
def list_approvals(state: CliState, status: str | None, limit: int, as_json: bool) -> None:
    """Approval requests, newest first."""
    with open_approvals(state) as service:
        items = service.list(status=status, limit=limit)
        shown = [service.public(item) for item in items]
    if as_json:
        click.echo(json.dumps(shown, indent=2))
        return
    if not items:
        click.echo(f"No {status or ''} approval requests.".replace("  ", " "))
        return
    from rich.table import Table

    table = Table("id", "tool", "status", "summary", "created (UTC)", "expires (UTC)")
    for item, public in zip(items, shown, strict=True):
        table.add_row(
            item.id,
            item.tool,
            public["status"],
            terminal_line(item.summary),
            iso(item.created_at),
            iso(item.expires_at),
        )
    wide_console().print(table)


@approvals.command("show")
@click.argument("approval_id")
@pass_state
def show_approval(state: CliState, approval_id: str) -> None:
    """Everything about one request, including the exact arguments that would run."""
    with open_approvals(state) as service:
        approval = service.get(approval_id)
        public = service.public(approval)
    for key, value in public.items():
        shown = json.dumps(value, sort_keys=True) if isinstance(value, dict | list) else value
        click.echo(f"{key:>12}: {terminal_line(shown) if shown is not None else '-'}")
    if public["status"] == "pending":
        click.echo(f"\nApprove: twilio-skill approvals approve {approval.id}")
        click.echo(f"Deny:    twilio-skill approvals deny {approval.id} --reason TEXT")


@approvals.command("approve")
@click.argument("approval_id")
@click.option("--operator", default=None, help="Who approves (default: the OS user).")
@pass_state
def approve_request(state: CliState, approval_id: str, operator: str | None) -> None:
    """Approve a pending request; the agent may then run that exact call once."""
    who = operator or default_operator()
    with open_approvals(state) as service:
        approval = service.decide(approval_id, approve=True, operator=who, via="cli")
    click.echo(f"Approved {approval.id} ({approval.tool}): {terminal_line(approval.summary)}")
    until = iso(approval.expires_at)
    click.echo(f"It runs once, when the agent repeats the call with approval_id={approval.id}, until {until}.")


@approvals.command("deny")
@click.argument("approval_id")
@click.option("--reason", required=True, help="Why; the agent is shown it.")
@click.option("--operator", default=None, help="Who denies (default: the OS user).")
@pass_state
def deny_request(state: CliState, approval_id: str, reason: str, operator: str | None) -> None:
    """Deny a pending request; the call will never run with it."""
    who = operator or default_operator()
    with open_approvals(state) as service:
        approval = service.decide(approval_id, approve=False, operator=who, reason=reason, via="cli")
    click.echo(f"Denied {approval.id} ({approval.tool}): {terminal_line(approval.summary)}")
