"""`twilio-skill doctor`: where the skill stands and whether its credentials work."""

from __future__ import annotations

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


@click.command()
@pass_state
def doctor(state: CliState) -> None:
    """Check the setup: mode, account, policy, tools, credentials, catalogue.

    Exits 1 when the credentials do not work.
    """
    from skill.server.registry import all_tools, select_tools

    settings = state.settings()
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
    ]
    for label, value in lines:
        # Account names, error messages and paths come from Twilio, files and the environment.
        click.echo(f"{label:>11}: {terminal_line(value)}")
    if not ok:
        click.echo("twilio-skill: the account check failed; fix the credentials or the connection.", err=True)
        raise SystemExit(1)
