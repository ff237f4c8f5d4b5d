"""`twilio-skill doctor`: where the skill stands and whether its credentials work."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import click

from skill.cli.common import CliState, mask_sid, pass_state
from skill.config import SANDBOX_ACCOUNT_SID, Settings
from skill.core.display import terminal_line
from skill.errors import SkillError


def policy_source(settings: Settings) -> str:
    """Where the policy comes from, or why it cannot be loaded."""
    from skill.policy.policy import load_policy

    try:
        return load_policy(settings.policy_path).source
    except SkillError as exc:
        return f"UNUSABLE: {exc.message}"


def catalogue_status(settings: Settings) -> str:
    """How many codes are curated, and whether Twilio's full list has been downloaded."""
    from skill.catalog import full
    from skill.catalog.curated import CURATED

    curated = f"{len(CURATED)} curated codes"
    path = full.catalogue_path(settings)
    if path is None:
        return f"{curated}; Twilio's full list not downloaded (run `twilio-skill errors sync`)"
    try:
        entries = full.load(path)
    except SkillError as exc:
        return f"{curated}; UNUSABLE full list: {exc.message}"
    return f"{curated}; Twilio's full list: {len(entries)} codes ({path})"


def notify_status(settings: Settings) -> str:
    """The [notify] targets, and the last delivery that failed for each (from the audit log)."""
    from skill.policy.policy import load_policy
    from skill.records.audit import AuditFilter
    from skill.wiring import open_stores

    try:
        targets = load_policy(settings.policy_path).notify.targets
    except SkillError:
        return "unknown (the policy cannot be loaded)"
    if not targets:
        return "no targets (add [notify] to the policy to hear of approval requests)"
    stores = open_stores(settings)
    try:
        failed = stores.audit.search(AuditFilter(event="notify.failed"), limit=200)
        delivered = stores.audit.search(AuditFilter(event="notify.delivered"), limit=200)
    finally:
        stores.close()
    parts = []
    for target in targets:
        last_failure = next((entry for entry in failed if entry.detail.get("target") == target.name), None)
        last_success = next((entry for entry in delivered if entry.detail.get("target") == target.name), None)
        if last_failure is not None and (last_success is None or last_success.id < last_failure.id):
            when = datetime.fromtimestamp(last_failure.ts, UTC).isoformat(timespec="seconds")
            parts.append(f"{target.name} ({target.kind}) FAILING since {when}: {last_failure.detail.get('error')}")
        else:
            parts.append(f"{target.name} ({target.kind}) ok" if last_success else f"{target.name} ({target.kind})")
    return "; ".join(parts)


def check_credentials(settings: Settings) -> tuple[bool, str]:
    """Call account_get through the server in memory: (worked, what to show)."""
    import anyio

    from skill.cli.tools_cmd import call_in_memory

    # account_get lives in the accounts toolset; check with it enabled whatever --toolsets says.
    probe = settings.with_overrides(toolsets=("accounts",), read_only=True)
    try:
        is_error, payload = anyio.run(call_in_memory, probe, "account_get", {}, 30.0)
    except SkillError as exc:
        return False, f"{exc.code}: {exc.message}"
    except TimeoutError:
        return False, "no answer within 30 s"
    if is_error:
        error: dict[str, Any] = payload.get("error") or {}
        return False, f"{error.get('code', 'error')}: {error.get('message', '')}".strip()
    account = f"{payload.get('friendly_name') or mask_sid(payload.get('sid'))}, {payload.get('kind') or '?'}"
    return True, f"ok ({account}, status {payload.get('status') or '?'})"


def scenario_lines(name: str) -> list[str]:
    """What staging the scenario seeds into a fresh sandbox, and the runbook arguments it gives."""
    from skill.sandbox.app import Sandbox
    from skill.sandbox.scenarios import get, stage

    scenario = get(name)
    staged = stage(Sandbox(), name)
    lines = [f"scenario {scenario.name}: {scenario.summary}", f"  runbook: {scenario.runbook}", "  seeded:"]
    lines += [f"    - {line}" for line in staged.seeded]
    lines.append("  runbook arguments:")
    lines += [f"    {key} = {value}" for key, value in staged.arguments.items()]
    return lines


@click.command()
@click.option("--scenario", default=None, metavar="NAME", help="Also show what this sandbox scenario seeds.")
@pass_state
def doctor(state: CliState, scenario: str | None) -> None:
    """Check the setup: mode, account, policy, tools, credentials, catalogue, notification targets.

    Exits 1 when the credentials do not work, 2 for an unknown scenario.
    """
    from skill.cli.common import fail
    from skill.cli.serve import with_scenario
    from skill.server.registry import all_tools, select_tools

    settings = state.settings()
    try:
        settings = with_scenario(settings, scenario)
        staged = scenario_lines(settings.sandbox_scenario) if settings.sandbox_scenario else []
    except SkillError as exc:
        fail(exc, exit_code=2)
    account = SANDBOX_ACCOUNT_SID if settings.mode == "sandbox" else settings.account_sid
    tools = select_tools(all_tools(), settings.toolsets, settings.read_only)
    where = "embedded" if not settings.sandbox_url else settings.sandbox_url
    ok, credentials = check_credentials(settings)
    lines = [
        ("mode", settings.mode if settings.mode == "live" else f"sandbox ({where})"),
        ("account", mask_sid(account)),
        ("profile", settings.profile_name),
        ("home", str(settings.home)),
        ("policy", policy_source(settings)),
        ("toolsets", ",".join(settings.toolsets) + (" (read-only)" if settings.read_only else "")),
        ("tools", str(len(tools))),
        ("credentials", credentials),
        ("catalogue", catalogue_status(settings)),
        ("notify", notify_status(settings)),
    ]
    for label, value in lines:
        # Account names, error messages and paths come from Twilio, files and the environment.
        click.echo(f"{label:>11}: {terminal_line(value)}")
    for line in staged:
        click.echo(terminal_line(line))
    if not ok:
        click.echo("twilio-skill: the account check failed; fix the credentials or the connection.", err=True)
        raise SystemExit(1)
