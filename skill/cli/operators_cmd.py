"""`twilio-skill operators`: named credentials for the people who decide approval requests.

Whoever can run this command can read the state database, so they are its administrator. A
credential is printed once, on stdout, when it is created or rotated; only its hash is kept.
"""

from __future__ import annotations

import getpass
import json
from typing import TYPE_CHECKING

import click

from skill.cli.common import CliState, err, iso, open_stores, pass_state, wide_console
from skill.core.display import escape_text
from skill.core.operators import TOKEN_ENV, create_operator, revoke_operator, rotate_operator

if TYPE_CHECKING:
    from skill.records.operators import OperatorRecord
    from skill.stores.sqlite import Stores


def _administrator() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def _record(stores: Stores, event: str, name: str) -> None:
    stores.audit.record(event, outcome="ok", detail={"operator": name, "by": _administrator()})


def _show_credential(record: OperatorRecord, credential: str, verb: str) -> None:
    err(f"twilio-skill: {verb} operator {escape_text(record.name)}; their credential follows, shown this once.")
    click.echo(credential)
    err(f"twilio-skill: they log in to the console with it, or set {TOKEN_ENV} for `approvals approve|deny`.")


@click.group()
def operators() -> None:
    """Create, list, rotate and revoke operator credentials."""


@operators.command("create")
@click.argument("name")
@pass_state
def create(state: CliState, name: str) -> None:
    """A new operator NAME and their credential (printed once)."""
    with open_stores(state) as stores:
        record, credential = create_operator(stores.operators, name)
        _record(stores, "operator.created", record.name)
    _show_credential(record, credential, "created")


@operators.command("rotate")
@click.argument("name")
@pass_state
def rotate(state: CliState, name: str) -> None:
    """A new credential for NAME; the old one is refused from now on, and its console sessions end."""
    with open_stores(state) as stores:
        record, credential = rotate_operator(stores.operators, name)
        _record(stores, "operator.rotated", record.name)
    _show_credential(record, credential, "rotated the credential of")


@operators.command("revoke")
@click.argument("name")
@pass_state
def revoke(state: CliState, name: str) -> None:
    """End NAME's access for good: their credential is refused and their console sessions end at once."""
    with open_stores(state) as stores:
        record = revoke_operator(stores.operators, name)
        _record(stores, "operator.revoked", record.name)
    click.echo(f"Revoked operator {escape_text(record.name)}.")


@operators.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@pass_state
def list_operators(state: CliState, as_json: bool) -> None:
    """Every operator, revoked ones too (never a credential)."""
    with open_stores(state) as stores:
        records = stores.operators.list()
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
        click.echo("No operators yet; create one with `twilio-skill operators create NAME`.")
        return
    from rich.table import Table

    table = Table("name", "status", "created (UTC)", "rotated (UTC)", "revoked (UTC)")
    for row in rows:
        table.add_row(*(escape_text(value) for value in row.values()))
    wide_console().print(table)
