"""The `twilio-skill` command group.

Subcommands live in their own modules and are imported only when named, and none of them imports
mcp, twilio or phonenumbers at module level, so `twilio-skill --help` answers at once and `serve`
spends its start-up budget on the server alone.
"""

from __future__ import annotations

import importlib

import click

from skill.cli.common import CliState

# Command name -> (module under skill.cli, attribute holding the click command).
COMMANDS: dict[str, tuple[str, str]] = {
    "agents": ("agents_cmd", "agents"),
    "approvals": ("approvals", "approvals"),
    "bulk": ("bulk_cmd", "bulk"),
    "audit": ("audit", "audit"),
    "config": ("config_cmd", "config"),
    "console": ("console_cmd", "console"),
    "db": ("db_cmd", "db"),
    "docs": ("docs_cmd", "docs"),
    "doctor": ("doctor", "doctor"),
    "envs": ("envs_cmd", "envs"),
    "errors": ("errors_cmd", "errors"),
    "operators": ("operators_cmd", "operators"),
    "sandbox": ("sandbox_cmd", "sandbox"),
    "serve": ("serve", "serve"),
    "spend": ("spend_cmd", "spend"),
    "tools": ("tools_cmd", "tools"),
    "webhooks": ("webhooks_cmd", "webhooks"),
    "worker": ("worker_cmd", "worker"),
}


class LazyGroup(click.Group):
    """A group whose subcommands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module = importlib.import_module(f"skill.cli.{target[0]}")
        command = getattr(module, target[1])
        assert isinstance(command, click.Command)
        return command


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--profile", metavar="NAME", default=None, help="Twilio CLI profile to use (~/.twilio-cli/config.json).")
@click.option("--toolsets", metavar="a,b|all", default=None, help="Toolsets to enable; 'all' enables every one.")
@click.option("--tools", metavar="a,b", default=None, help="Single tools to enable beyond the toolsets.")
@click.option("--read-only", is_flag=True, default=False, help="Expose and run READ tools only.")
@click.version_option(package_name="twilio-skill", prog_name="twilio-skill")
@click.pass_context
def cli(ctx: click.Context, profile: str | None, toolsets: str | None, tools: str | None, read_only: bool) -> None:
    """Operate Twilio through an MCP server, with approval gates and an embedded sandbox."""
    ctx.obj = CliState(profile=profile, toolsets=toolsets, tools=tools, read_only=read_only)


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="twilio-skill")
