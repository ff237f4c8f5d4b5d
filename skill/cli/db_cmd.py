"""`twilio-skill db`: the database's status, migrations, export and import (SQLite <-> PostgreSQL), and
pruning by the policy's [retention].

The database is the settings' (TWILIO_SKILL_DATABASE_URL, else the SQLite file in the home
directory) unless --database names another: a file path or a postgresql:// URL.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from skill.cli.common import CliState, err, fail, pass_state
from skill.errors import InputError, SkillError

if TYPE_CHECKING:
    from skill.stores.database import SqlDatabase


def _location(target: Path | str) -> str:
    from skill.stores.database import is_postgres_url, safe_url

    return safe_url(str(target)) if is_postgres_url(target) else str(target)


@contextmanager
def _opened(target: Path | str) -> Iterator[SqlDatabase]:
    """The database at target, migrated; SkillErrors become one-line exits."""
    from skill.stores.database import open_database

    try:
        db = open_database(target)
    except SkillError as exc:
        fail(exc)
    try:
        yield db
    except SkillError as exc:
        fail(exc)
    finally:
        db.close()


@click.group()
@click.option(
    "--database",
    "database",
    metavar="PATH|URL",
    default=None,
    help="Another database than the settings': a SQLite file or a postgresql:// URL.",
)
@click.pass_context
def db(ctx: click.Context, database: str | None) -> None:
    """The database the stores live in: status, migrate, export, import, prune."""
    ctx.meta["db_target"] = database


def _chosen(state: CliState) -> Path | str:
    chosen: str | None = click.get_current_context().meta.get("db_target")
    if chosen:
        return chosen if chosen.startswith(("postgresql://", "postgres://")) else Path(chosen)
    return state.settings(notice=False).database


@db.command("status")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_state
def status_cmd(state: CliState, as_json: bool) -> None:
    """Backend, schema version and row counts."""
    from skill.stores.transfer import status

    target = _chosen(state)
    with _opened(target) as database:
        report = status(database, _location(target))
    if as_json:
        click.echo(json.dumps(report, indent=2))
        return
    click.echo(f"backend:  {report['backend']}")
    click.echo(f"location: {report['location']}")
    click.echo(
        f"schema:   {report['schema_version']} ({report['migrations_applied']} of "
        f"{report['migrations_known']} migrations applied)"
    )
    for table, count in report["rows"].items():
        click.echo(f"  {table:<18} {count:>10}")


@db.command("migrate")
@pass_state
def migrate_cmd(state: CliState) -> None:
    """Apply pending migrations (opening the database does; this does only that, e.g. before replicas start)."""
    from skill.stores.transfer import schema_version

    target = _chosen(state)
    with _opened(target) as database:
        latest, applied = schema_version(database)
        now = list(database.applied)
    click.echo(f"{_location(target)}: schema at {latest} ({applied} migrations applied)")
    click.echo(f"applied now: {', '.join(now)}" if now else "nothing to apply")


@db.command("export")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None, help="File (new).")
@pass_state
def export_cmd(state: CliState, output: Path | None) -> None:
    """Write every table as JSON Lines (stdout, or a new file readable by its owner only)."""
    from skill.stores.transfer import export_lines

    target = _chosen(state)
    with _opened(target) as database:
        if output is None:
            for line in export_lines(database):
                sys.stdout.write(line + "\n")
            return
        try:
            # The export holds personal data (numbers, message bodies): a new file, owner only.
            descriptor = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            fail(
                InputError(
                    f"{output} exists already; an export never overwrites a file.",
                    code="input.file_exists",
                    remediation=["Name a new file, or remove the old one first."],
                )
            )
        lines = 0
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            for line in export_lines(database):
                handle.write(line + "\n")
                lines += 1
    err(f"twilio-skill: exported {lines - 1} rows to {output}")


@db.command("import")
@click.argument("source", type=click.File("r", encoding="utf-8"))
@pass_state
def import_cmd(state: CliState, source: Any) -> None:
    """Load an export (a file, or - for stdin) into an empty database, all or nothing."""
    from skill.stores.transfer import import_lines, read_lines

    target = _chosen(state)
    with _opened(target) as database:
        counts = import_lines(database, read_lines(source))
    total = sum(counts.values())
    detail = ", ".join(f"{table} {n}" for table, n in counts.items() if n)
    click.echo(f"imported {total} rows into {_location(target)}" + (f" ({detail})" if detail else ""))


@db.command("prune")
@click.option("--dry-run", is_flag=True, help="Count what would be deleted; change nothing.")
@pass_state
def prune_cmd(state: CliState, dry_run: bool) -> None:
    """Delete what the policy's [retention] keeps no longer (opt-outs are never pruned)."""
    import time

    from skill.policy.policy import load_policy
    from skill.stores.prune import prune

    settings = state.settings(notice=False)
    try:
        retention = load_policy(settings.policy_path).retention
    except SkillError as exc:
        fail(exc)
    if retention.describe() == dict.fromkeys(retention.describe()):
        err("twilio-skill: the policy has no [retention] periods; nothing is pruned.")
        return
    target = _chosen(state)
    with _opened(target) as database:
        done = prune(database, retention, time.time(), dry_run=dry_run)
    verb = "would remove" if dry_run else "removed"
    for what, count in done.items():
        click.echo(f"{verb} {count} {what.replace('_', ' ')}")
