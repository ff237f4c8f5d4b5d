"""`twilio-skill tools`: list the tools, call one in memory, and keep the tools/*.json snapshots current."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from skill.cli.common import CliState, fail, pass_state, wide_console
from skill.core.display import json_text, terminal_line
from skill.errors import SkillError

if TYPE_CHECKING:
    from skill.config import Settings


@click.group()
def tools() -> None:
    """Inspect and call the MCP tools."""


@tools.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@pass_state
def list_tools(state: CliState, as_json: bool) -> None:
    """The tools a server started with the same options would list."""
    from skill.server.registry import enabled_tools

    settings = state.settings()
    try:
        specs = enabled_tools(settings.toolsets, settings.tools, settings.read_only)
    except SkillError as exc:
        fail(exc)
    rows = [{"name": s.name, "toolset": s.toolset, "tier": s.tier.value, "title": s.title} for s in specs]
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    from rich.table import Table

    table = Table(
        "name", "toolset", "tier", "title", caption=f"{len(rows)} tools; toolsets: {','.join(settings.toolsets)}"
    )
    for row in rows:
        table.add_row(row["name"], row["toolset"], row["tier"], row["title"])
    wide_console().print(table)


@tools.command("show")
@click.argument("name")
@pass_state
def show_tool(state: CliState, name: str) -> None:
    """One tool as a model sees it: name, description and input schema, and its tier and toolset."""
    from skill.policy.policy import load_policy
    from skill.server.registry import all_tools
    from skill.server.schemas import input_schema

    settings = state.settings(notice=False)
    spec = next((spec for spec in all_tools() if spec.name == name), None)
    if spec is None:
        fail(
            SkillError(
                f"No tool is named {terminal_line(name, 64)!r}.",
                code="input.unknown_tool",
                remediation=["`twilio-skill --toolsets all tools list` shows every tool."],
            )
        )
    try:
        policy = load_policy(settings.policy_path)
    except SkillError as exc:
        fail(exc)
    shown = {"name": spec.name, "description": spec.description, "inputSchema": input_schema(spec, policy)}
    click.echo(f"{spec.name}: {spec.tier.value} tool in the {spec.toolset} toolset")
    click.echo(json_text(shown))


def parse_args_option(raw: str) -> dict[str, Any]:
    """The --args value as a JSON object.

    Raises:
        click.BadParameter: not JSON, or not an object.
    """
    try:
        value = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise click.BadParameter(f"not valid JSON ({exc.msg} at column {exc.colno}).", param_hint="--args") from None
    if not isinstance(value, dict):
        raise click.BadParameter('must be a JSON object, e.g. \'{"sid": "PN..."}\'.', param_hint="--args")
    return value


async def call_in_memory(settings: Settings, name: str, args: dict[str, Any], timeout: float) -> tuple[bool, Any]:
    """Call one tool through the MCP server in this process; (is_error, structured result)."""
    import anyio
    from mcp import Client

    from skill.server.app import build_server

    async with Client(build_server(settings)) as client:
        with anyio.fail_after(timeout):
            result = await client.call_tool(name, args)
    if result.structured_content is not None:
        return bool(result.is_error), result.structured_content
    texts = [getattr(block, "text", "") for block in result.content]
    return bool(result.is_error), {"content": texts}


@tools.command("call")
@click.argument("name")
@click.option("--args", "raw_args", default="{}", show_default=True, metavar="JSON", help="Arguments as a JSON object.")
@click.option("--approval-id", default=None, help="Id of an approved request, for a gated call.")
@click.option("--timeout", type=click.FloatRange(1, 600), default=60.0, show_default=True, help="Seconds.")
@pass_state
def call_tool(state: CliState, name: str, raw_args: str, approval_id: str | None, timeout: float) -> None:
    """Call tool NAME through the server in memory and print its result as JSON (exit 1 on an error result)."""
    import anyio

    args = parse_args_option(raw_args)
    if approval_id:
        args["approval_id"] = approval_id
    settings = state.settings()
    try:
        is_error, payload = anyio.run(call_in_memory, settings, name, args, timeout)
    except SkillError as exc:
        fail(exc)
    except TimeoutError:
        click.echo(f"twilio-skill: {terminal_line(name)} did not answer within {timeout:g} s.", err=True)
        raise SystemExit(1) from None
    # The result carries what the agent and Twilio wrote: invisible characters stay escaped.
    click.echo(json_text(payload))
    if is_error:
        raise SystemExit(1)


def snapshot_changes(directory: Path) -> tuple[dict[str, str], list[str], list[str]]:
    """(files to write with their new text, of which those that are new, stale files to remove)."""
    from skill.server.registry import all_tools
    from skill.server.schemas import tool_document_text

    expected = {f"{spec.name}.json": tool_document_text(spec) for spec in all_tools()}
    present = {path.name for path in directory.glob("*.json")} if directory.is_dir() else set()
    to_write = {
        name: text
        for name, text in expected.items()
        if name not in present or (directory / name).read_text(encoding="utf-8") != text
    }
    added = sorted(name for name in to_write if name not in present)
    stale = sorted(present - set(expected))
    return to_write, added, stale


@tools.command("snapshot")
@click.option("--check", is_flag=True, help="Write nothing; exit 1 listing the files that would change.")
@click.option(
    "--dir", "directory", type=click.Path(file_okay=False, path_type=Path), default=Path("tools"), show_default=True
)
def snapshot(check: bool, directory: Path) -> None:
    """Write tools/<name>.json for every tool in the registry (all toolsets) and remove stale ones."""
    to_write, added, stale = snapshot_changes(directory)
    if check:
        if not to_write and not stale:
            click.echo(f"Tool snapshots in {directory} are up to date.")
            return
        click.echo(f"Tool snapshots in {directory} differ from the registry:", err=True)
        for name in sorted(to_write):
            click.echo(f"  {'missing' if name in added else 'changed'}  {directory / name}", err=True)
        for name in stale:
            click.echo(f"  stale    {directory / name}", err=True)
        click.echo("Run `twilio-skill tools snapshot` and commit the result.", err=True)
        raise SystemExit(1)
    directory.mkdir(parents=True, exist_ok=True)
    for name, text in to_write.items():
        (directory / name).write_text(text, encoding="utf-8")
    for name in stale:
        (directory / name).unlink()
    click.echo(f"Wrote {len(to_write)} and removed {len(stale)} snapshot(s) in {directory}.")
