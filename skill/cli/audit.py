"""`twilio-skill audit tail`: the latest audit entries (phone numbers are masked when recorded)."""

from __future__ import annotations

import json

import click

from skill.cli.common import CliState, iso, open_stores, pass_state, wide_console


@click.group()
def audit() -> None:
    """Read the audit log of tool calls and operator decisions."""


@audit.command("tail")
@click.option("-n", "--lines", "count", type=click.IntRange(1, 10000), default=20, show_default=True)
@click.option("--tool", default=None, help="Only entries for this tool.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@pass_state
def tail(state: CliState, count: int, tool: str | None, as_json: bool) -> None:
    """The last entries, oldest first."""
    with open_stores(state) as stores:
        entries = stores.audit.tail(limit=count, tool=tool)
    if as_json:
        click.echo(json.dumps([entry.public() for entry in entries], indent=2, sort_keys=True))
        return
    if not entries:
        click.echo("The audit log is empty." if not tool else f"No audit entries for {tool}.")
        return
    from rich.table import Table

    table = Table("time (UTC)", "event", "tool", "outcome", "approval", "detail")
    for entry in entries:
        detail = json.dumps(entry.detail, sort_keys=True, ensure_ascii=False)
        table.add_row(iso(entry.ts), entry.event, entry.tool or "-", entry.outcome, entry.approval_id or "-", detail)
    wide_console().print(table, soft_wrap=False)
