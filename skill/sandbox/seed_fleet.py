"""The sandbox's fleet: three subaccounts of the parent, prod, staging and dev, each with its own API key
and its own numbers, messaging services, Verify services and usage, so that the same configuration
differs between them the way real environments drift.

Every subaccount's resources are reachable with the parent's credentials on API v2010 and with the
subaccount's own key everywhere; never the other way round (skill.sandbox.http).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from skill.config import SANDBOX_ACCOUNT_SID
from skill.policy.policy import Environment
from skill.sandbox.state import make_sid

if TYPE_CHECKING:
    from skill.sandbox.state import SandboxState

FLEET = ("prod", "staging", "dev")
DAY = 86400


def subaccount_sid(name: str) -> str:
    return make_sid("AC", "sub", name)


def key_sid(name: str) -> str:
    return make_sid("SK", "seed", name)


def key_secret(name: str) -> str:
    """The seeded key's secret: a fixed sandbox value, a secret nowhere."""
    return f"sub-key-secret-{name}-".ljust(32, "4")


# name -> (phone number, friendly name, kind, sms_url, voice_url) of each environment's numbers
NUMBERS: dict[str, tuple[tuple[str, str, str, str, str], ...]] = {
    "prod": (
        ("+18005550201", "Prod alerts", "toll_free", "https://hooks.example.com/prod/sms", "https://hooks.example.com/prod/voice"),
        ("+18005550202", "Prod support", "toll_free", "https://hooks.example.com/prod/sms", "https://hooks.example.com/prod/support"),
    ),
    "staging": (
        ("+18005550301", "Staging alerts", "toll_free", "https://hooks.example.com/staging/sms", "https://hooks.example.com/staging/voice"),
    ),
    "dev": (
        ("+18005550401", "Dev alerts", "toll_free", "", "https://hooks.example.com/dev/voice"),
    ),
}  # fmt: skip
# name -> (friendly name, settings) of each environment's messaging services
SERVICES: dict[str, tuple[tuple[str, dict[str, Any]], ...]] = {
    "prod": (
        ("Notifications", {"status_callback": "https://hooks.example.com/prod/status", "validity_period": 14400}),
    ),
    "staging": (
        ("Notifications", {"status_callback": "https://hooks.example.com/staging/status", "validity_period": 3600}),
        ("Campaigns", {"usecase": "marketing", "sticky_sender": False}),
    ),
    "dev": (),
}
VERIFY: dict[str, tuple[tuple[str, int], ...]] = {
    "prod": (("Login", 6),),
    "staging": (("Login", 8),),
    "dev": (),
}
# name -> (friendly name, category, value, callback) of each environment's usage triggers
TRIGGERS: dict[str, tuple[tuple[str, str, str, str], ...]] = {
    "prod": (("Old SMS alarm", "sms", "10000", "https://hooks.example.com/prod/usage"),),
    "staging": (("Spend alarm", "totalprice", "100", "https://hooks.example.com/usage"),),
    "dev": (),
}
# Error alerts (30003, unreachable handset) in the last day: prod has real traffic failing.
ALERTS = {"prod": 2, "staging": 0, "dev": 0}
# Key ages in days: prod's key is past the 90-day rotation age the audit checks.
KEY_AGES = {"prod": 200, "staging": 20, "dev": 5}


def seed_fleet(state: SandboxState) -> None:
    now = state.clock.now()
    parent = SANDBOX_ACCOUNT_SID
    for index, name in enumerate(FLEET):
        sid = subaccount_sid(name)
        state.accounts[sid] = {
            "sid": sid,
            "friendly_name": name,
            "owner_account_sid": parent,
            "auth_token": f"sub-token-{name}-".ljust(32, "1"),
            "status": "active",
            "type": "Full",
            "created": now - DAY * (300 - index * 50),
            "updated": now - DAY * 30,
        }
        # Subaccounts draw on the parent's balance, so each reports the same amount.
        state.balances[sid] = {"account_sid": sid, "balance": "42.17", "currency": "USD"}
        key = key_sid(name)
        state.keys[key] = {
            "sid": key,
            "account_sid": sid,
            "friendly_name": f"{name} key",
            "secret": key_secret(name),
            "created": now - DAY * KEY_AGES[name],
            "updated": now - DAY * KEY_AGES[name],
        }
        for position, (phone, label, kind, sms_url, voice_url) in enumerate(NUMBERS[name]):
            number = make_sid("PN", "fleet", phone)
            state.numbers[number] = {
                "sid": number,
                "account_sid": sid,
                "phone_number": phone,
                "friendly_name": label,
                "kind": kind,
                "sms_url": sms_url,
                "sms_method": "POST",
                "voice_url": voice_url,
                "voice_method": "POST",
                "status_callback": "",
                "created": now - DAY * (60 + position),
                "updated": now - DAY * (6 + position),
            }
        senders = [make_sid("PN", "fleet", phone) for phone, *_ in NUMBERS[name]]
        for position, (label, settings) in enumerate(SERVICES[name]):
            service = make_sid("MG", "fleet", name, label)
            state.services[service] = {
                "sid": service,
                "account_sid": sid,
                "friendly_name": label,
                "created": now - DAY * (50 + position),
                "updated": now - DAY * (4 + position),
                **settings,
                "senders": {senders[0]: now - DAY * 40} if position == 0 and senders else {},
            }
        for index_alert in range(ALERTS[name]):
            alert = make_sid("NO", "fleet", name, index_alert)
            generated = now - 3600 * (2 + index_alert)
            state.alerts[alert] = {
                "sid": alert,
                "account_sid": sid,
                "error_code": "30003",
                "log_level": "error",
                "alert_text": "Msg=Unreachable+destination+handset&ErrorCode=30003&LogLevel=ERROR",
                "request_url": None,
                "request_method": None,
                "request_variables": None,
                "request_headers": None,
                "response_body": None,
                "response_headers": None,
                "resource_sid": make_sid("SM", "fleet", name, index_alert),
                "generated": generated,
                "created": generated + 2,
            }
        for label, category, value, callback in TRIGGERS[name]:
            trigger = make_sid("UT", "fleet", name, label)
            state.usage_triggers[trigger] = {
                "sid": trigger,
                "account_sid": sid,
                "callback_url": callback,
                "callback_method": "POST",
                "trigger_value": value,
                "usage_category": category,
                "trigger_by": "price" if category == "totalprice" else "count",
                "recurring": "monthly",
                "friendly_name": label,
                "created": now - DAY * 20,
                "updated": now - DAY * 20,
            }
        for label, length in VERIFY[name]:
            verify = make_sid("VA", "fleet", name, label)
            state.verify_services[verify] = {
                "sid": verify,
                "account_sid": sid,
                "friendly_name": label,
                "code_length": length,
                "lookup_enabled": False,
                "created": now - DAY * 45,
                "updated": now - DAY * 3,
            }


def sandbox_environments() -> tuple[Environment, ...]:
    """The environments the sandbox offers when the policy names none: its three subaccounts."""
    return tuple(Environment(name=name, account_sid=subaccount_sid(name), api_key=key_sid(name)) for name in FLEET)
