"""The SQLite file under the skill's home: WAL mode, migrations on open, one lock per process."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from skill.stores.migrations import apply_migrations

BUSY_SECONDS = 10.0  # how long opening waits for another process that holds the file


def _switch_to_wal(conn: sqlite3.Connection) -> None:
    """Put the file in WAL mode, waiting for another process that is doing the same.

    SQLite answers "database is locked" at once, without its busy handler, when two connections
    change the journal mode of a new file together; so the wait is here.

    Raises:
        sqlite3.OperationalError: still locked after BUSY_SECONDS, or another failure.
    """
    deadline = time.monotonic() + BUSY_SECONDS
    pause = 0.005
    while True:
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() + pause > deadline:
                raise
        time.sleep(pause)
        pause = min(pause * 2, 0.2)


class Database:
    """A thread-safe SQLite connection; writes from several processes serialise on the file."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path) if str(path) != ":memory:" else path
        if isinstance(self.path, Path):
            # The file holds personal data (numbers, message bodies in webhook events): owner only.
            self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            if not self.path.exists():
                self.path.touch(mode=0o600)
        self._conn = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None, timeout=10.0)
        self._conn.row_factory = sqlite3.Row
        self._lock = threading.RLock()
        try:
            with self._lock:
                # The busy timeout first: another process may hold the file while this one switches to WAL.
                self._conn.execute("PRAGMA busy_timeout=10000")
                _switch_to_wal(self._conn)
                self._conn.execute("PRAGMA synchronous=NORMAL")
                apply_migrations(self._conn)
        except BaseException:
            self._conn.close()
            raise

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """A write transaction taken eagerly, so read-then-write is atomic across processes."""
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def query(self, sql: str, params: tuple[Any, ...] = ()) -> list[sqlite3.Row]:
        with self._lock:
            return list(self._conn.execute(sql, params))

    def execute(self, sql: str, params: tuple[Any, ...] = ()) -> int:
        with self._lock:
            return self._conn.execute(sql, params).rowcount

    def close(self) -> None:
        with self._lock:
            self._conn.close()
