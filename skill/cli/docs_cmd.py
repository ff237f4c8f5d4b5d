"""`twilio-skill docs generate [--check]`: keep the files derived from the registry current."""

from __future__ import annotations

from pathlib import Path

import click

from skill.cli.common import fail
from skill.errors import SkillError


def default_root() -> Path:
    """The checkout that holds this package, or the working directory when installed elsewhere."""
    checkout = Path(__file__).resolve().parents[2]
    return checkout if (checkout / "pyproject.toml").is_file() else Path.cwd()


@click.group()
def docs() -> None:
    """Generated documentation: tools/*.json, tool tables in README.md and SKILL.md, manifest.json."""


@docs.command("generate")
@click.option("--check", is_flag=True, help="Write nothing; exit 1 listing the files that would change.")
@click.option(
    "--root",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    default=None,
    help="Project root (default: the checkout holding the package).",
)
def generate_cmd(check: bool, root: Path | None) -> None:
    """Regenerate every file derived from the tool registry and prompts/."""
    from skill.docs.generate import generate

    where = root or default_root()
    try:
        changed = generate(where, check=check)
    except SkillError as exc:
        fail(exc)
    if check:
        if not changed:
            click.echo("Generated files are up to date.")
            return
        click.echo("Generated files differ from the registry and prompts/:", err=True)
        for rel in changed:
            click.echo(f"  {rel}", err=True)
        click.echo("Run `twilio-skill docs generate` and commit the result.", err=True)
        raise SystemExit(1)
    click.echo(f"Updated {len(changed)} file(s)." if changed else "Nothing to update.")
    for rel in changed:
        click.echo(f"  {rel}")
