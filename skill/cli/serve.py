"""`twilio-skill serve`: the MCP server over stdio (default) or streamable HTTP."""

from __future__ import annotations

import click

from skill.cli.common import CliState, err, fail, pass_state
from skill.cli.logs import configure_logging
from skill.config import Settings
from skill.errors import InputError, SkillError

DEFAULT_HTTP_PORT = 8765


@click.command()
@click.option("--transport", type=click.Choice(["stdio", "http"]), default="stdio", show_default=True)
@click.option("--host", default="127.0.0.1", show_default=True, help="HTTP: address to bind.")
@click.option("--port", type=click.IntRange(1, 65535), default=DEFAULT_HTTP_PORT, show_default=True)
@click.option(
    "--allow-host",
    "allow_hosts",
    multiple=True,
    metavar="NAME",
    help="HTTP: another host name clients use to reach this server (DNS-rebinding allow-list).",
)
@click.option(
    "--stateless",
    is_flag=True,
    help="HTTP: no sessions, each request stands alone, so replicas on one database can share the load "
    "(no resource subscriptions).",
)
@click.option(
    "--scenario",
    default=None,
    metavar="NAME",
    help="Stage an incident in the embedded sandbox (default: TWILIO_SKILL_SANDBOX_SCENARIO); "
    "`twilio-skill sandbox --scenario list` lists them.",
)
@click.option("--log-level", type=click.Choice(["debug", "info", "warning", "error"]), default="info")
@pass_state
def serve(
    state: CliState,
    transport: str,
    host: str,
    port: int,
    allow_hosts: tuple[str, ...],
    stateless: bool,
    scenario: str | None,
    log_level: str,
) -> None:
    """Run the MCP server. Logs go to stderr; in stdio mode stdout is the MCP channel."""
    settings = state.settings()
    try:
        settings = with_scenario(settings, scenario)
    except SkillError as exc:
        fail(exc, exit_code=2)
    configure_logging(log_level, settings.secret_values())
    if stateless and transport != "http":
        fail(
            InputError(
                "--stateless applies to --transport http only.",
                code="input.invalid",
                remediation=["Add --transport http, or leave out --stateless."],
            )
        )
    try:
        if transport == "stdio":
            run_stdio(settings)
        else:
            run_http(settings, host=host, port=port, allow_hosts=allow_hosts, log_level=log_level, stateless=stateless)
    except SkillError as exc:
        fail(exc)
    except KeyboardInterrupt:
        pass


def with_scenario(settings: Settings, scenario: str | None) -> Settings:
    """The settings with the scenario to stage (the option over the environment), checked.

    Raises:
        ConfigError: the scenario is unknown, or there is no embedded sandbox to stage it in.
    """
    name = scenario or settings.sandbox_scenario
    if not name:
        return settings
    from skill.errors import ConfigError
    from skill.sandbox.scenarios import get

    get(name)
    if settings.mode != "sandbox" or settings.sandbox_url:
        raise ConfigError(
            "A scenario stages the embedded sandbox; this server talks to "
            + ("live Twilio." if settings.mode == "live" else f"the sandbox at {settings.sandbox_url}."),
            code="config.scenario_needs_embedded_sandbox",
            remediation=[
                "Unset TWILIO_ACCOUNT_SID and TWILIO_SKILL_SANDBOX_URL to use the embedded sandbox,",
                "or stage the standalone one: `twilio-skill sandbox --scenario NAME`.",
            ],
        )
    return settings.with_overrides(sandbox_scenario=name)


def run_stdio(settings: Settings) -> None:
    """Serve one MCP session over this process's stdin and stdout."""
    import anyio

    from skill.cli.heap import settle_heap

    async def main() -> None:
        from mcp.server.stdio import stdio_server

        from skill.server.app import build_server

        server = build_server(settings)
        settle_heap()
        async with stdio_server() as (read_stream, write_stream):
            await server.run(read_stream, write_stream, server.create_initialization_options())

    anyio.run(main)


def require_agents(settings: Settings) -> None:
    """Beyond loopback only agents with tokens get in: refuse to start a server nobody could use.

    Raises:
        ConfigError: no agent holds an active token.
    """
    from skill.errors import ConfigError
    from skill.wiring import open_stores

    stores = open_stores(settings)
    try:
        active = [record for record in stores.agents.list() if record.active]
    finally:
        stores.close()
    if not active:
        raise ConfigError(
            "Bound beyond loopback, every request needs an agent token, and no agent has one.",
            code="config.no_agents",
            remediation=[
                "Create one per client: `twilio-skill agents create NAME` prints its token once.",
                "Or bind to loopback (--host 127.0.0.1), where calls need no token.",
            ],
        )


def run_http(
    settings: Settings,
    *,
    host: str,
    port: int,
    allow_hosts: tuple[str, ...],
    log_level: str,
    stateless: bool = False,
) -> None:
    """Serve MCP over streamable HTTP at /mcp; beyond loopback every request needs an agent's token."""
    import uvicorn

    from skill.cli.ports import ensure_port_free

    ensure_port_free(host, port, command="serve --transport http", make_hint=True)

    from skill.server.http import LEGACY_TOKEN_FILE, MCP_PATH, allowed_host_names, build_http_app, is_loopback

    if not is_loopback(host):
        require_agents(settings)
        err("twilio-skill: every request needs 'Authorization: Bearer <agent token>' (twilio-skill agents list).")
        names = ", ".join(sorted(allowed_host_names(host, extra=allow_hosts)))
        err(f"twilio-skill: accepted Host names: {names}; add others with --allow-host.")
    else:
        err("twilio-skill: on loopback, calls without a token are attributed to 'local'; agent tokens work too.")
    if (settings.home / LEGACY_TOKEN_FILE).exists():
        err(
            f"twilio-skill: {settings.home / LEGACY_TOKEN_FILE} is no longer accepted; give each client its own token "
            "with `twilio-skill agents create NAME`, then delete that file."
        )
    from skill.webhooks.app import with_webhooks

    # The webhook receiver sits beside MCP at /webhooks, outside the bearer guard: its routes check signatures.
    app = with_webhooks(
        build_http_app(settings, host=host, allowed_hosts=allow_hosts, stateless=stateless),
        settings,
        bind_host=host,
        allowed_hosts=allow_hosts,
    )
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{shown}:{port}{MCP_PATH}"
    err(f"twilio-skill: serving MCP over {'stateless ' if stateless else ''}streamable HTTP at {url}")
    err(
        f'twilio-skill: connect an MCP client to that URL (e.g. {{"url": "{url}"}} in its server list), '
        "or give stdio clients the command `twilio-skill serve`. Stop with Ctrl-C."
    )
    from skill.cli.heap import settle_heap

    settle_heap()
    # log_config=None: uvicorn's records go through our stderr handler, phone numbers masked.
    # proxy_headers=False: forwarded headers are trusted only from the configured proxies (the receiver decides).
    uvicorn.run(app, host=host, port=port, log_config=None, log_level=log_level, lifespan="on", proxy_headers=False)
