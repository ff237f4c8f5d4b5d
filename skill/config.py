"""Settings: where state lives, which credentials to use, which tools to expose.

Everything comes from the environment (and optionally a Twilio CLI profile); nothing is read
at import time.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

from skill.errors import ConfigError
from skill.toolsets import ALL_TOOLSETS, DEFAULT_TOOLSETS

__all__ = ["ALL_TOOLSETS", "DEFAULT_TOOLSETS"]

Mode = Literal["sandbox", "live"]

# The embedded sandbox's own account; these values are not secrets anywhere.
SANDBOX_ACCOUNT_SID = "AC" + "5a" * 16
SANDBOX_AUTH_TOKEN = "sandbox-auth-token-" + "0" * 13
SANDBOX_SENDGRID_KEY = "SG.sandbox-key." + "0" * 22


def default_home() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir("twilio-skill", appauthor=False))


@dataclass(frozen=True)
class Settings:
    home: Path
    account_sid: str | None = None
    api_key: str | None = None
    api_secret: str | None = None
    auth_token: str | None = None
    region: str | None = None
    edge: str | None = None
    profile: str | None = None
    sendgrid_api_key: str | None = None
    default_region: str = "US"
    toolsets: tuple[str, ...] = DEFAULT_TOOLSETS
    tools: tuple[str, ...] = ()  # single tools enabled beyond the toolsets
    read_only: bool = False
    policy_path: Path | None = None
    error_catalog_path: Path | None = None
    sandbox_url: str | None = None
    sandbox_faults: str | None = None
    sandbox_scenario: str | None = None  # an incident staged in the embedded sandbox (skill.sandbox.scenarios)
    approval_ttl_seconds: int = 3600
    console_url: str | None = None
    # Webhook receiver: the public base URL Twilio calls (behind a proxy), SendGrid's verification key
    # (base64 DER), the shared key of the HMAC-SHA256 signature variant, the ?token= Inbound Parse posts
    # must carry (SendGrid does not sign them), the HELP reply, and the opt-out scope.
    public_url: str | None = None
    sendgrid_webhook_public_key: str | None = None
    webhook_shared_key: str | None = None
    inbound_parse_token: str | None = None
    help_text: str = "Reply STOP to unsubscribe, START to resubscribe."
    optout_scope: Literal["global", "sender", "account"] = "global"
    # More Host names the receiver answers to (beside loopback and the public URL's host), and the proxy
    # addresses or networks whose X-Forwarded-Proto/-Host are believed (none by default, loopback included).
    webhook_allowed_hosts: tuple[str, ...] = ()
    forwarded_allow_ips: tuple[str, ...] = ()
    # A postgresql:// URL puts every store in PostgreSQL (replicas share it); None: the SQLite file in home.
    database_url: str | None = None
    extra: Mapping[str, str] = field(default_factory=dict)

    @property
    def mode(self) -> Mode:
        if self.account_sid and ((self.api_key and self.api_secret) or self.auth_token):
            return "live"
        return "sandbox"

    @property
    def profile_name(self) -> str:
        """The name approvals and audit entries are bound to."""
        if self.mode == "sandbox":
            return "sandbox"
        return self.profile or f"env:{self.account_sid}"

    @property
    def db_path(self) -> Path:
        """Sandbox and live state never mix: a sandbox experiment (an inbound START, say) must not
        lift a real opt-out, so the sandbox keeps its own database."""
        return self.home / ("sandbox.db" if self.mode == "sandbox" else "state.db")

    @property
    def database(self) -> Path | str:
        """Where the stores live: the PostgreSQL URL when one is set, else the SQLite file."""
        return self.database_url or self.db_path

    def secret_values(self) -> tuple[str, ...]:
        """Every configured secret, for the log formatter and the audit log to strip."""
        values = (
            self.api_secret,
            self.auth_token,
            self.sendgrid_api_key,
            self.webhook_shared_key,
            self.inbound_parse_token,
            database_password(self.database_url),
        )
        return tuple(value for value in values if value)

    def own_webhook_hosts(self) -> tuple[str, ...]:
        """Hosts of our own webhook receiver: numbers may always be pointed there."""
        from urllib.parse import urlsplit

        host = urlsplit(self.public_url).hostname if self.public_url else None
        return (host.lower(),) if host else ()

    @property
    def secrets_path(self) -> Path:
        return self.home / "secrets.env"

    def with_overrides(self, **changes: object) -> Settings:
        return replace(self, **changes)  # type: ignore[arg-type]

    @classmethod
    def from_env(
        cls,
        environ: Mapping[str, str] | None = None,
        *,
        profile: str | None = None,
        toolsets: str | None = None,
        tools: str | None = None,
        read_only: bool | None = None,
    ) -> Settings:
        """Build settings from environment variables and, if named, a Twilio CLI profile.

        Raises:
            ConfigError: a named profile does not exist or a value cannot be resolved.
        """
        env = dict(os.environ if environ is None else environ)
        home = Path(env["TWILIO_SKILL_HOME"]) if env.get("TWILIO_SKILL_HOME") else default_home()
        profile = profile or env.get("TWILIO_SKILL_PROFILE") or None
        creds = _profile_credentials(profile, env) if profile else {}
        chosen = toolsets if toolsets is not None else env.get("TWILIO_SKILL_TOOLSETS")
        read_only_env = env.get("TWILIO_SKILL_READ_ONLY", "").lower() in ("1", "true", "yes")
        return cls(
            home=home,
            account_sid=creds.get("account_sid") or env.get("TWILIO_ACCOUNT_SID") or None,
            api_key=creds.get("api_key") or env.get("TWILIO_API_KEY") or None,
            api_secret=creds.get("api_secret") or env.get("TWILIO_API_SECRET") or None,
            auth_token=creds.get("auth_token") or env.get("TWILIO_AUTH_TOKEN") or None,
            region=creds.get("region") or env.get("TWILIO_REGION") or None,
            edge=creds.get("edge") or env.get("TWILIO_EDGE") or None,
            profile=profile,
            sendgrid_api_key=env.get("SENDGRID_API_KEY") or None,
            default_region=env.get("TWILIO_SKILL_DEFAULT_REGION", "US").upper(),
            toolsets=parse_toolsets(chosen),
            tools=parse_tool_names(tools if tools is not None else env.get("TWILIO_SKILL_TOOLS")),
            read_only=read_only if read_only is not None else read_only_env,
            policy_path=Path(env["TWILIO_SKILL_POLICY"]) if env.get("TWILIO_SKILL_POLICY") else None,
            error_catalog_path=(
                Path(env["TWILIO_SKILL_ERROR_CATALOG"]) if env.get("TWILIO_SKILL_ERROR_CATALOG") else None
            ),
            sandbox_url=env.get("TWILIO_SKILL_SANDBOX_URL") or None,
            sandbox_faults=env.get("TWILIO_SKILL_SANDBOX_FAULTS") or None,
            sandbox_scenario=env.get("TWILIO_SKILL_SANDBOX_SCENARIO") or None,
            approval_ttl_seconds=_positive_int(env, "TWILIO_SKILL_APPROVAL_TTL", 3600),
            console_url=env.get("TWILIO_SKILL_CONSOLE_URL") or None,
            public_url=env.get("TWILIO_SKILL_PUBLIC_URL") or None,
            sendgrid_webhook_public_key=env.get("SENDGRID_WEBHOOK_PUBLIC_KEY") or None,
            webhook_shared_key=env.get("TWILIO_SKILL_WEBHOOK_SHARED_KEY") or None,
            inbound_parse_token=env.get("TWILIO_SKILL_INBOUND_PARSE_TOKEN") or None,
            help_text=env.get("TWILIO_SKILL_HELP_TEXT") or cls.help_text,
            optout_scope=optout_scope(env.get("TWILIO_SKILL_OPTOUT_SCOPE", "")),
            webhook_allowed_hosts=comma_list(env.get("TWILIO_SKILL_WEBHOOK_ALLOWED_HOSTS")),
            forwarded_allow_ips=comma_list(env.get("TWILIO_SKILL_FORWARDED_ALLOW_IPS")),
            database_url=database_url(env.get("TWILIO_SKILL_DATABASE_URL")),
        )


def database_url(value: str | None) -> str | None:
    """TWILIO_SKILL_DATABASE_URL checked: unset or empty means SQLite; else a PostgreSQL URL.

    Raises:
        ConfigError: any other kind of URL.
    """
    if not value or not value.strip():
        return None
    url = value.strip()
    if not url.startswith(("postgresql://", "postgres://")):
        raise ConfigError(
            "TWILIO_SKILL_DATABASE_URL must be a postgresql:// URL.",
            code="config.database_url",
            remediation=[
                "Set it like postgresql://USER:PASSWORD@HOST:5432/DBNAME.",
                "Or unset it to keep the SQLite file in the home directory.",
            ],
        )
    return url


def database_password(url: str | None) -> str | None:
    """The password in a database URL, so logs and the audit log can strip it."""
    from urllib.parse import unquote, urlsplit

    if not url:
        return None
    try:
        password = urlsplit(url).password
    except ValueError:
        return None
    return unquote(password) if password else None


def optout_scope(value: str) -> Literal["global", "sender", "account"]:
    """TWILIO_SKILL_OPTOUT_SCOPE: sender or account; anything else is the safest, global."""
    text = value.strip().lower()
    return "sender" if text == "sender" else "account" if text == "account" else "global"


def comma_list(value: str | None) -> tuple[str, ...]:
    """The non-empty entries of a comma-separated value, trimmed, in order, without repeats."""
    return tuple(dict.fromkeys(part.strip() for part in (value or "").split(",") if part.strip()))


def _positive_int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value <= 0:
        raise ConfigError(
            f"{name} must be a whole number of seconds above zero, not {raw!r}.",
            code="config.invalid_number",
            remediation=[f"Set {name} to e.g. {default}, or unset it."],
        )
    return value


TOOL_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


def parse_tool_names(value: str | None) -> tuple[str, ...]:
    """A comma-separated list of single tools to enable (whether they exist is checked when the server
    is built, since only the registry knows).

    Raises:
        ConfigError: a name is not a tool name at all.
    """
    names = [part.strip() for part in (value or "").split(",") if part.strip()]
    bad = [name for name in names if not TOOL_NAME.fullmatch(name)]
    if bad:
        raise ConfigError(
            f"Not a tool name: {', '.join(repr(name[:40]) for name in bad)}.",
            code="config.unknown_tool",
            remediation=["Give tool names as `twilio-skill --toolsets all tools list` shows them, e.g. call_get."],
        )
    return tuple(dict.fromkeys(names))


def parse_toolsets(value: str | None) -> tuple[str, ...]:
    """Parse a comma-separated toolset list; 'all' selects every toolset.

    Raises:
        ConfigError: a name is not a known toolset.
    """
    if not value:
        return DEFAULT_TOOLSETS
    names = [part.strip().lower() for part in value.split(",") if part.strip()]
    if names == ["all"]:
        return ALL_TOOLSETS
    unknown = [name for name in names if name not in ALL_TOOLSETS]
    if unknown:
        raise ConfigError(
            f"Unknown toolset(s): {', '.join(unknown)}.",
            code="config.unknown_toolset",
            remediation=[f"Choose from: {', '.join(ALL_TOOLSETS)}, or 'all'."],
        )
    return tuple(dict.fromkeys(names))


def _resolve(value: object, env: Mapping[str, str], what: str) -> str | None:
    if not isinstance(value, str) or not value:
        return None
    if value.startswith("ENV:"):
        name = value[4:]
        if name not in env:
            raise ConfigError(
                f"The profile's {what} refers to environment variable {name}, which is not set.",
                code="config.profile_env_missing",
                remediation=[f"Export {name}, or put the value in the profile."],
            )
        return env[name]
    return value


def _profile_credentials(profile: str, env: Mapping[str, str]) -> dict[str, str]:
    config_path = Path(env.get("TWILIO_CLI_CONFIG", str(Path.home() / ".twilio-cli" / "config.json")))
    try:
        data = json.loads(config_path.read_text())
    except FileNotFoundError as exc:
        raise ConfigError(
            f"Profile '{profile}' was asked for, but {config_path} does not exist.",
            code="config.profile_missing",
            remediation=["Create it with `twilio profiles:create`, or set TWILIO_* variables instead."],
        ) from exc
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{config_path} is not valid JSON: {exc.msg}.", code="config.profile_invalid") from exc
    profiles = (data.get("profiles") if isinstance(data, dict) else None) or {}
    if not isinstance(profiles, dict):
        profiles = {}
    entry = profiles.get(profile)
    if not isinstance(entry, dict):
        raise ConfigError(
            f"Profile '{profile}' is not in {config_path}.",
            code="config.profile_missing",
            remediation=[f"Known profiles: {', '.join(sorted(profiles)) or 'none'}."],
        )
    keys = {
        "account_sid": "accountSid",
        "api_key": "apiKey",
        "api_secret": "apiSecret",
        "auth_token": "authToken",
        "region": "region",
        "edge": "edge",
    }
    out: dict[str, str] = {}
    for ours, theirs in keys.items():
        resolved = _resolve(entry.get(theirs), env, theirs)
        if resolved:
            out[ours] = resolved
    return out
