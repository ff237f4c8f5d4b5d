"""The policy: which calls run, which wait for an operator, which are refused.

Built-in defaults, optionally overridden by a TOML file (TWILIO_SKILL_POLICY):

    [tiers]                     # default action per tier
    DESTRUCTIVE = "approve"
    [tools]                     # per tool, over the tier default
    number_buy = "deny"
    [[rules]]                   # per tool with argument conditions (glob patterns), first match wins
    tool = "message_send"
    when = { to = "+44*" }
    action = "approve"
    [limits]
    sends_per_day = 500         # per SEND tool and profile; beyond it a call needs approval
    allowed_countries = ["US", "CA"]   # ISO codes of destinations; [] allows none, ["*"] any
    verify_cooldown_seconds = 60       # verification_start: least time between sends to one destination
    verify_sends_per_hour = 5          # verification_start: most sends to one destination in an hour
    probe_any_url = false              # webhook_probe: also URLs no number of the account is configured with
    bulk_recipients = 100              # one send to more recipients than this is a bulk send: it needs approval
    spend_per_day = "25.00"            # estimated spend of SEND calls per UTC day, in the account's currency
    spend_per_month = "300.00"         # the same per calendar month; unset: no cap
    [pricing]                          # how SEND calls are estimated against the spend caps
    currency = "EUR"                   # the account's currency, instead of what Twilio reports
    rates = { "USD/EUR" = "0.92" }     # 1 USD = 0.92 EUR: converts published prices
    call_minutes = 5                   # call_create is estimated at this many minutes
    verification_price = "0.05"        # Verify's fee per verification (USD), plus its message or call
    mms_price = "0.0200"               # per MMS message (USD); the Pricing API lists SMS only
    email_price = "0"                  # per email recipient (USD)
    cache_seconds = 3600               # how long fetched price lists are kept in memory
    [bulk]                             # bulk sends: see skill.policy.bulk_settings
    rates = { "+18005550123" = 3 }     # segments per second of a sender, over Twilio's published default
    [webhooks]
    allowed_hosts = ["hooks.example.com", "*.example.org"]   # pointing a number or service elsewhere needs approval
    [retention]                        # what `db prune` and the workers (daily) delete (skill.policy.retention)
    audit_days = 365
    [confirm]                          # the `confirm` action: the person at the client confirms instead
    destructive = false                # true lets `confirm` stand for `approve` on DESTRUCTIVE tools
    timeout_seconds = 120              # how long their answer is waited for; then an operator decides
    [console]
    public_url = "https://console.example.com"   # links to a request in results and notifications
    [notify]                           # who hears about requests and decisions (skill.policy.notify_config)
    [api]                              # twilio_api_call: any Twilio operation by its qualified id
    allow = ["conversations_v1.*"]     # writes (POST/PUT/PATCH) that run without approval: id globs, or a
                                       # product or spec alone ("taskrouter", "sync_v1") for all of its own

Actions: allow, approve, deny, and confirm: for a client that supports elicitation, the person at the
client is asked (and trusted) to confirm the exact call; any other outcome opens an approval request.

Built-in rules (BUILT_IN_RULES) apply after the file's rules, so a file rule for the same tool wins.
Writes through twilio_api_call wait for an operator unless [api].allow names the operation (or a
[[rules]] entry for the tool, matching `operation`, says otherwise); its reads and deletes follow [tiers].

Named environments ([environments.NAME], each an account with an optional overlay of these tables for
calls on it) are read by skill.policy.environments.
"""

from __future__ import annotations

import fnmatch
import re
import tomllib
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Literal

from skill.errors import ConfigError
from skill.policy.bulk_settings import BulkSettings, parse_bulk
from skill.policy.confirm import ConfirmSettings, parse_confirm
from skill.policy.notify_config import NotifySettings, check_url, parse_notify
from skill.policy.retention import Retention, parse_retention
from skill.policy.tiers import Tier

Action = Literal["allow", "approve", "deny", "confirm"]
API_TOOL = "twilio_api_call"  # its writes wait for approval unless [api].allow names the operation
OPERATION_GLOB = re.compile(r"^[A-Za-z0-9_.*?\[\]-]{1,120}$")
ACTIONS: tuple[str, ...] = ("allow", "approve", "deny", "confirm")

