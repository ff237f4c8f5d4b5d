"""The sandbox's accounts, keys and numbers are seeded from their own modules, which load no route module."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from skill.config import SANDBOX_ACCOUNT_SID
from skill.sandbox.app import ROUTE_MODULES, Sandbox
from skill.sandbox.state import make_sid

SANDBOX = Path(__file__).resolve().parents[2] / "skill" / "sandbox"


@pytest.mark.parametrize("module", ["seed_accounts", "seed_numbers"])
def test_a_seed_module_imports_no_route_module(module: str) -> None:
    tree = ast.parse((SANDBOX / f"{module}.py").read_text())
    imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
    assert not {f"skill.sandbox.{name}" for name in ROUTE_MODULES} & imported


def test_the_sandbox_starts_with_a_parent_three_subaccounts_a_key_and_three_numbers() -> None:
    state = Sandbox().state
    parent = state.accounts[SANDBOX_ACCOUNT_SID]
    assert (
        parent["owner_account_sid"] == SANDBOX_ACCOUNT_SID and state.balances[SANDBOX_ACCOUNT_SID]["balance"] == "42.17"
    )
    children = {a["friendly_name"] for a in state.accounts.values() if a["sid"] != SANDBOX_ACCOUNT_SID}
    assert children == {"prod", "staging", "dev"}
    own = SANDBOX_ACCOUNT_SID
    assert [k["friendly_name"] for k in state.keys.values() if k["account_sid"] == own] == ["deploy key"]
    numbers = {n["phone_number"] for n in state.numbers.values() if n["account_sid"] == own}
    assert numbers == {"+15005550006", "+14155550142", "+18005550123"}
    assert state.numbers[make_sid("PN", "seed", "+14155550142")]["voice_url"] == "https://example.com/voice"
