"""Operator records (SQLite or PostgreSQL): the people who decide approvals."""

from __future__ import annotations

from skill.records.operators import OperatorRecord
from skill.stores.identities import IdentityStore, Kind


class SqliteOperatorStore(IdentityStore[OperatorRecord]):
    """The `operators` table."""

    kind = Kind(table="operators", noun="operator", secret="credential", pronoun="them")
    record = OperatorRecord