DEFAULT_TIER_ACTIONS: dict[Tier, Action] = {
    Tier.READ: "allow",
    Tier.WRITE: "allow",
    Tier.SEND: "allow",
    Tier.DESTRUCTIVE: "approve",
}


@dataclass(frozen=True)
class Rule:
    tool: str
    when: dict[str, str]
    action: Action

    def matches(self, tool: str, args: dict[str, Any]) -> bool:
        if tool != self.tool:
            return False
        return all(key in args and fnmatch.fnmatchcase(str(args[key]), pattern) for key, pattern in self.when.items())


# Publishing a new revision of an existing Studio flow changes what live traffic runs: an operator decides.
BUILT_IN_RULES: tuple[Rule, ...] = (
    Rule(tool="studio_flow_deploy", when={"status": "published", "sid": "FW*"}, action="approve"),
    # Lifting a spam report or a global unsubscribe mails someone who said no: an operator decides.
    Rule(tool="email_suppression_remove", when={"kind": "spam_reports"}, action="approve"),
    Rule(tool="email_suppression_remove", when={"kind": "global_unsubscribes"}, action="approve"),
    # Reactivating a suspended subaccount undoes nothing harmful; suspending or closing waits.
    Rule(tool="subaccount_set_status", when={"status": "active"}, action="allow"),
)


@dataclass(frozen=True)
class Decision:
    action: Action
    reason: str
    code: str = "policy.denied"


CURRENCY = re.compile(r"^[A-Z]{3}$")
RATE_PAIR = re.compile(r"^([A-Z]{3})/([A-Z]{3})$")
MAX_AMOUNT = Decimal(10**9)


@dataclass(frozen=True)
class PricingSettings:
    """How SEND calls are estimated; amounts are in USD, the currency of Twilio's price lists."""

    currency: str | None = None  # the account's currency, over the price_unit Twilio reports
    rates: dict[tuple[str, str], Decimal] = field(default_factory=dict)  # (from, to): 1 from = rate to
    call_minutes: int = 5
    verification_price: Decimal = Decimal("0.05")
    mms_price: Decimal = Decimal("0.0200")
    email_price: Decimal = Decimal(0)
    cache_seconds: int = 3600

    def describe(self) -> dict[str, Any]:
        return {
            "currency": self.currency,
            "rates": {f"{a}/{b}": str(rate) for (a, b), rate in self.rates.items()},
            "call_minutes": self.call_minutes,
            "verification_price": str(self.verification_price),
            "mms_price": str(self.mms_price),
            "email_price": str(self.email_price),
            "cache_seconds": self.cache_seconds,
        }


@dataclass(frozen=True)
class Environment:
    """A named account the skill may act on: a subaccount (or another account) of the profile."""

    name: str
    account_sid: str
    api_key: str | None = None  # the account's own API key SID, for product APIs beyond api.twilio.com
    has_overlay: bool = False  # whether the environment's table changes the policy for its account


