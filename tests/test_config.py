from __future__ import annotations

import json
from pathlib import Path

import pytest

from skill.config import ALL_TOOLSETS, DEFAULT_TOOLSETS, Settings, parse_toolsets
from skill.errors import ConfigError


def test_no_credentials_means_sandbox_mode(tmp_path: Path) -> None:
    settings = Settings.from_env({"TWILIO_SKILL_HOME": str(tmp_path)})
    assert settings.mode == "sandbox"
    assert settings.profile_name == "sandbox"
    assert settings.db_path == tmp_path / "sandbox.db"


def test_account_sid_with_an_api_key_pair_or_an_auth_token_means_live(tmp_path: Path) -> None:
    base = {"TWILIO_SKILL_HOME": str(tmp_path), "TWILIO_ACCOUNT_SID": "AC" + "1" * 32}
    assert Settings.from_env({**base, "TWILIO_API_KEY": "SK1", "TWILIO_API_SECRET": "x"}).mode == "live"
    assert Settings.from_env({**base, "TWILIO_AUTH_TOKEN": "t"}).mode == "live"
    assert Settings.from_env({**base, "TWILIO_API_KEY": "SK1"}).mode == "sandbox"


def test_a_twilio_cli_profile_resolves_env_indirection(tmp_path: Path) -> None:
    config = tmp_path / "config.json"
    config.write_text(
        json.dumps(
            {
                "profiles": {
                    "prod": {"accountSid": "AC" + "2" * 32, "apiKey": "SK" + "3" * 32, "apiSecret": "ENV:PROD_SECRET"},
                }
            }
        )
    )
    env = {"TWILIO_SKILL_HOME": str(tmp_path), "TWILIO_CLI_CONFIG": str(config), "PROD_SECRET": "shh"}
    settings = Settings.from_env(env, profile="prod")
    assert settings.mode == "live"
    assert settings.api_secret == "shh"
    assert settings.profile_name == "prod"


def test_a_profile_naming_a_missing_variable_or_absent_profile_is_a_clear_error(tmp_path: Path) -> None:
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"profiles": {"prod": {"accountSid": "AC1", "authToken": "ENV:NOPE"}}}))
    env = {"TWILIO_SKILL_HOME": str(tmp_path), "TWILIO_CLI_CONFIG": str(config)}
    with pytest.raises(ConfigError) as missing_var:
        Settings.from_env(env, profile="prod")
    assert missing_var.value.code == "config.profile_env_missing"
    with pytest.raises(ConfigError) as missing_profile:
        Settings.from_env(env, profile="staging")
    assert "prod" in missing_profile.value.remediation[0]


def test_toolsets_parse_names_all_and_reject_unknown_ones() -> None:
    assert parse_toolsets(None) == DEFAULT_TOOLSETS
    assert parse_toolsets("all") == ALL_TOOLSETS
    assert parse_toolsets("messaging, numbers") == ("messaging", "numbers")
    with pytest.raises(ConfigError) as info:
        parse_toolsets("messaging,fax")
    assert "fax" in info.value.message


def test_a_bad_approval_ttl_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        Settings.from_env({"TWILIO_SKILL_HOME": str(tmp_path), "TWILIO_SKILL_APPROVAL_TTL": "soon"})
    assert info.value.code == "config.invalid_number"


def test_a_cli_config_that_is_not_an_object_means_no_such_profile(tmp_path: Path) -> None:
    config = tmp_path / "config.json"
    config.write_text("[]")
    env = {"TWILIO_SKILL_HOME": str(tmp_path), "TWILIO_CLI_CONFIG": str(config)}
    with pytest.raises(ConfigError) as info:
        Settings.from_env(env, profile="prod")
    assert info.value.code == "config.profile_missing"


def test_sandbox_and_live_state_live_in_different_databases(tmp_path: Path) -> None:
    sandbox = Settings(home=tmp_path)
    live = Settings(home=tmp_path, account_sid="AC" + "1" * 32, auth_token="t")
    assert sandbox.db_path != live.db_path


def test_every_configured_secret_is_listed_for_redaction(tmp_path: Path) -> None:
    settings = Settings(
        home=tmp_path,
        api_secret="a",
        auth_token="b",
        sendgrid_api_key="c",
        webhook_shared_key="d",
        inbound_parse_token="e",
    )
    assert set(settings.secret_values()) == {"a", "b", "c", "d", "e"}


def test_the_database_url_selects_postgresql_and_its_password_is_a_secret(tmp_path: Path) -> None:
    unset = Settings.from_env({"TWILIO_SKILL_HOME": str(tmp_path)})
    assert unset.database == tmp_path / "sandbox.db"
    url = "postgresql://app:s%40fe-pw@db.internal:5432/twilio"
    settings = Settings.from_env({"TWILIO_SKILL_HOME": str(tmp_path), "TWILIO_SKILL_DATABASE_URL": url})
    assert settings.database == url
    assert "s@fe-pw" in settings.secret_values()
    blank = Settings.from_env({"TWILIO_SKILL_HOME": str(tmp_path), "TWILIO_SKILL_DATABASE_URL": "  "})
    assert blank.database == tmp_path / "sandbox.db"


def test_a_database_url_of_another_kind_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as raised:
        Settings.from_env({"TWILIO_SKILL_HOME": str(tmp_path), "TWILIO_SKILL_DATABASE_URL": "sqlite:///etc/passwd"})
    assert raised.value.code == "config.database_url"
