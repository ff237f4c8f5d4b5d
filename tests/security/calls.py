"""What the attacks on the call path share: the shape every error must have, and what the audit log holds."""

from __future__ import annotations

from typing import Any

from skill.core.context import Services
from skill.records.audit import AuditEntry, AuditFilter
from skill.sandbox.app import Sandbox
from tests.conftest import Called

SENDER = "+15005550006"
RECIPIENT = "+14155550100"


def send_args(**overrides: Any) -> dict[str, Any]:
    """A message_send the sandbox accepts."""
    return {"to": RECIPIENT, "from": SENDER, "body": "Your table is ready.", **overrides}


def assert_structured(result: Called) -> dict[str, Any]:
    """An error result an agent can act on: a stable code, a message and ordered steps; never a crash."""
    error = result.error
    assert isinstance(error.get("code"), str) and error["code"], result
    assert error["code"] != "internal.unexpected", result
    assert isinstance(error.get("message"), str) and error["message"], result
    assert isinstance(error.get("remediation"), list) and error["remediation"], result
    assert all(isinstance(step, str) and step for step in error["remediation"]), result
    return error


def calls_of(services: Services, tool: str) -> list[AuditEntry]:
    """The audit log's `tool.call` entries for one tool, oldest first."""
    entries = services.stores.audit.search(AuditFilter(tool=tool, event="tool.call"), limit=1000)
    return list(reversed(entries))


def events_of(services: Services, approval_id: str) -> list[str]:
    """The audit events about one approval, oldest first."""
    entries = services.stores.audit.search(AuditFilter(approval_id=approval_id), limit=1000)
    return [entry.event for entry in reversed(entries)]


def seeded_number(sandbox: Sandbox) -> str:
    """The SID of a number the sandbox account owns."""
    return next(iter(sandbox.state.numbers))
