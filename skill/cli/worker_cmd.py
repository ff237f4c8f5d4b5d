"""`twilio-skill worker`: the bulk-send worker on its own, beside or instead of the one in `serve` and
`webhooks`. Any number may run on one store; a job survives a restart of any of them."""

from __future__ import annotations

import contextlib

import click

from skill.cli.common import CliState, pass_state
from skill.cli.logs import configure_logging


@click.command()
@click.option("--batch", type=click.IntRange(1, 500), default=20, show_default=True, help="Rows claimed at a time.")
@click.option(
    "--lease-seconds",
    type=click.FloatRange(1, 3600),
    default=30.0,
    show_default=True,
    help="How long a claim holds before another worker may take its rows back.",
)
@click.option(
    "--reconcile-grace",
    type=click.FloatRange(0, 3600),
    default=60.0,
    show_default=True,
    help="How long a send of unknown outcome is looked for at Twilio before it is sent anew.",
)
@click.option(
    "--pace-rate",
    type=click.FloatRange(0.01, 1000),
    default=None,
    help="Sandbox drills: the sandbox clock's speed (its --clock-rate), so sender rates are kept on its time.",
)
@click.option("--log-level", type=click.Choice(["debug", "info", "warning", "error"]), default="info")
@pass_state
def worker(
    state: CliState, batch: int, lease_seconds: float, reconcile_grace: float, pace_rate: float | None, log_level: str
) -> None:
    """Send the queued messages of bulk jobs at each sender's rate, until stopped."""
    import anyio

    from skill.core.bulk_worker import BulkWorker, WorkerOptions
    from skill.ports.clock import ManualClock
    from skill.wiring import build_services

    configure_logging(log_level)
    settings = state.settings()
    options = WorkerOptions(batch=batch, lease_seconds=lease_seconds, reconcile_grace=reconcile_grace)

    async def main() -> None:
        services = build_services(settings)
        pace = ManualClock(frozen=False, rate=pace_rate) if pace_rate else None
        try:
            async with anyio.create_task_group() as group:
                for background in services.background:
                    group.start_soon(_hold, background)
                await BulkWorker(services, options=options, pace=pace).run()
        finally:
            await services.aclose()

    with contextlib.suppress(KeyboardInterrupt):
        anyio.run(main)


async def _hold(background: object) -> None:
    import anyio

    async with background():  # type: ignore[operator]
        await anyio.sleep_forever()
