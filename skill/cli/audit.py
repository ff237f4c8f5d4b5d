"""`twilio-skill audit tail`: the latest audit entries (phone numbers are masked when recorded).

Entries hold text agents and Twilio chose (summaries, reasons, error messages): the table shows
every value through skill.core.display, so none can drive the terminal.
"""

from __future__ import annotations

import json

import click

from skill.cli.common import CliState, iso, open_stores, pass_state, wide_console
from skill.core.display import escape_text, terminal_line

DETAIL_CHARS = 2000


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
        click.echo("The audit log is empty." if not tool else f"No audit entries for {escape_text(tool)}.")
        return
    from rich.table import Table

    table = Table("time (UTC)", "event", "tool", "outcome", "approval", "operator", "detail")
    for entry in entries:
        detail = json.dumps(entry.detail, sort_keys=True, ensure_ascii=False)
        operator = entry.detail.get("operator")
        table.add_row(
            iso(entry.ts),
            escape_text(entry.event),
            escape_text(entry.tool or "-"),
            escape_text(entry.outcome),
            escape_text(entry.approval_id or "-"),
            escape_text(operator) if operator is not None else "-",
            terminal_line(detail, DETAIL_CHARS),
        )
    wide_console().print(table, soft_wrap=False)
