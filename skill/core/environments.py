"""Environments: the accounts a call may name with `account`, and the services bound to each.

An `account` is an environment's name (from the policy's [environments], or the sandbox's own) or an
account SID. Calls on the profile's own account run unscoped, however it was named.
"""

from __future__ import annotations

import re
from typing import Any

from skill.core.context import Services
from skill.errors import InputError, SkillError
from skill.policy.policy import Environment
from skill.records.scope import AccountScope

ACCOUNT_SID = re.compile(r"^AC[0-9a-fA-F]{32}$")
ENVIRONMENT_NAME = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")
MAX_ACCOUNT_CHARS = 64


def _unknown(services: Services, value: str) -> InputError:
    names = ", ".join(env.name for env in services.environments) or "none are configured"
    return InputError(
        f"account must be an environment name or an account SID (AC + 32 hex); {value[:MAX_ACCOUNT_CHARS]!r} "
        f"is neither. Environments: {names}.",
        code="input.unknown_account",
        remediation=[
            "Pass one of the environment names listed, or a subaccount SID from subaccounts_list.",
            "Leave account out to act on the profile's own account.",
        ],
    )


def find_environment(services: Services, value: str) -> Environment | None:
    lowered = value.lower()
    for env in services.environments:
        if env.name == value or env.account_sid.lower() == lowered:
            return env
    return None


def scope_of(services: Services, value: object) -> AccountScope | None:
    """The account `value` names, or None for the profile's own account.

    Raises:
        InputError: input.unknown_account when it is neither a known environment nor an account SID.
    """
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > MAX_ACCOUNT_CHARS:
        raise _unknown(services, str(value)[:MAX_ACCOUNT_CHARS])
    env = find_environment(services, value)
    if env is None and not ACCOUNT_SID.fullmatch(value):
        raise _unknown(services, value)
    sid = env.account_sid if env is not None else value
    if sid.lower() == services.twilio.account_sid.lower() and services.scope is None:
        return None
    key, problem = services.find_key(sid, env)
    return AccountScope(
        account_sid=sid,
        name=env.name if env is not None else None,
        key_sid=key[0] if key else None,
        key_secret=key[1] if key else None,
        key_problem=problem,
    )


def bind(services: Services, value: object) -> Services:
    """The services a call with `account=value` runs on.

    Raises:
        InputError: as scope_of.
    """
    scope = scope_of(services, value)
    return services if scope is None else services.scoped(scope)


async def check_environment(services: Services, environment: Environment) -> dict[str, Any]:
    """One environment's status and whether each kind of API answers for it.

    `api` is API v2010 with the parent's credentials (the account itself); `products` is a small read
    on Messaging with the environment's own key, or why it could not be tried.
    """
    row: dict[str, Any] = {
        "name": environment.name,
        "account_sid": environment.account_sid,
        "api_key": environment.api_key,
        "overlay": environment.has_overlay,
        "status": None,
        "friendly_name": None,
        "api": "ok",
        "products": "ok",
    }
    scoped = bind(services, environment.account_sid)
    try:
        account = await scoped.twilio.accounts.get(environment.account_sid)
        row["status"], row["friendly_name"] = account.status, account.friendly_name
    except SkillError as exc:
        row["api"] = f"{exc.code}: {exc.message}"[:300]
    if scoped.scope is not None and scoped.scope.key is None:
        row["products"] = f"no key: {scoped.scope.key_problem}"
        return row
    try:
        await scoped.twilio.messaging_services.list(limit=1)
    except SkillError as exc:
        row["products"] = f"{exc.code}: {exc.message}"[:300]
    return row


async def check_environments(services: Services) -> list[dict[str, Any]]:
    """Every environment's row (see check_environment), checked one after another, in the policy's order."""
    return [await check_environment(services, env) for env in services.environments]
