"""Agents, as stored: the named identities that call tools over HTTP with their own bearer token."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class AgentRecord:
    """An agent as stored: a name, the current key id and the hash of its token's secret."""

    name: str
    key_id: str
    secret_sha256: str
    created_at: float
    rotated_at: float | None
    revoked_at: float | None

    @property
    def active(self) -> bool:
        return self.revoked_at is None
