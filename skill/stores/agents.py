"""Agent records (SQLite or PostgreSQL): the named identities that call tools over HTTP."""

from __future__ import annotations

from skill.records.agents import AgentRecord
from skill.stores.identities import IdentityStore, Kind


class SqliteAgentStore(IdentityStore[AgentRecord]):
    """The `agents` table."""

    kind = Kind(table="agents", noun="agent", secret="token", pronoun="it")
    record = AgentRecord
