"""The `backend` fixture: each store test runs on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from skill.ports.clock import Clock
from skill.stores.sqlite import Stores


@dataclass
class Backend:
    name: str
    target: Path | str
    opened: list[Stores] = field(default_factory=list)

    def open(self, *, secrets: tuple[str, ...] = (), clock: Clock | None = None) -> Stores:
        """The stores on this backend's database (each call opens another connection or pool)."""
        stores = Stores.open(self.target, secrets, clock=clock)
        self.opened.append(stores)
        return stores


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    if request.param == "sqlite":
        chosen = Backend("sqlite", tmp_path / "state.db")
    else:
        chosen = Backend("postgresql", request.getfixturevalue("pg_url"))
    yield chosen
    for stores in chosen.opened:
        stores.close()