@dataclass(frozen=True)
class Policy:
    tier_actions: dict[Tier, Action] = field(default_factory=lambda: dict(DEFAULT_TIER_ACTIONS))
    tool_actions: dict[str, Action] = field(default_factory=dict)
    rules: tuple[Rule, ...] = BUILT_IN_RULES
    sends_per_day: int = 500
    allowed_countries: tuple[str, ...] = ("US", "CA")
    verify_cooldown_seconds: int = 60
    verify_sends_per_hour: int = 5
    probe_any_url: bool = False
    bulk_recipients: int = 100
    webhook_allowed_hosts: tuple[str, ...] = ()
    spend_per_day: Decimal | None = None  # in the account's currency; None: no cap
    spend_per_month: Decimal | None = None
    pricing: PricingSettings = field(default_factory=PricingSettings)
    retention: Retention = field(default_factory=Retention)
    confirm: ConfirmSettings = field(default_factory=ConfirmSettings)
    console_url: str | None = None  # [console] public_url
    notify: NotifySettings = field(default_factory=NotifySettings)
    bulk: BulkSettings = field(default_factory=BulkSettings)  # sender rates of bulk sends ([bulk])
    api_allow: tuple[str, ...] = ()  # twilio_api_call writes that need no approval: qualified id globs
    source: str = "built-in defaults"
    environments: tuple[Environment, ...] = ()
    overlays: dict[str, Policy] = field(default_factory=dict)  # lower-case account SID -> its policy

    def for_account(self, account_sid: str | None) -> Policy:
        """The policy that applies to calls on this account: its environment's overlay, else this one."""
        if account_sid is None:
            return self
        return self.overlays.get(account_sid.lower(), self)

    @property
    def spend_capped(self) -> bool:
        return self.spend_per_day is not None or self.spend_per_month is not None

    def action_for(self, tool: str, tier: Tier, args: dict[str, Any]) -> tuple[Action, str]:
        for rule in self.rules:
            if rule.matches(tool, args):
                return rule.action, f"policy rule for {tool} ({', '.join(rule.when)})"
        if tool in self.tool_actions:
            return self.tool_actions[tool], f"policy setting for {tool}"
        default = self.tier_actions.get(tier, "deny")
        if tool == API_TOOL and tier is Tier.WRITE and default != "deny":
            operation = str(args.get("operation", ""))
            if any(api_allows(pattern, operation) for pattern in self.api_allow):
                return "allow", f"[api].allow names {operation}"
            return "approve", "writes through twilio_api_call wait for an operator unless [api].allow names them"
        return default, f"default for {tier.value} tools"

    def may_require_approval(self, tool: str, tier: Tier, *, sets_webhooks: bool = False) -> bool:
        """Whether some call of this tool can end up waiting for an operator under this policy."""
        if tier is Tier.READ:
            return False
        if tier is Tier.SEND or sets_webhooks or tool == API_TOOL:
            return True  # the daily cap, a webhook host outside the allowed ones, or an API write asks an operator
        actions = {self.tool_actions.get(tool, self.tier_actions.get(tier, "deny"))}
        actions.update(rule.action for rule in self.rules if rule.tool == tool)
        return bool(actions & {"approve", "confirm"})  # a confirmation not given falls back to approval

    def country_allowed(self, region: str | None) -> bool:
        if "*" in self.allowed_countries:
            return True
        return region is not None and region in self.allowed_countries

    def describe(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "tiers": {tier.value: action for tier, action in self.tier_actions.items()},
            "tools": dict(self.tool_actions),
            "rules": [{"tool": r.tool, "when": r.when, "action": r.action} for r in self.rules],
            "limits": {
                "sends_per_day": self.sends_per_day,
                "allowed_countries": list(self.allowed_countries),
                "verify_cooldown_seconds": self.verify_cooldown_seconds,
                "verify_sends_per_hour": self.verify_sends_per_hour,
                "probe_any_url": self.probe_any_url,
                "bulk_recipients": self.bulk_recipients,
                "spend_per_day": str(self.spend_per_day) if self.spend_per_day is not None else None,
                "spend_per_month": str(self.spend_per_month) if self.spend_per_month is not None else None,
            },
            "pricing": self.pricing.describe(),
            "webhooks": {"allowed_hosts": list(self.webhook_allowed_hosts)},
            "retention": self.retention.describe(),
            "confirm": self.confirm.describe(),
            "console": {"public_url": self.console_url},
            "notify": self.notify.describe(),
            "api": {"allow": list(self.api_allow)},
            "environments": [
                {"name": env.name, "account_sid": env.account_sid, "overlay": env.has_overlay}
                for env in self.environments
            ],
        }


def _action(value: object, where: str) -> Action:
    if value not in ACTIONS:
        raise ConfigError(
            f"Policy {where}: {value!r} is not an action.",
            code="config.policy_invalid",
            remediation=["Use one of: allow, approve, deny (or confirm, to ask the person at the client)."],
        )
    return value  # type: ignore[return-value]


def _limit(limits: dict[str, Any], name: str, default: int, *, section: str = "limits", least: int = 0) -> int:
    value = limits.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < least or value > MAX_AMOUNT:
        raise ConfigError(
            f"Policy [{section}].{name} must be a whole number of {least} or more, not {value!r}.",
            code="config.policy_invalid",
            remediation=[f"Write e.g. {name} = {default} under [{section}]."],
        )
    return value


def _invalid(where: str, value: object, example: str) -> ConfigError:
    return ConfigError(
        f"Policy {where} must be {example}, not {value!r}.",
        code="config.policy_invalid",
        remediation=[f"Write e.g. {where.rsplit('.', 1)[-1]} = {example} (amounts as quoted decimal strings)."],
    )


