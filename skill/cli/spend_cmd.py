"""`twilio-skill spend`: spend so far against the policy's caps, and past days reconciled with Twilio's usage."""

from __future__ import annotations

import json
from datetime import date
from typing import TYPE_CHECKING, Any

import click

from skill.cli.common import CliState, fail, pass_state
from skill.errors import SkillError

if TYPE_CHECKING:
    from skill.core.context import Services
    from skill.records.pricing import Reconciled


def _amount(value: Any, currency: str | None) -> str:
    from decimal import Decimal

    from skill.core.pricing import money

    return f"{money(Decimal(str(value)))} {currency or ''}".strip() if value is not None else "no cap"


async def _status(services: Services) -> dict[str, Any]:
    from skill.core.spend import spend_status

    status = await spend_status(services)
    return {
        "day": status.totals.day,
        "currency": status.currency,
        "today": str(status.totals.today),
        "this_month": str(status.totals.month),
        "spend_per_day": str(status.per_day) if status.per_day is not None else None,
        "spend_per_month": str(status.per_month) if status.per_month is not None else None,
    }


async def _reconcile(services: Services, days: tuple[date, ...], back: int) -> list[Reconciled]:
    from skill.core.spend import reconcile_day, reconcile_recent

    if days:
        return [await reconcile_day(services, day) for day in sorted(set(days))]
    return await reconcile_recent(services, back)


def _run(state: CliState, work: Any, *args: Any) -> Any:
    """Run `work(services, *args)` on services built from the settings; SkillErrors become one-line exits."""
    import anyio

    from skill.wiring import build_services

    async def main() -> Any:
        services = build_services(state.settings())
        try:
            with anyio.fail_after(120):
                return await work(services, *args)
        finally:
            await services.aclose()

    try:
        return anyio.run(main)
    except SkillError as exc:
        fail(exc)


@click.group()
def spend() -> None:
    """Estimated spend of SEND calls against [limits] spend_per_day and spend_per_month."""


@spend.command("show")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_state
def show(state: CliState, as_json: bool) -> None:
    """Today's and this month's spend (UTC) and the caps, in the account's currency."""
    status = _run(state, _status)
    if as_json:
        click.echo(json.dumps(status, indent=2))
        return
    currency = status["currency"]
    click.echo(f"      today: {_amount(status['today'], currency)} ({status['day']}, UTC)")
    click.echo(f" this month: {_amount(status['this_month'], currency)}")
    click.echo(f"  daily cap: {_amount(status['spend_per_day'], currency)}")
    click.echo(f"monthly cap: {_amount(status['spend_per_month'], currency)}")


@spend.command("reconcile")
@click.option("--day", "days", multiple=True, type=click.DateTime(formats=["%Y-%m-%d"]), help="A past UTC day.")
@click.option("--days", "back", default=1, show_default=True, type=click.IntRange(1, 62), help="Days before today.")
@pass_state
def reconcile(state: CliState, days: tuple[Any, ...], back: int) -> None:
    """Replace the estimated spend of past days with what Twilio's usage records bill for them.

    Without --day, reconciles the --days days before today (yesterday by default).
    """
    done = _run(state, _reconcile, tuple(day.date() for day in days), back)
    for item in done:
        click.echo(
            f"{item.day}: estimated {_amount(item.estimated, item.currency)}, "
            f"billed {_amount(item.billed, item.currency)}; the billed amount now counts"
        )
