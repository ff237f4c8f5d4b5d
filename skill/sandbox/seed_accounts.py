"""The sandbox's seeded parent account with its balance and one API key; its subaccounts (prod,
staging, dev) are seeded by skill.sandbox.seed_fleet."""

from __future__ import annotations

from typing import TYPE_CHECKING

from skill.config import SANDBOX_ACCOUNT_SID, SANDBOX_AUTH_TOKEN
from skill.sandbox.state import make_sid

if TYPE_CHECKING:
    from skill.sandbox.state import SandboxState

DAY = 86400


def add_account(state: SandboxState, sid: str, name: str, owner: str, token: str, *, created: float) -> None:
    state.accounts[sid] = {
        "sid": sid,
        "friendly_name": name,
        "owner_account_sid": owner,
        "auth_token": token,
        "status": "active",
        "type": "Full",
        "created": created,
        "updated": created,
    }
    state.balances[sid] = {"account_sid": sid, "balance": "0.00", "currency": "USD"}


def seed_accounts(state: SandboxState) -> None:
    now = state.clock.now()
    parent = SANDBOX_ACCOUNT_SID
    add_account(state, parent, "Sandbox parent account", parent, SANDBOX_AUTH_TOKEN, created=now - DAY * 400)
    state.accounts[parent]["updated"] = now - DAY * 30
    state.balances[parent]["balance"] = "42.17"


def seed_keys(state: SandboxState) -> None:
    now = state.clock.now()
    key_sid = make_sid("SK", "seed", "deploy")
    state.keys[key_sid] = {
        "sid": key_sid,
        "account_sid": SANDBOX_ACCOUNT_SID,
        "friendly_name": "deploy key",
        "secret": "seed-key-secret-" + "3" * 16,
        "created": now - DAY * 120,
        "updated": now - DAY * 120,
    }
