"""`twilio-skill approvals`: list, watch, show, approve and deny the requests gated calls opened.

Every value an agent or Twilio supplied is printed through skill.core.display, so a summary
cannot move the cursor, clear the screen or reorder what the operator reads. Requests are
reached only through skill.cli.approval_requests.
"""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING

import click

from skill.cli import approval_requests as requests
from skill.cli.common import CliState, err, iso, open_approvals, open_stores, pass_state, wide_console
from skill.cli.operator_identity import identify_operator
from skill.core.display import escape_text, terminal_line
from skill.wiring import approval_service

if TYPE_CHECKING:
    from rich.table import Table

    from skill.records.approvals import Approval

STATUSES = ("pending", "approved", "denied", "used", "expired")
SUMMARY_CHARS = 200
# Below this many columns a table squeezes every cell; each request is printed as a short block instead.
TABLE_MIN_WIDTH = 110


def approvals_table(items: list[Approval], now: float) -> Table:
    """The list as a table whose id column is never cut: it is as wide as the longest id, and folds if it must."""
    from rich.table import Table

    table = Table()
    table.add_column("id", no_wrap=True, overflow="fold", min_width=max(len(item.id) for item in items))
    table.add_column("tool", overflow="fold")
    table.add_column("status", no_wrap=True)
    table.add_column("summary", overflow="fold")
    table.add_column("impact", overflow="fold")
    table.add_column("created (UTC)", no_wrap=True)
    table.add_column("expires", no_wrap=True)
    for item in items:
        table.add_row(
            escape_text(item.id),
            escape_text(item.tool),
            item.effective_status(now),
            terminal_line(item.summary, SUMMARY_CHARS),
            requests.short_impact(item),
            iso(item.created_at),
            requests.remaining(item, now),
        )
    return table


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
        items = requests.list_requests(service, status, limit)
        now = service.clock.now()
        shown = [service.public(item) for item in items]
    if as_json:
        click.echo(json.dumps(shown, indent=2))
        return
    if not items:
        click.echo(f"No {status or ''} approval requests.".replace("  ", " "))
        return
    console = wide_console()
    if console.width >= TABLE_MIN_WIDTH:
        console.print(approvals_table(items, now))
        return
    for index, item in enumerate(items):
        click.echo(("\n" if index else "") + "\n".join(approval_block(item, now)))


def approval_block(approval: Approval, now: float) -> list[str]:
    """One request as a few escaped lines, the id first and whole, for a narrow terminal."""
    lines = [
        f"{escape_text(approval.id)}  {approval.effective_status(now)}  {escape_text(approval.tool)}",
        f"  {terminal_line(approval.summary, SUMMARY_CHARS)}",
    ]
    impact = requests.short_impact(approval)
    if impact != "-":
        lines.append(f"  impact: {impact}")
    lines.append(f"  created {iso(approval.created_at)}, expires {requests.remaining(approval, now)}")
    return lines


def watch_line(approval: Approval, now: float) -> str:
    """One request as one escaped line, for `approvals watch`."""
    impact = requests.short_impact(approval)
    parts = [
        iso(approval.created_at),
        escape_text(approval.id),
        escape_text(approval.tool),
        terminal_line(approval.summary, SUMMARY_CHARS),
        *([f"impact: {impact}"] if impact != "-" else []),
        f"expires {requests.remaining(approval, now)}",
    ]
    return "  ".join(parts)


@approvals.command("watch")
@click.option(
    "--interval",
    type=click.FloatRange(0.2, 60.0),
    default=2.0,
    show_default=True,
    help="Seconds between looks at the store.",
)
@pass_state
def watch(state: CliState, interval: float) -> None:
    """Print pending requests, then each new one as it arrives, until Ctrl-C."""
    seen: set[str] = set()
    with open_approvals(state) as service:
        err("twilio-skill: watching for approval requests; stop with Ctrl-C.")
        try:
            while True:
                for item in requests.new_pending(service, seen):
                    click.echo(watch_line(item, service.clock.now()))
                time.sleep(interval)
        except KeyboardInterrupt:
            err("twilio-skill: stopped watching.")


@approvals.command("show")
@click.argument("approval_id")
@pass_state
def show_approval(state: CliState, approval_id: str) -> None:
    """Everything about one request: its impact and the exact arguments that would run."""
    with open_approvals(state) as service:
        approval = requests.get_request(service, approval_id)
        public = service.public(approval)
    for key, value in public.items():
        if key in ("arguments", "impact"):
            continue
        click.echo(f"{key:>12}: {escape_text(value, 2000) if value is not None else '-'}")
    view = approval.impact
    click.echo("\nImpact:")
    if view is None:
        click.echo("  (not described; read the summary and the arguments)")
    for label, value in view.rows() if view else []:
        click.echo(f"  {escape_text(label, 80)}: {escape_text(value, 500)}")
    click.echo("\nArguments:")
    arguments = public["arguments"]
    for line in json.dumps(arguments, indent=2, sort_keys=True, ensure_ascii=False).split("\n"):
        click.echo("  " + terminal_line(line))
    if public["status"] == "pending":
        click.echo(f"\nApprove: twilio-skill approvals approve {escape_text(approval.id)}")
        click.echo(f"Deny:    twilio-skill approvals deny {escape_text(approval.id)} --reason TEXT")


@approvals.command("approve")
@click.argument("approval_id")
@pass_state
def approve_request(state: CliState, approval_id: str) -> None:
    """Approve a pending request as the operator whose credential you give; the agent may then run that call once."""
    with open_stores(state) as stores:
        operator = identify_operator(stores)
        service = approval_service(stores, state.settings())
        approval = requests.decide_request(service, approval_id, approve=True, operator=operator.name)
    click.echo(
        f"Approved {escape_text(approval.id)} ({escape_text(approval.tool)}) as {escape_text(operator.name)}: "
        f"{terminal_line(approval.summary, SUMMARY_CHARS)}"
    )
    until = iso(approval.expires_at)
    click.echo(f"It runs once, when the agent repeats the call with approval_id={approval.id}, until {until}.")


@approvals.command("deny")
@click.argument("approval_id")
@click.option("--reason", required=True, help="Why; the agent is shown it.")
@pass_state
def deny_request(state: CliState, approval_id: str, reason: str) -> None:
    """Deny a pending request as the operator whose credential you give; the call will never run with it."""
    with open_stores(state) as stores:
        operator = identify_operator(stores)
        service = approval_service(stores, state.settings())
        approval = requests.decide_request(service, approval_id, approve=False, operator=operator.name, reason=reason)
    click.echo(
        f"Denied {escape_text(approval.id)} ({escape_text(approval.tool)}) as {escape_text(operator.name)}: "
        f"{terminal_line(approval.summary, SUMMARY_CHARS)}"
    )
