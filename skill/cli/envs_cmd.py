"""`twilio-skill envs`: the named environments (accounts) the skill may act on, and whether each answers."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import click

from skill.cli.common import CliState, fail, pass_state
from skill.core.display import terminal_line
from skill.errors import SkillError

if TYPE_CHECKING:
    from skill.core.context import Services


def _rows(state: CliState) -> list[dict[str, Any]]:
    import anyio

    from skill.core.environments import check_environments
    from skill.wiring import build_services

    async def main() -> list[dict[str, Any]]:
        services: Services = build_services(state.settings())
        try:
            with anyio.fail_after(120):
                return await check_environments(services)
        finally:
            await services.aclose()

    try:
        return anyio.run(main)
    except SkillError as exc:
        fail(exc)


@click.group()
def envs() -> None:
    """Named environments: [environments.NAME] in the policy file (in sandbox mode: prod, staging, dev)."""


@envs.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_state
def list_envs(state: CliState, as_json: bool) -> None:
    """Each environment's account, status, and whether API v2010 (parent credentials) and the product
    APIs (its own key) answer for it. Exits 1 when one does not."""
    rows = _rows(state)
    if as_json:
        click.echo(json.dumps(rows, indent=2))
    elif not rows:
        click.echo('No environments: add [environments.NAME] account_sid = "AC..." to the policy file.')
    for row in [] if as_json else rows:
        extras = ", ".join(part for part in ("overlay" if row["overlay"] else "", row["api_key"] or "") if part)
        click.echo(f"{row['name']}: {row['account_sid']} {row['status'] or '?'}" + (f" ({extras})" if extras else ""))
        click.echo(f"  api: {terminal_line(row['api'])}")
        click.echo(f"  products: {terminal_line(row['products'])}")
    if any(row["api"] != "ok" or row["products"] != "ok" for row in rows):
        raise SystemExit(1)
