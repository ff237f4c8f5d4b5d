"""The policy's [retention] section: whole days within bounds, known keys only, nothing kept forever by mistake."""

from __future__ import annotations

from pathlib import Path

import pytest

from skill.errors import ConfigError
from skill.policy.policy import load_policy


def test_retention_is_read_from_the_policy_file_and_unset_periods_keep_everything(tmp_path: Path) -> None:
    path = tmp_path / "policy.toml"
    path.write_text("[retention]\naudit_days = 365\nmessage_body_days = 7\n")
    policy = load_policy(path)
    assert policy.retention.describe() == {"audit_days": 365, "webhook_event_days": None, "message_body_days": 7}
    assert load_policy(None).retention.describe() == dict.fromkeys(policy.retention.describe())


@pytest.mark.parametrize(
    "body",
    [
        "audit_days = 0",
        "audit_days = -1",
        "audit_days = 1.5",
        "audit_days = true",
        "audit_days = 99999",
        "suppression_days = 30",  # opt-outs are never pruned: no key can ask for it
    ],
)
def test_a_bad_retention_value_or_key_is_refused(tmp_path: Path, body: str) -> None:
    path = tmp_path / "policy.toml"
    path.write_text(f"[retention]\n{body}\n")
    with pytest.raises(ConfigError) as raised:
        load_policy(path)
    assert raised.value.code == "config.policy_invalid"
