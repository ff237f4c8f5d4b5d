"""`twilio-skill bulk`: bulk jobs from the terminal: list them, show one, follow one with a progress bar."""

from __future__ import annotations

import json
import re
import time
from typing import TYPE_CHECKING, Any

import click

from skill.cli.common import CliState, fail, pass_state
from skill.errors import SkillError

if TYPE_CHECKING:
    from skill.core.context import Services

FOLLOW_POLL_SECONDS = 1.0
JOB_ID = re.compile(r"BJ[0-9a-f]{32}")
_sleep = time.sleep  # between polls of --follow; a test seam


@click.group()
def bulk() -> None:
    """Bulk send jobs: list, status, follow."""


def _services(state: CliState) -> Services:
    from skill.wiring import build_services

    return build_services(state.settings())


@bulk.command("list")
@click.option("--limit", type=click.IntRange(1, 1000), default=20, show_default=True)
@pass_state
def list_jobs(state: CliState, limit: int) -> None:
    """The newest bulk jobs."""
    from skill.core.bulk_jobs import list_jobs as jobs
    from skill.core.display import terminal_line

    services = _services(state)
    try:
        for job in jobs(services, limit, None):
            click.echo(terminal_line(f"{job.sid}  {job.status:<9}  {job.total:>6} recipients  {job.created_at}"))
    finally:
        services.stores.close()


@bulk.command("status")
@click.argument("job_id")
@click.option("--follow", is_flag=True, default=False, help="Show a live progress bar until the job is done.")
@click.option("--json", "as_json", is_flag=True, default=False, help="Print the status as JSON.")
@pass_state
def status(state: CliState, job_id: str, follow: bool, as_json: bool) -> None:
    """A job's recipients by state, rate and ETA; --follow keeps a progress bar until it is done
    (exit 1 if it ends with recipients still pending)."""
    from skill.core.bulk_status import job_progress

    if not JOB_ID.fullmatch(job_id):
        raise click.BadParameter("a bulk job id is BJ followed by 32 hex digits (see `bulk list`)", param_hint="JOB_ID")
    services = _services(state)
    try:
        progress = job_progress(services, job_id)
        if follow:
            progress = _follow(services, job_id, progress)
        if as_json:
            click.echo(json.dumps(progress.model_dump(mode="json"), indent=2))
        else:
            _print(progress.model_dump(mode="json"))
        counts = progress.counts
        if follow and counts.queued + counts.sending + counts.unknown:
            raise SystemExit(1)
    except SkillError as exc:
        fail(exc)
    finally:
        services.stores.close()


def _print(data: dict[str, Any]) -> None:
    from skill.core.display import terminal_line

    counts = data["counts"]
    click.echo(terminal_line(f"{data['sid']}  {data['status']}  from {data['sender']}  {data['total']} recipients"))
    click.echo("  " + "  ".join(f"{name} {value}" for name, value in counts.items()))
    click.echo(
        f"  rate {data['rate'] or '-'} /s  eta {data['eta_seconds'] if data['eta_seconds'] is not None else '-'} s"
    )
    if data.get("held"):
        click.echo(terminal_line(f"  held: {data['held']}"))
    for item in data["last_errors"]:
        error = item["error"]
        click.echo(terminal_line(f"  {item['count']} x {error['code']} {error['title']}"))


def _follow(services: Services, job_id: str, progress: Any) -> Any:
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    from skill.core.bulk_status import FINISHED, job_progress

    columns = (
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TextColumn("{task.fields[detail]}"),
        TimeRemainingColumn(),
    )
    with Progress(*columns) as bar:
        task = bar.add_task(job_id[:12], total=progress.total, detail="")
        while True:
            counts = progress.counts
            done = counts.sent + counts.failed + counts.skipped
            rate = f"{progress.rate:g}/s" if progress.rate else "-"
            eta = f"{progress.eta_seconds}s" if progress.eta_seconds is not None else "-"
            detail = f"sent {counts.sent}  failed {counts.failed}  rate {rate}  eta {eta}"
            bar.update(task, completed=done, detail=detail)
            if progress.status in FINISHED or done >= progress.total:
                return progress
            _sleep(FOLLOW_POLL_SECONDS)
            progress = job_progress(services, job_id)