def _amount(section: dict[str, Any], name: str, default: Decimal | None, *, where: str) -> Decimal | None:
    """A sum of money as a decimal string ("25.00") or a whole number; floats are refused (inexact)."""
    if name not in section:
        return default
    value = section[name]
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise _invalid(where, value, '"25.00"')
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        raise _invalid(where, value, '"25.00"') from None
    if not amount.is_finite() or amount < 0 or amount > MAX_AMOUNT:
        raise _invalid(where, value, '"25.00"')
    return amount


def _rates(value: object) -> dict[tuple[str, str], Decimal]:
    if not isinstance(value, dict):
        raise _invalid("[pricing].rates", value, '{ "USD/EUR" = "0.92" }')
    rates: dict[tuple[str, str], Decimal] = {}
    for pair, raw in value.items():
        match = RATE_PAIR.fullmatch(str(pair).upper())
        rate = _amount(value, pair, None, where=f"[pricing].rates.{pair}")
        if match is None or rate is None or rate == 0:
            raise _invalid("[pricing].rates", {pair: raw}, '{ "USD/EUR" = "0.92" }')
        rates[(match.group(1), match.group(2))] = rate
    return rates


def _pricing(section: dict[str, Any]) -> PricingSettings:
    defaults = PricingSettings()
    currency = section.get("currency")
    if currency is not None and not (isinstance(currency, str) and CURRENCY.fullmatch(currency.upper())):
        raise _invalid("[pricing].currency", currency, '"EUR"')

    def amount(name: str, default: Decimal) -> Decimal:
        return _amount(section, name, default, where=f"[pricing].{name}") or Decimal(0)

    return PricingSettings(
        currency=currency.upper() if isinstance(currency, str) else None,
        rates=_rates(section.get("rates", {})),
        call_minutes=_limit(section, "call_minutes", defaults.call_minutes, section="pricing", least=1),
        verification_price=amount("verification_price", defaults.verification_price),
        mms_price=amount("mms_price", defaults.mms_price),
        email_price=amount("email_price", defaults.email_price),
        cache_seconds=_limit(section, "cache_seconds", defaults.cache_seconds, section="pricing"),
    )


def _hosts(section: dict[str, Any]) -> tuple[str, ...]:
    hosts = section.get("allowed_hosts", [])
    if not isinstance(hosts, list) or not all(isinstance(host, str) and host.strip() for host in hosts):
        raise ConfigError(
            "Policy [webhooks].allowed_hosts must be a list of host names (glob patterns like '*.example.com').",
            code="config.policy_invalid",
            remediation=['Write e.g. allowed_hosts = ["hooks.example.com"] under [webhooks].'],
        )
    return tuple(host.strip().lower() for host in hosts)


def api_allows(pattern: str, operation: str) -> bool:
    """Whether an [api].allow entry names the operation: a glob over qualified ids (sync_v1.*), or with
    no dot a product or spec, all of whose operations it names (taskrouter, iam, sync_v1)."""
    if "." in pattern:
        return fnmatch.fnmatchcase(operation, pattern)
    spec = operation.split(".", 1)[0]
    return fnmatch.fnmatchcase(spec, pattern) or fnmatch.fnmatchcase(spec.split("_", 1)[0], pattern)


def _api_allow(section: dict[str, Any]) -> tuple[str, ...]:
    patterns = section.get("allow", [])
    if not isinstance(patterns, list) or not all(isinstance(p, str) and OPERATION_GLOB.fullmatch(p) for p in patterns):
        raise ConfigError(
            "Policy [api].allow must be a list of operation ids or glob patterns over them.",
            code="config.policy_invalid",
            remediation=[
                'Write e.g. allow = ["conversations_v1.*", "sync_v1.CreateDocument", "taskrouter"] under [api].'
            ],
        )
    return tuple(patterns)


