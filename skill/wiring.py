"""The composition root: builds the services a server, the CLI, the receiver or a test runs on,
plugging adapters (SQLite or PostgreSQL stores, the Twilio and SendGrid gateways, the embedded sandbox) into the
ports the core is written against. The only module that knows every concrete class."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING

from skill.config import Settings
from skill.core.approvals import ApprovalService
from skill.core.context import KeyFinder, Services
from skill.core.secret_sink import env_var_name, read_secret
from skill.core.signing import TokenResolver
from skill.core.webhook_tokens import live_tokens
from skill.errors import SkillError
from skill.policy.policy import Environment, Policy, load_policy
from skill.ports.clock import Clock, SystemClock
from skill.ports.stores import StorePorts
from skill.stores.sqlite import Stores

if TYPE_CHECKING:
    from skill.sandbox.app import Sandbox
    from skill.sandbox.state import SandboxState


def token_resolver(
    settings: Settings, sandbox_state: SandboxState | None = None, policy: Policy | None = None
) -> TokenResolver:
    """Who signed a callback: in live mode the token of the profile's account or of an environment's (from
    `policy`, else the policy file), or the sandbox's accounts (`sandbox_state`, or the seeded ones).

    Raises:
        ConfigError: live mode, no policy given, and the policy file is unusable.
    """
    if settings.mode == "live":
        named = policy if policy is not None else load_policy(settings.policy_path)
        return live_tokens(settings, (env.account_sid for env in named.environments))
    from skill.sandbox.tokens import SandboxTokens

    return SandboxTokens(sandbox_state)


def environments(settings: Settings, policy: Policy) -> tuple[Environment, ...]:
    """The policy's environments; in sandbox mode with none named, the sandbox's prod, staging and dev."""
    if policy.environments or settings.mode != "sandbox":
        return policy.environments
    from skill.sandbox.seed_fleet import sandbox_environments

    return sandbox_environments()


def key_finder(
    settings: Settings, environ: Mapping[str, str] | None = None, sandbox_state: SandboxState | None = None
) -> KeyFinder:
    """Finds an environment's own API key secret: the process environment, then the secret sink (where
    apikey_create puts it), then, in sandbox mode, the embedded sandbox's seeded keys."""
    env = os.environ if environ is None else environ

    def find(account_sid: str, environment: Environment | None) -> tuple[tuple[str, str] | None, str | None]:
        if environment is None or environment.api_key is None:
            where = f"[environments.{environment.name}]" if environment else "[environments.NAME] for it"
            return None, f"no api_key is set in {where} in the policy file"
        name = env_var_name(environment.api_key)
        secret = env.get(name) or read_secret(settings.secrets_path, name)
        if not secret and sandbox_state is not None:
            seeded = sandbox_state.keys.get(environment.api_key)
            secret = str(seeded["secret"]) if seeded and seeded.get("account_sid") == account_sid else None
        if secret:
            return (environment.api_key, secret), None
        return None, f"the secret of {environment.api_key} is neither in ${name} nor in {settings.secrets_path}"

    return find


def open_stores(settings: Settings, clock: Clock | None = None) -> Stores:
    """The stores of these settings' database (PostgreSQL when TWILIO_SKILL_DATABASE_URL is set, else the
    SQLite file), with secrets stripped from the audit log.

    Raises:
        ConfigError: the PostgreSQL server cannot be reached.
    """
    return Stores.open(settings.database, settings.secret_values(), clock=clock)


def console_url_of(settings: Settings) -> str | None:
    """The console's public URL: TWILIO_SKILL_CONSOLE_URL, else the policy's [console] public_url. A
    policy file that cannot be read names none here (the server refuses to start on it anyway)."""
    if settings.console_url:
        return settings.console_url
    try:
        return load_policy(settings.policy_path).console_url
    except SkillError:
        return None


def approval_service(stores: StorePorts, settings: Settings, clock: Clock | None = None) -> ApprovalService:
    """The approvals service over open stores, for surfaces that need no gateways (CLI, console)."""
    return ApprovalService(
        store=stores.approvals,
        audit=stores.audit,
        clock=clock or SystemClock(),
        ttl_seconds=settings.approval_ttl_seconds,
        console_url=console_url_of(settings),
    )


def build_services(settings: Settings, *, sandbox: Sandbox | None = None, clock: Clock | None = None) -> Services:
    """Open the stores and the gateways. In sandbox mode with no sandbox URL, embed a sandbox (or use
    the one given, as tests do).

    Raises:
        ConfigError: the policy file is unusable.
    """
    from skill.gateways.sendgrid_gateway import SendGridGateway
    from skill.gateways.twilio_gateway import TwilioGateway

    policy = load_policy(settings.policy_path)
    wall = clock or SystemClock()
    stores = open_stores(settings, wall)
    transport = None
    upstream: Clock = wall
    if settings.mode == "sandbox" and not settings.sandbox_url:
        if sandbox is None:
            from skill.sandbox.app import Sandbox

            sandbox = Sandbox.from_settings(settings)
        transport = sandbox.transport()
        upstream = sandbox.clock
    return Services(
        settings=settings,
        stores=stores,
        policy=policy,
        twilio=TwilioGateway(settings, sandbox_transport=transport),
        sendgrid=SendGridGateway(settings, sandbox=sandbox),
        webhook_tokens=token_resolver(settings, sandbox.state if sandbox is not None else None, policy),
        clock=wall,
        upstream_clock=upstream,
        background=(sandbox.running,) if sandbox is not None else (),
        environments=environments(settings, policy),
        # The sandbox's seeded keys stand in for a secret sink only for its own environments.
        find_key=key_finder(settings, sandbox_state=sandbox.state if sandbox and not policy.environments else None),
    )


async def run_bulk_worker(settings: Settings, services: Services | None = None) -> None:
    """The bulk worker (skill.core.bulk_worker) until cancelled, on the given services or its own."""
    from skill.core.bulk_worker import BulkWorker

    own = services is None
    working = services if services is not None else build_services(settings)
    try:
        await BulkWorker(working).run()
    finally:
        if own:
            await working.aclose()
