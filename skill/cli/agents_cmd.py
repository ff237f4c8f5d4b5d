"""`twilio-skill agents`: named bearer tokens for the agents that call tools over streamable HTTP.

Whoever can run this command can read the state database, so they administer agents. A token is
printed once, on stdout, when it is created or rotated; only its hash is kept. Each call an agent
makes is attributed to its name in the audit log and in the approval requests it opens.
"""

from __future__ import annotations

import getpass
import json
from typing import TYPE_CHECKING

import click

from skill.cli.common import CliState, err, iso, open_stores, pass_state, wide_console
from skill.core.agents import create_agent, revoke_agent, rotate_agent
from skill.core.display import escape_text

if TYPE_CHECKING:
    from skill.records.agents import AgentRecord
    from skill.stores.sqlite import Stores


def _administrator() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def _record(stores: Stores, event: str, name: str) -> None:
    stores.audit.record(event, outcome="ok", detail={"agent": name, "by": _administrator()})


def _show_token(record: AgentRecord, token: str, verb: str) -> None:
    err(f"twilio-skill: {verb} agent {escape_text(record.name)}; its token follows, shown this once.")
    click.echo(token)
    err("twilio-skill: the client sends it as 'Authorization: Bearer <token>' to the server's /mcp endpoint.")


@click.group()
def agents() -> None:
    """Create, list, rotate and revoke the bearer tokens agents use over HTTP."""


@agents.command("create")
@click.argument("name")
@pass_state
def create(state: CliState, name: str) -> None:
    """A new agent NAME and its token (printed once)."""
    with open_stores(state) as stores:
        record, token = create_agent(stores.agents, name)
        _record(stores, "agent.created", record.name)
    _show_token(record, token, "created")


@agents.command("rotate")
@click.argument("name")
@pass_state
def rotate(state: CliState, name: str) -> None:
    """A new token for NAME; the old one is refused from its next request on."""
    with open_stores(state) as stores:
        record, token = rotate_agent(stores.agents, name)
        _record(stores, "agent.rotated", record.name)
    _show_token(record, token, "rotated the token of")


@agents.command("revoke")
@click.argument("name")
@pass_state
def revoke(state: CliState, name: str) -> None:
    """End NAME's access for good: its token is refused from its next request on."""
    with open_stores(state) as stores:
        record = revoke_agent(stores.agents, name)
        _record(stores, "agent.revoked", record.name)
    click.echo(f"Revoked agent {escape_text(record.name)}.")


@agents.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@pass_state
def list_agents(state: CliState, as_json: bool) -> None:
    """Every agent, revoked ones too (never a token)."""
    with open_stores(state) as stores:
        records = stores.agents.list()
    rows = [
        {
            "name": record.name,
            "status": "active" if record.active else "revoked",
            "created_at": iso(record.created_at),
            "rotated_at": iso(record.rotated_at),
            "revoked_at": iso(record.revoked_at),
        }
        for record in records
    ]
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    if not rows:
        click.echo("No agents yet; create one with `twilio-skill agents create NAME`.")
        return
    from rich.table import Table

    table = Table("name", "status", "created (UTC)", "rotated (UTC)", "revoked (UTC)")
    for row in rows:
        table.add_row(*(escape_text(value) for value in row.values()))
    wide_console().print(table)