def check_names(policy: Policy, known: dict[str, set[str]]) -> None:
    """Refuse a policy that names a tool, or an argument of a tool, that does not exist.

    A typo there would otherwise be ignored silently, and the gate meant for the tool never applies.
    known maps each tool name to its argument names.

    Raises:
        ConfigError: listing every unknown name.
    """
    problems = [f"[tools].{name}: no such tool" for name in policy.tool_actions if name not in known]
    for overlay in policy.overlays.values():
        problems.extend(
            f"{overlay.source} [tools].{name}: no such tool" for name in overlay.tool_actions if name not in known
        )
    rules = [*policy.rules, *(rule for overlay in policy.overlays.values() for rule in overlay.rules)]
    for rule in rules:
        if rule.tool not in known:
            problems.append(f"[[rules]] tool {rule.tool!r}: no such tool")
            continue
        problems.extend(
            f"[[rules]] for {rule.tool}: it has no argument {key!r}" for key in rule.when if key not in known[rule.tool]
        )
    problems = list(dict.fromkeys(problems))  # an overlay repeats the base rules
    if problems:
        raise ConfigError(
            f"The policy ({policy.source}) names things that do not exist: " + "; ".join(problems) + ".",
            code="config.policy_unknown_name",
            remediation=[
                "Fix the names (`twilio-skill tools list` shows the tools and their arguments), then restart."
            ],
        )


def _console_url(section: object) -> str | None:
    if not isinstance(section, dict) or section.get("public_url") is None:
        return None
    return check_url(section["public_url"], "[console].public_url").rstrip("/")


def load_policy(path: Path | None) -> Policy:
    """The built-in policy, overridden by the TOML file at path when given.

    Raises:
        ConfigError: the file is missing, not TOML, or names an unknown tier or action.
    """
    if path is None:
        return Policy()
    try:
        data = tomllib.loads(path.read_text())
    except FileNotFoundError as exc:
        raise ConfigError(f"Policy file {path} does not exist.", code="config.policy_missing") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"Policy file {path} is not valid TOML: {exc}.", code="config.policy_invalid") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"Policy file {path} must hold TOML tables.", code="config.policy_invalid")
    from skill.policy.environments import parse_environments

    base = policy_from_data(data, str(path))
    environments, overlays = parse_environments(data, str(path))
    return replace(base, environments=environments, overlays=overlays)


def policy_from_data(data: dict[str, Any], source: str) -> Policy:
    """A policy from the tables of a policy file (environments aside).

    Raises:
        ConfigError: a value is not one the policy understands.
    """
    tiers = dict(DEFAULT_TIER_ACTIONS)
    for name, value in (data.get("tiers") or {}).items():
        try:
            tier = Tier(name.upper())
        except ValueError as exc:
            raise ConfigError(f"Policy [tiers]: unknown tier {name!r}.", code="config.policy_invalid") from exc
        tiers[tier] = _action(value, f"[tiers].{name}")
    tools = {name: _action(value, f"[tools].{name}") for name, value in (data.get("tools") or {}).items()}
    rules = (
        tuple(
            Rule(
                tool=str(rule.get("tool", "")),
                when={str(k): str(v) for k, v in (rule.get("when") or {}).items()},
                action=_action(rule.get("action"), f"[[rules]] for {rule.get('tool')}"),
            )
            for rule in data.get("rules") or []
        )
        + BUILT_IN_RULES
    )
    limits = data.get("limits") or {}
    return Policy(
        tier_actions=tiers,
        tool_actions=tools,
        rules=rules,
        sends_per_day=_limit(limits, "sends_per_day", 500),
        allowed_countries=tuple(str(c).upper() for c in limits.get("allowed_countries", ["US", "CA"])),
        verify_cooldown_seconds=_limit(limits, "verify_cooldown_seconds", 60),
        verify_sends_per_hour=_limit(limits, "verify_sends_per_hour", 5),
        probe_any_url=bool(limits.get("probe_any_url", False)),
        bulk_recipients=_limit(limits, "bulk_recipients", 100),
        webhook_allowed_hosts=_hosts(data.get("webhooks") or {}),
        spend_per_day=_amount(limits, "spend_per_day", None, where="[limits].spend_per_day"),
        spend_per_month=_amount(limits, "spend_per_month", None, where="[limits].spend_per_month"),
        pricing=_pricing(data.get("pricing") or {}),
        retention=parse_retention(data.get("retention", {})),
        confirm=parse_confirm(data.get("confirm")),
        console_url=_console_url(data.get("console")),
        notify=parse_notify(data.get("notify")),
        bulk=parse_bulk(data.get("bulk") or {}),
        api_allow=_api_allow(data.get("api") or {}),
        source=source,
    )
