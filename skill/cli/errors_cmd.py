"""`twilio-skill errors`: explain a Twilio error code, refresh the full catalogue."""

from __future__ import annotations

from typing import Any

import click

from skill.cli.common import CliState, fail, pass_state
from skill.core.display import json_text, terminal_line
from skill.errors import SkillError, twilio_docs_url

FIELDS = ("code", "title", "meaning", "causes", "remediation", "retryable", "source")


def parse_code(raw: str) -> int:
    """21211 or twilio.21211 as the number.

    Raises:
        click.BadParameter: not a Twilio error code.
    """
    from skill.catalog import parse_code as catalog_parse_code

    try:
        return catalog_parse_code(raw)
    except SkillError as exc:
        raise click.BadParameter(f"{exc.message} Use the number, e.g. 21211.", param_hint="CODE") from None


def entry_dict(entry: object) -> dict[str, Any]:
    """The catalogue entry's fields as plain data, whatever class carries them."""
    out: dict[str, Any] = {}
    for name in FIELDS:
        value = getattr(entry, name, None)
        out[name] = list(value) if isinstance(value, tuple) else value
    return out


@click.group()
def errors() -> None:
    """The Twilio error-code catalogue."""


@errors.command("explain")
@click.argument("code")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_state
def explain(state: CliState, code: str, as_json: bool) -> None:
    """What Twilio error CODE means, its usual causes, and the steps that fix it."""
    from skill import catalog

    number = parse_code(code)
    settings = state.settings(notice=False)
    try:
        entry = catalog.explain(number, settings)
    except SkillError as exc:
        fail(exc)
    if entry is None:
        click.echo(f"twilio-skill: error {number} is not in the catalogue.", err=True)
        click.echo(f"  - Read {twilio_docs_url(number)}.", err=True)
        click.echo("  - Or refresh the full catalogue with `twilio-skill errors sync`.", err=True)
        raise SystemExit(1)
    data = entry_dict(entry)
    if as_json:
        click.echo(json_text(data))
        return
    # Entries of the downloaded catalogue are Twilio's text: every line is escaped.
    click.echo(f"{data['code']}  {terminal_line(data['title'] or '')}".rstrip())
    if data["meaning"]:
        click.echo(f"\n{terminal_line(data['meaning'])}")
    if data["causes"]:
        click.echo("\nUsual causes:")
        for cause in data["causes"]:
            click.echo(f"  - {terminal_line(cause)}")
    if data["remediation"]:
        click.echo("\nWhat to do, in order:")
        for index, step in enumerate(data["remediation"], start=1):
            click.echo(f"  {index}. {terminal_line(step)}")
    click.echo(f"\nRetryable: {'yes' if data['retryable'] else 'no'}")
    if data["source"]:
        click.echo(f"Source: {terminal_line(data['source'])}")
    click.echo(f"Docs: {twilio_docs_url(number)}")


@errors.command("sync")
@click.option("--url", default=None, help="Where to download from (default: Twilio's twilio-error-codes.json).")
@pass_state
def sync(state: CliState, url: str | None) -> None:
    """Download Twilio's full error list so every code can be explained offline."""
    from skill.catalog import sync as catalog_sync

    settings = state.settings(notice=False)
    try:
        path = catalog_sync.sync(settings, url) if url else catalog_sync.sync(settings)
    except SkillError as exc:
        fail(exc)
    click.echo(f"Error catalogue written to {path}.")
