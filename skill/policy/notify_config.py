"""The policy's [notify] section: who hears about new approval requests and decisions, and how.

    [notify]
    mask_numbers = true            # phone numbers masked in what leaves the machine (default)
    attempts = 4                   # tries per notice and target, with backoff 1 s, 2 s, 4 s, ...
    [[notify.targets]]
    kind = "webhook"               # JSON, signed: X-Twilio-Skill-Timestamp + X-Twilio-Skill-Signature
    url = "https://ops.example.com/hooks/approvals"
    secret_env = "OPS_HOOK_KEY"    # the HMAC key is read from this environment variable, never the file
    [[notify.targets]]
    kind = "slack"                 # a Slack incoming-webhook URL
    url = "https://hooks.slack.com/services/T0/B0/XXXX"
    [[notify.targets]]
    kind = "email"                 # through SendGrid, as email_send sends
    to = ["oncall@example.com"]
    from = "twilio-skill@example.com"
    [[notify.targets]]
    kind = "sms"                   # through Twilio, as message_send sends
    to = "+14155550100"            # the on-call number
    from = "+15005550006"          # or messaging_service_sid = "MG..."
    events = ["requested"]         # which events this target gets: requested, decided (default both)

Every value is the operator's; they are still checked, so a typo is a clear error at start-up
rather than a notification that silently never leaves.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlsplit

from skill.errors import ConfigError

TargetKind = Literal["webhook", "slack", "email", "sms"]
KINDS: tuple[str, ...] = ("webhook", "slack", "email", "sms")
EVENTS: tuple[str, ...] = ("requested", "decided")
MAX_TARGETS = 10
MAX_URL_CHARS = 2000
ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,127}$")
EMAIL = re.compile(r"^[^@\s<>\"']{1,64}@[A-Za-z0-9.-]{1,253}\.[A-Za-z]{2,63}$")
E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")
SERVICE_SID = re.compile(r"^MG[0-9a-fA-F]{32}$")


@dataclass(frozen=True)
class NotifyTarget:
    kind: TargetKind
    name: str  # how logs, the audit log and `doctor` name it
    events: tuple[str, ...] = EVENTS
    url: str | None = None  # webhook, slack
    secret_env: str | None = None  # webhook: the variable holding the HMAC key
    to: tuple[str, ...] = ()  # email: addresses; sms: one number
    sender: str | None = None  # email: from address; sms: from number
    messaging_service_sid: str | None = None  # sms, instead of a from number

    def describe(self) -> dict[str, Any]:
        """What `twilio://policy` shows: never a URL path (a Slack URL is itself a credential), a key or
        an address in full."""
        shown: dict[str, Any] = {"kind": self.kind, "name": self.name, "events": list(self.events)}
        if self.url:
            shown["host"] = urlsplit(self.url).hostname
        if self.to:
            shown["recipients"] = len(self.to)
        return shown


@dataclass(frozen=True)
class NotifySettings:
    targets: tuple[NotifyTarget, ...] = ()
    mask_numbers: bool = True
    queue_size: int = 100  # notifications waiting per process; beyond it new ones are dropped (and logged)
    attempts: int = 4  # tries per notification and target
    timeout_seconds: float = 5.0  # per try

    def describe(self) -> dict[str, Any]:
        return {
            "targets": [target.describe() for target in self.targets],
            "mask_numbers": self.mask_numbers,
            "attempts": self.attempts,
        }


def _bad(where: str, problem: str, example: str) -> ConfigError:
    return ConfigError(
        f"Policy {where}: {problem}.",
        code="config.policy_invalid",
        remediation=[f"Write e.g. {example}."],
    )


def check_url(value: object, where: str) -> str:
    """An http(s) URL with a host and no user name or password in it.

    Raises:
        ConfigError: anything else.
    """
    example = 'url = "https://hooks.example.com/approvals"'
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_URL_CHARS:
        raise _bad(where, "url must be an http(s) URL", example)
    url = value.strip()
    try:
        parts = urlsplit(url)
        _ = parts.port  # a malformed port raises here
    except ValueError:
        raise _bad(where, "url is not a valid URL", example) from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise _bad(where, "url must be an http(s) URL with a host", example)
    if parts.username is not None or parts.password is not None:
        raise _bad(where, "url must not carry a user name or password (use secret_env for the key)", example)
    if any(char.isspace() or ord(char) < 0x20 for char in url):
        raise _bad(where, "url must not contain spaces or control characters", example)
    return url


def _text(target: dict[str, Any], key: str, where: str, example: str) -> str:
    value = target.get(key)
    if not isinstance(value, str) or not value.strip():
        raise _bad(where, f"{key} is required", example)
    return value.strip()


def _events(target: dict[str, Any], where: str) -> tuple[str, ...]:
    events = target.get("events", list(EVENTS))
    if not isinstance(events, list) or not events or any(event not in EVENTS for event in events):
        raise _bad(where, f"events must be a list of {', '.join(EVENTS)}", 'events = ["requested"]')
    return tuple(dict.fromkeys(events))


def _webhook(target: dict[str, Any], where: str) -> dict[str, Any]:
    secret_env = _text(
        target, "secret_env", where, 'secret_env = "OPS_HOOK_KEY" (the key itself stays out of the file)'
    )
    if not ENV_NAME.fullmatch(secret_env):
        raise _bad(where, "secret_env must name an environment variable", 'secret_env = "OPS_HOOK_KEY"')
    return {"url": check_url(target.get("url"), where), "secret_env": secret_env}


def _email(target: dict[str, Any], where: str) -> dict[str, Any]:
    to = target.get("to")
    addresses = [to] if isinstance(to, str) else to
    example = 'to = ["oncall@example.com"] and from = "twilio-skill@example.com"'
    if not isinstance(addresses, list) or not addresses or len(addresses) > 20:
        raise _bad(where, "to must be one address or a list of up to 20", example)
    if not all(isinstance(address, str) and EMAIL.fullmatch(address.strip()) for address in addresses):
        raise _bad(where, "to holds something that is not an email address", example)
    sender = _text(target, "from", where, example)
    if not EMAIL.fullmatch(sender):
        raise _bad(where, "from is not an email address", example)
    return {"to": tuple(address.strip() for address in addresses), "sender": sender}


def _sms(target: dict[str, Any], where: str) -> dict[str, Any]:
    example = 'to = "+14155550100" and from = "+15005550006" (or messaging_service_sid = "MG...")'
    to = _text(target, "to", where, example)
    if not E164.fullmatch(to):
        raise _bad(where, "to must be one phone number in E.164 form", example)
    sender = target.get("from")
    service = target.get("messaging_service_sid")
    if (sender is None) == (service is None):
        raise _bad(where, "give exactly one of from and messaging_service_sid", example)
    if sender is not None and not (isinstance(sender, str) and E164.fullmatch(sender.strip())):
        raise _bad(where, "from must be a phone number in E.164 form", example)
    if service is not None and not (isinstance(service, str) and SERVICE_SID.fullmatch(service.strip())):
        raise _bad(where, "messaging_service_sid must be an MG... SID", example)
    return {
        "to": (to,),
        "sender": sender.strip() if isinstance(sender, str) else None,
        "messaging_service_sid": service.strip() if isinstance(service, str) else None,
    }


def _target(raw: object, index: int) -> NotifyTarget:
    where = f"[[notify.targets]] #{index}"
    if not isinstance(raw, dict):
        raise _bad(where, "each target is a table", 'kind = "slack" and url = "https://hooks.slack.com/..."')
    kind = raw.get("kind")
    if kind not in KINDS:
        raise _bad(where, f"kind must be one of {', '.join(KINDS)}", 'kind = "webhook"')
    name = raw.get("name", f"{kind}#{index}")
    if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9 ._#-]{0,39}", name):
        raise _bad(where, "name must be 1 to 40 letters, digits, spaces or . _ # -", 'name = "ops-slack"')
    if kind == "webhook":
        fields = _webhook(raw, where)
    elif kind == "slack":
        fields = {"url": check_url(raw.get("url"), where)}
    elif kind == "email":
        fields = _email(raw, where)
    else:
        fields = _sms(raw, where)
    return NotifyTarget(kind=kind, name=name, events=_events(raw, where), **fields)


def parse_notify(section: object) -> NotifySettings:
    """The [notify] section of a policy file (absent: no notifications).

    Raises:
        ConfigError: a target that cannot be used, with the fix.
    """
    if section is None:
        return NotifySettings()
    if not isinstance(section, dict):
        raise _bad("[notify]", "it must be a table", "[notify] with [[notify.targets]] entries")
    raw_targets = section.get("targets", [])
    if not isinstance(raw_targets, list) or len(raw_targets) > MAX_TARGETS:
        raise _bad("[notify]", f"targets must be a list of at most {MAX_TARGETS}", '[[notify.targets]] kind = "slack"')
    targets = tuple(_target(raw, index) for index, raw in enumerate(raw_targets, start=1))
    names = [target.name for target in targets]
    if len(set(names)) != len(names):
        raise _bad("[notify]", "two targets have the same name", 'name = "ops-slack" and name = "ops-sms"')
    mask = section.get("mask_numbers", True)
    if not isinstance(mask, bool):
        raise _bad("[notify]", "mask_numbers must be true or false", "mask_numbers = true")
    attempts = section.get("attempts", 4)
    if isinstance(attempts, bool) or not isinstance(attempts, int) or not 1 <= attempts <= 10:
        raise _bad("[notify]", "attempts must be a whole number from 1 to 10", "attempts = 4")
    return NotifySettings(targets=targets, mask_numbers=mask, attempts=attempts)
