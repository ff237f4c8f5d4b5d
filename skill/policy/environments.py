"""Named environments in the policy file: accounts the skill may act on, each with an optional overlay.

    [environments.prod]
    account_sid = "AC..."              # the subaccount (or other account) this name stands for
    api_key = "SK..."                  # its own API key, for product APIs the parent cannot reach for it;
                                       # the secret is read from TWILIO_API_KEY_<SID> or the secret sink
    [environments.prod.limits]         # an overlay: any of tiers, tools, rules, limits, pricing, webhooks,
    sends_per_day = 50                 # merged over the base policy for calls on this account only
    [environments.prod.tools]
    number_configure = "approve"

An overlay's tables are merged key by key over the base file's (its rules come before the base rules,
so they win), then read exactly as the base policy is.
"""

from __future__ import annotations

import re
from typing import Any

from skill.errors import ConfigError
from skill.policy.policy import Environment, Policy, policy_from_data

ENVIRONMENT_NAME = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")
ACCOUNT_SID = re.compile(r"^AC[0-9a-fA-F]{32}$")
KEY_SID = re.compile(r"^SK[0-9a-fA-F]{32}$")
OVERLAY_TABLES = ("tiers", "tools", "limits", "pricing", "webhooks")
OVERLAY_KEYS = frozenset({*OVERLAY_TABLES, "rules"})
OWN_KEYS = frozenset({"account_sid", "api_key"})


def _invalid(message: str, fix: str) -> ConfigError:
    return ConfigError(message, code="config.policy_invalid", remediation=[fix])


def overlay_data(base: dict[str, Any], overlay: dict[str, Any]) -> dict[str, Any]:
    """The base policy's tables with an environment's overlay merged over them."""
    merged = {key: value for key, value in base.items() if key != "environments"}
    for table in OVERLAY_TABLES:
        if table in overlay:
            if not isinstance(overlay[table], dict):
                raise _invalid(f"[environments.*.{table}] must be a table.", f"Write [environments.NAME.{table}].")
            merged[table] = {**(base.get(table) or {}), **overlay[table]}
    if "rules" in overlay:
        if not isinstance(overlay["rules"], list):
            raise _invalid("[[environments.*.rules]] must be a list of tables.", "Write [[environments.NAME.rules]].")
        merged["rules"] = [*overlay["rules"], *(base.get("rules") or [])]
    return merged


def parse_environments(data: dict[str, Any], source: str) -> tuple[tuple[Environment, ...], dict[str, Policy]]:
    """The environments of a policy file and the policy of each one that has an overlay.

    Raises:
        ConfigError: a name, SID or key is malformed, two environments share an account, or an overlay
        is not a policy.
    """
    tables = data.get("environments") or {}
    if not isinstance(tables, dict):
        raise _invalid(
            "[environments] must hold one table per environment.", 'Write [environments.prod] account_sid = "AC...".'
        )
    environments: list[Environment] = []
    overlays: dict[str, Policy] = {}
    for name, table in sorted(tables.items()):
        where = f"[environments.{name}]"
        if not ENVIRONMENT_NAME.fullmatch(str(name)):
            raise _invalid(
                f"Policy {where}: a name is lower-case letters, digits, '-' or '_'.", "Rename it, e.g. prod."
            )
        if not isinstance(table, dict):
            raise _invalid(f"Policy {where} must be a table.", f'Write {where} account_sid = "AC...".')
        unknown = sorted(set(table) - OWN_KEYS - OVERLAY_KEYS)
        if unknown:
            raise _invalid(
                f"Policy {where}: unknown key(s) {', '.join(unknown)}.",
                f"Use account_sid, api_key, or an overlay table: {', '.join(sorted(OVERLAY_KEYS))}.",
            )
        account_sid = table.get("account_sid")
        if not isinstance(account_sid, str) or not ACCOUNT_SID.fullmatch(account_sid):
            raise _invalid(
                f"Policy {where}.account_sid must be an account SID (AC + 32 hex).", "Copy it from subaccounts_list."
            )
        api_key = table.get("api_key")
        if api_key is not None and not (isinstance(api_key, str) and KEY_SID.fullmatch(api_key)):
            raise _invalid(
                f"Policy {where}.api_key must be an API key SID (SK + 32 hex).", "Copy it from apikeys_list."
            )
        if any(env.account_sid.lower() == account_sid.lower() for env in environments):
            raise _invalid(
                f"Policy {where}: another environment already names {account_sid}.", "Give each account one name."
            )
        has_overlay = bool(OVERLAY_KEYS & set(table))
        if has_overlay:
            overlays[account_sid.lower()] = policy_from_data(overlay_data(data, table), f"{source} {where}")
        environments.append(
            Environment(name=str(name), account_sid=account_sid, api_key=api_key, has_overlay=has_overlay)
        )
    return tuple(environments), overlays
