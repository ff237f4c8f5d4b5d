"""Named environments in the policy file: each an account, optionally with a policy overlay of its own."""

from __future__ import annotations

from pathlib import Path

import pytest

from skill.errors import ConfigError
from skill.policy.policy import check_names, load_policy
from skill.policy.tiers import Tier

PROD = "AC" + "1" * 32
STAGING = "AC" + "2" * 32
KEY = "SK" + "3" * 32

POLICY = f"""
[limits]
sends_per_day = 500
allowed_countries = ["US", "CA"]
[tools]
number_configure = "allow"

[environments.prod]
account_sid = "{PROD}"
api_key = "{KEY}"
[environments.prod.limits]
sends_per_day = 20
[environments.prod.tools]
number_configure = "approve"
[[environments.prod.rules]]
tool = "message_send"
when = {{ to = "+44*" }}
action = "deny"

[environments.staging]
account_sid = "{STAGING}"
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "policy.toml"
    path.write_text(text)
    return path


def test_environments_are_read_in_name_order_with_their_account_and_key(tmp_path: Path) -> None:
    policy = load_policy(write(tmp_path, POLICY))
    assert [(env.name, env.account_sid, env.api_key, env.has_overlay) for env in policy.environments] == [
        ("prod", PROD, KEY, True),
        ("staging", STAGING, None, False),
    ]


def test_an_overlay_changes_the_policy_of_its_account_only(tmp_path: Path) -> None:
    policy = load_policy(write(tmp_path, POLICY))
    prod = policy.for_account(PROD.lower())
    assert prod.sends_per_day == 20
    assert prod.allowed_countries == ("US", "CA")  # not overlaid: the base value carries over
    assert prod.action_for("number_configure", Tier.WRITE, {})[0] == "approve"
    assert prod.action_for("message_send", Tier.SEND, {"to": "+447700900123"})[0] == "deny"
    for other in (policy.for_account(STAGING), policy.for_account(None), policy.for_account("AC" + "9" * 32)):
        assert other is policy
        assert other.sends_per_day == 500
        assert other.action_for("number_configure", Tier.WRITE, {})[0] == "allow"
        assert other.action_for("message_send", Tier.SEND, {"to": "+447700900123"})[0] == "allow"


@pytest.mark.parametrize(
    ("table", "says"),
    [
        ('[environments.prod]\naccount_sid = "AC123"', "account SID"),
        (f'[environments.prod]\naccount_sid = "{PROD}"\napi_key = "secret"', "API key SID"),
        (f'[environments.Prod]\naccount_sid = "{PROD}"', "lower-case"),
        (f'[environments.prod]\naccount_sid = "{PROD}"\nauth_token = "x"', "unknown key"),
        (f'[environments.a]\naccount_sid = "{PROD}"\n[environments.b]\naccount_sid = "{PROD}"', "already names"),
        (f'[environments.prod]\naccount_sid = "{PROD}"\nlimits = 3', "must be a table"),
        (
            f'[environments.prod]\naccount_sid = "{PROD}"\n[environments.prod.limits]\nsends_per_day = -1',
            "sends_per_day",
        ),
    ],
)
def test_a_malformed_environment_is_refused_naming_what_is_wrong(tmp_path: Path, table: str, says: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_policy(write(tmp_path, table))
    assert says in caught.value.message
    assert caught.value.code == "config.policy_invalid"


def test_an_overlay_naming_an_unknown_tool_is_refused_like_the_base_policy(tmp_path: Path) -> None:
    text = f'[environments.prod]\naccount_sid = "{PROD}"\n[environments.prod.tools]\nnumber_confgure = "deny"'
    policy = load_policy(write(tmp_path, text))
    with pytest.raises(ConfigError) as caught:
        check_names(policy, {"number_configure": {"sid"}})
    assert "number_confgure" in caught.value.message
    assert caught.value.code == "config.policy_unknown_name"
