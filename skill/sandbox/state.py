"""The sandbox's data: a seeded parent account with two subaccounts, numbers, keys, a service,
past calls with recordings and conferences."""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from skill.config import SANDBOX_ACCOUNT_SID
from skill.sandbox.clock import SandboxClock


def make_sid(prefix: str, *parts: object) -> str:
    """A deterministic 34-character SID: prefix plus 32 hex digits."""
    digest = hashlib.sha256("|".join(str(p) for p in parts).encode()).hexdigest()
    return prefix + digest[:32]


@dataclass
class SandboxState:
    clock: SandboxClock
    accounts: dict[str, dict[str, Any]] = field(default_factory=dict)
    balances: dict[str, dict[str, str]] = field(default_factory=dict)
    keys: dict[str, dict[str, Any]] = field(default_factory=dict)  # includes "secret" and "account_sid"
    messages: dict[str, dict[str, Any]] = field(default_factory=dict)
    numbers: dict[str, dict[str, Any]] = field(default_factory=dict)
    services: dict[str, dict[str, Any]] = field(default_factory=dict)
    calls: dict[str, dict[str, Any]] = field(default_factory=dict)
    recordings: dict[str, dict[str, Any]] = field(default_factory=dict)
    conferences: dict[str, dict[str, Any]] = field(default_factory=dict)
    verify_services: dict[str, dict[str, Any]] = field(default_factory=dict)
    verifications: dict[str, dict[str, Any]] = field(default_factory=dict)
    verify_codes: list[dict[str, Any]] = field(default_factory=list)  # codes as delivered to the person
    flows: dict[str, dict[str, Any]] = field(default_factory=dict)  # each with its "revisions"
    executions: dict[str, dict[str, Any]] = field(default_factory=dict)
    # Messaging v1 compliance; the services themselves (and their "senders") are in `services`.
    a2p_campaigns: dict[str, dict[str, Any]] = field(default_factory=dict)
    brand_registrations: dict[str, dict[str, Any]] = field(default_factory=dict)
    tollfree_verifications: dict[str, dict[str, Any]] = field(default_factory=dict)
    alerts: dict[str, dict[str, Any]] = field(default_factory=dict)
    usage_rates: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)  # account -> category -> daily
    usage_triggers: dict[str, dict[str, Any]] = field(default_factory=dict)
    # Scenario rules deciding a new message's fate on the way to the handset: (sender, to, body) ->
    # (final status, error code, error message), or None to let it through.
    delivery_rules: list[Callable[[str | None, str, str], tuple[str, int, str] | None]] = field(default_factory=list)
    verify_geo_allowed: set[str] | None = None  # Verify geo permissions: ISO regions codes may go to; None: all
    contents: dict[str, dict[str, Any]] = field(default_factory=dict)  # Content API templates
    sticky_senders: dict[tuple[str, str], str] = field(default_factory=dict)  # (service, to) -> its sender
    keys_fail_auth: bool = False  # drill: API keys stop authenticating (a rotation whose new key fails)
    counter: itertools.count[int] = field(default_factory=itertools.count)

    def new_sid(self, prefix: str) -> str:
        return make_sid(prefix, "new", next(self.counter), self.clock.now())

    def parent_sid(self) -> str:
        return SANDBOX_ACCOUNT_SID

    def account_tree(self, sid: str) -> set[str]:
        """The account and every subaccount it owns."""
        return {sid} | {a["sid"] for a in self.accounts.values() if a.get("owner_account_sid") == sid}

    def auth_token(self, account_sid: str) -> str | None:
        account = self.accounts.get(account_sid)
        return account["auth_token"] if account else None

    def delivery_failure(self, sender: str | None, to: str, body: str) -> tuple[str, int, str] | None:
        """The first scenario rule's verdict on a new message, if any rule has one."""
        for rule in self.delivery_rules:
            verdict = rule(sender, to, body)
            if verdict is not None:
                return verdict
        return None


def seed(state: SandboxState) -> SandboxState:
    """Fill the state with the sandbox's fixed starting data."""
    from skill.sandbox.seed_accounts import seed_accounts, seed_keys
    from skill.sandbox.seed_numbers import seed_numbers

    now = state.clock.now()
    parent = SANDBOX_ACCOUNT_SID
    seed_accounts(state)
    seed_keys(state)
    service_sid = make_sid("MG", "seed", "service")
    state.services[service_sid] = {
        "sid": service_sid,
        "account_sid": parent,
        "friendly_name": "Sandbox notifications",
        "created": now - 86400 * 200,
        "updated": now - 86400 * 20,
    }
    seed_numbers(state)
    from skill.sandbox.content import seed_contents
    from skill.sandbox.seed_fleet import seed_fleet
    from skill.sandbox.seed_messaging_services import seed_messaging_services
    from skill.sandbox.seed_monitor import seed_alerts
    from skill.sandbox.seed_studio import seed_flows
    from skill.sandbox.seed_usage import seed_usage
    from skill.sandbox.seed_verify import seed_verify_service
    from skill.sandbox.seed_voice import seed_voice

    seed_fleet(state)
    seed_voice(state, now)
    seed_verify_service(state)
    seed_flows(state)
    seed_alerts(state)
    seed_usage(state)
    seed_messaging_services(state)
    seed_contents(state)
    return state
