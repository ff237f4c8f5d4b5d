"""[notify] in the policy: operator-chosen targets, still checked at load so a typo is a clear error."""

from __future__ import annotations

import pytest

from skill.errors import ConfigError
from skill.policy.notify_config import parse_notify


def one(**target: object) -> dict[str, object]:
    return {"targets": [target]}


@pytest.mark.parametrize(
    ("section", "fragment"),
    [
        (one(kind="webhook", url="ftp://hooks.example.com", secret_env="K"), "http(s) URL"),
        (one(kind="webhook", url="https://user:pw@hooks.example.com", secret_env="K"), "user name or password"),
        (one(kind="slack", url="https://hooks.slack.com/a b"), "spaces"),
        (one(kind="slack", url="https://"), "with a host"),
        (one(kind="webhook", url="https://hooks.example.com"), "secret_env is required"),
        (one(kind="webhook", url="https://hooks.example.com", secret_env="NOT A NAME"), "environment variable"),
        (one(kind="email", to=["not-an-address"], **{"from": "s@example.com"}), "not an email address"),
        (one(kind="sms", to="4155550100", **{"from": "+15005550006"}), "E.164"),
        (one(kind="sms", to="+14155550100"), "exactly one of from and messaging_service_sid"),
        (one(kind="pager", url="https://x.example.com"), "kind must be one of"),
        (one(kind="slack", url="https://hooks.slack.com/x", events=["everything"]), "events must be"),
        ({"targets": [{"kind": "slack", "url": "https://a.example.com", "name": "x"}] * 2}, "same name"),
        ({"mask_numbers": "no"}, "mask_numbers"),
        ({"attempts": 0}, "attempts"),
    ],
)
def test_an_unusable_target_is_refused_with_the_place_and_the_fix(section: dict[str, object], fragment: str) -> None:
    with pytest.raises(ConfigError) as raised:
        parse_notify(section)
    assert raised.value.code == "config.policy_invalid"
    assert fragment in raised.value.message
    assert raised.value.remediation


def test_a_policy_never_shows_a_target_url_path_or_its_recipients() -> None:
    settings = parse_notify(
        {
            "targets": [
                {"kind": "slack", "name": "s", "url": "https://hooks.slack.com/services/T/B/SECRETPATH"},
                {"kind": "sms", "name": "m", "to": "+14155550100", "messaging_service_sid": "MG" + "0" * 32},
            ]
        }
    )
    shown = str(settings.describe())
    assert "SECRETPATH" not in shown and "+14155550100" not in shown
    assert "hooks.slack.com" in shown
    assert settings.mask_numbers is True
