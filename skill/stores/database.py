"""The database the stores are written against, and the SQLite file under the skill's home.

Every store speaks one portable subset of SQL (qmark parameters, ON CONFLICT upserts, RETURNING)
through the `SqlDatabase` protocol, so the same store class runs on SQLite and on PostgreSQL
(skill.stores.pg). A read-then-write transaction calls `lock` first: SQLite already serialises
writers on the file, PostgreSQL takes a transaction-scoped advisory lock on the key.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

from skill.stores.migrations import apply_migrations

# A row reads by column name on every backend (sqlite3.Row, or a dict on PostgreSQL).
Row = Any
POSTGRES_SCHEMES = ("postgresql://", "postgres://")
BUSY_SECONDS = 10.0  # how long opening waits for another process that holds the file


class Cursor(Protocol):
    @property
    def rowcount(self) -> int: ...

    def fetchone(self) -> Row: ...

    def fetchall(self) -> Sequence[Row]: ...


class Connection(Protocol):
    """The connection of an open transaction."""

    def execute(self, sql: str, params: Sequence[Any] = ..., /) -> Any: ...

    def executemany(self, sql: str, params: Iterable[Sequence[Any]], /) -> Any: ...


class SqlDatabase(Protocol):
    """What a store needs of its database, on any backend."""

    backend: str
    # Errors after which the whole transaction may simply run again (deadlock, serialisation).
    retryable: tuple[type[Exception], ...]
    # The migrations this opening applied (none when the schema was current).
    applied: list[str]

    def transaction(self) -> AbstractContextManager[Connection]:
        """A write transaction; statements through `query`/`execute` in the same thread join it."""
        ...

    def transaction_now(self) -> AbstractContextManager[Connection | None]:
        """A write transaction when one can begin without waiting for any other writer, else None: for
        a caller that must not block (an event loop)."""
        ...

    def lock(self, conn: Connection, scope: str, *keys: str) -> None:
        """Inside a transaction: serialise with every other transaction locking the same scope and a
        same key (with no key, the same scope); several keys are taken in one global order, so two such
        transactions cannot deadlock."""
        ...

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[Row]: ...

    def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run one statement; the number of rows it changed."""
        ...

    def execute_many(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        """Run one statement once per row of parameters, sent together (one round trip on PostgreSQL)."""
        ...

    def execute_each(self, sql: str, rows: Sequence[Sequence[Any]]) -> list[int]:
        """As `execute_many`; the number of rows each run changed, in order."""
        ...

    def close(self) -> None: ...


def safe_url(url: str) -> str:
    """A database URL without its password, for messages and `db status`."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return parts._replace(netloc=netloc).geturl()


def is_postgres_url(target: Path | str) -> bool:
    return isinstance(target, str) and target.startswith(POSTGRES_SCHEMES)


def open_database(target: Path | str) -> SqlDatabase:
    """A PostgreSQL database for a postgresql:// URL, else the SQLite file at the path.

    Raises:
        ConfigError: the PostgreSQL server cannot be reached or refuses the connection.
    """
    if is_postgres_url(target):
        from skill.stores.pg.database import PgDatabase

        return PgDatabase(str(target))
    return Database(target)


def store_errors() -> tuple[type[Exception], ...]:
    """The exceptions a store raises when its database fails (busy, locked, unreachable)."""
    try:
        import psycopg
    except ImportError:  # pragma: no cover - psycopg is a dependency; SQLite works without it
        return (sqlite3.Error,)
    return (sqlite3.Error, psycopg.Error)


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

    backend = "sqlite"
    retryable: tuple[type[Exception], ...] = ()

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
                self._conn.execute(f"PRAGMA busy_timeout={int(BUSY_SECONDS * 1000)}")
                _switch_to_wal(self._conn)
                self._conn.execute("PRAGMA synchronous=NORMAL")
                self.applied = apply_migrations(self._conn)
        except BaseException:
            self._conn.close()
            raise

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """A write transaction taken eagerly, so read-then-write is atomic across processes."""
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            with self._begun() as conn:
                yield conn

    @contextmanager
    def transaction_now(self) -> Iterator[sqlite3.Connection | None]:
        """As transaction(), when neither another thread nor another process is writing; else None."""
        if not self._lock.acquire(blocking=False):
            yield None
            return
        try:
            # Another process's writer would otherwise be waited for, up to the busy timeout.
            self._conn.execute("PRAGMA busy_timeout=0")
            try:
                self._conn.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError:
                began = False
            else:
                began = True
            finally:
                self._conn.execute(f"PRAGMA busy_timeout={int(BUSY_SECONDS * 1000)}")
            if not began:
                yield None
                return
            with self._begun() as conn:
                yield conn
        finally:
            self._lock.release()

    @contextmanager
    def _begun(self) -> Iterator[sqlite3.Connection]:
        """Inside a transaction just begun: commit it at the end, or roll it back on any error."""
        try:
            yield self._conn
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise
        self._conn.execute("COMMIT")

    def lock(self, conn: Connection, scope: str, *keys: str) -> None:
        """Nothing to do: BEGIN IMMEDIATE already holds the file's write lock."""

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        with self._lock:
            return list(self._conn.execute(sql, tuple(params)))

    def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        with self._lock:
            return self._conn.execute(sql, tuple(params)).rowcount

    def execute_many(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        with self._lock:
            self._conn.executemany(sql, [tuple(row) for row in rows])

    def execute_each(self, sql: str, rows: Sequence[Sequence[Any]]) -> list[int]:
        with self._lock:
            cursor = self._conn.cursor()  # one cursor for all: a new one per row costs more than the insert
            return [cursor.execute(sql, row).rowcount for row in rows]

    def close(self) -> None:
        with self._lock:
            self._conn.close()
