"""The sandbox's SendGrid data: API keys and their scopes, templates, suppression lists, sent mail."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from skill.config import SANDBOX_SENDGRID_KEY
from skill.sandbox.clock import SandboxClock

# A restricted sandbox key: everything but mail.send, to try the 403 path.
RESTRICTED_KEY = "SG.sandbox-no-mail-send"
ALL_SCOPES = frozenset(
    {
        "mail.send",
        "templates.read",
        *(f"suppression.{kind}.{action}" for kind in ("bounces", "blocks", "spam_reports", "invalid_emails")
          for action in ("read", "delete")),
        "suppression.unsubscribes.read",
        "asm.suppressions.global.read",
        "asm.suppressions.global.delete",
    }
)  # fmt: skip
SUPPRESSION_KINDS = ("bounces", "blocks", "spam_reports", "invalid_emails", "global_unsubscribes")
MAX_PAYLOAD_BYTES = 30 * 1024 * 1024


def hex_id(*parts: object, length: int = 32) -> str:
    return hashlib.sha256("|".join(str(p) for p in parts).encode()).hexdigest()[:length]


def uuid_like(*parts: object) -> str:
    digits = hex_id(*parts)
    return f"{digits[:8]}-{digits[8:12]}-{digits[12:16]}-{digits[16:20]}-{digits[20:32]}"


def template_time(ts: float) -> str:
    """The Templates API's date format: '2021-04-28 13:12:46'."""
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M:%S")


@dataclass
class SendGridState:
    clock: SandboxClock
    keys: dict[str, frozenset[str]] = field(default_factory=dict)
    templates: dict[str, dict[str, Any]] = field(default_factory=dict)
    suppressions: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)  # kind -> email -> record
    sent: list[dict[str, Any]] = field(default_factory=list)  # accepted mail-send payloads, with their ids
    max_payload_bytes: int = MAX_PAYLOAD_BYTES
    throttled: int = 0  # the next this many requests are answered 429
    reset_in: int = 60  # seconds until X-RateLimit-Reset on a 429
    counter: int = 0

    def throttle(self, count: int = 1, reset_in: int = 60) -> None:
        """Answer the next `count` requests with 429, the limit resetting `reset_in` seconds on."""
        self.throttled = count
        self.reset_in = reset_in

    def message_id(self) -> str:
        self.counter += 1
        return hex_id("message", self.counter, self.clock.now(), length=22)


def seed_sendgrid(clock: SandboxClock) -> SendGridState:
    """The fixed starting data: two dynamic templates with versions, one legacy, a few suppressions."""
    state = SendGridState(clock=clock)
    state.keys = {SANDBOX_SENDGRID_KEY: ALL_SCOPES, RESTRICTED_KEY: ALL_SCOPES - {"mail.send"}}
    now = clock.now()
    day = 86400

    def template(name: str, generation: str, versions: list[tuple[str, str, bool]], age_days: int) -> None:
        template_id = ("d-" + hex_id("template", name)) if generation == "dynamic" else uuid_like("template", name)
        state.templates[template_id] = {
            "id": template_id,
            "name": name,
            "generation": generation,
            "updated_at": template_time(now - age_days * day),
            "versions": [
                {
                    "id": uuid_like("version", name, version_name),
                    "template_id": template_id,
                    "active": 1 if active else 0,
                    "name": version_name,
                    "subject": subject,
                    "updated_at": template_time(now - (age_days + index) * day),
                    "generate_plain_content": True,
                    "editor": "code",
                }
                for index, (version_name, subject, active) in enumerate(versions)
            ],
        }

    template("Welcome", "dynamic", [("Welcome v2", "Welcome aboard, {{first_name}}", True),
                                    ("Welcome v1", "Welcome, {{first_name}}", False)], 3)  # fmt: skip
    template("Password reset", "dynamic", [("Reset", "Reset your password", True)], 10)
    template("Monthly newsletter", "legacy", [("Newsletter", "<%subject%>", True)], 200)

    def add(kind: str, email: str, age_days: int, **extra: Any) -> None:
        record = {"created": int(now - age_days * day), "email": email, **extra}
        state.suppressions.setdefault(kind, {})[email.lower()] = record

    for kind in SUPPRESSION_KINDS:
        state.suppressions.setdefault(kind, {})
    add("bounces", "bounced@example.com", 5, reason="550 5.1.1 The email account does not exist.", status="5.1.1")
    add("bounces", "old-address@example.org", 40, reason="550 5.1.1 User unknown", status="5.1.1")
    add("blocks", "blocked@example.net", 2, reason="554 5.7.1 Service unavailable; client host blocked", status="5.7.1")
    add("spam_reports", "complained@example.com", 7, ip="192.0.2.10")
    add("invalid_emails", "typo@exampel.com", 1, reason="Mail domain mentioned in email address is unknown")
    add("global_unsubscribes", "unsubscribed@example.com", 12)
    add("global_unsubscribes", "left@example.org", 30)
    return state
