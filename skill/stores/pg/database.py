"""A pooled PostgreSQL database behind the same protocol as the SQLite file.

Statements arrive in the stores' qmark style and are rewritten once to psycopg's format style.
Each thread inside `transaction` keeps its connection in a thread-local, so `query` and `execute`
calls made by other stores during it (an opt-out recorded while processing a webhook event) join
the same transaction, as they do on SQLite's single connection.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

import psycopg
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool

from skill.errors import ConfigError
from skill.stores.database import safe_url
from skill.stores.pg.migrations import apply_pg_migrations

POOL_MAX = 8
CONNECT_TIMEOUT = 10


@lru_cache(maxsize=1024)
def to_format_style(sql: str) -> str:
    """qmark placeholders to psycopg's; a literal % doubled so psycopg leaves it alone."""
    return sql.replace("%", "%%").replace("?", "%s")


class PgConnection:
    """One pooled connection inside a transaction, taking qmark SQL."""

    def __init__(self, raw: psycopg.Connection[dict[str, Any]]) -> None:
        self.raw = raw

    def execute(self, sql: str, params: Sequence[Any] = (), /) -> psycopg.Cursor[dict[str, Any]]:
        return self.raw.execute(to_format_style(sql), tuple(params))

    def executemany(self, sql: str, params: Iterable[Sequence[Any]], /) -> None:
        with self.raw.cursor() as cursor:
            cursor.executemany(to_format_style(sql), [tuple(row) for row in params])


class PgDatabase:
    """Implements skill.stores.database.SqlDatabase on a psycopg connection pool."""

    backend = "postgresql"
    retryable: tuple[type[Exception], ...] = (
        psycopg.errors.DeadlockDetected,
        psycopg.errors.SerializationFailure,
    )

    def __init__(self, url: str, *, max_size: int = POOL_MAX) -> None:
        """Raises:
        ConfigError: the server cannot be reached, or refuses the connection.
        """
        self.url = url
        self._local = threading.local()
        try:
            # One plain connection first: a wrong URL fails at once instead of after the pool's retries.
            with (
                psycopg.connect(url, connect_timeout=CONNECT_TIMEOUT, row_factory=dict_row) as conn,
                conn.transaction(),
            ):
                self.applied = apply_pg_migrations(conn)
        except psycopg.OperationalError as exc:
            raise ConfigError(
                f"Cannot use the PostgreSQL database at {safe_url(url)}: {str(exc).strip()}",
                code="config.database_unreachable",
                remediation=[
                    "Check that the server runs and accepts connections from this host.",
                    "Check the user, password and database name in TWILIO_SKILL_DATABASE_URL.",
                    "Or unset TWILIO_SKILL_DATABASE_URL to use the SQLite file in the home directory.",
                ],
            ) from None
        self.pool: ConnectionPool[psycopg.Connection[dict[str, Any]]] = ConnectionPool(
            url,
            min_size=1,
            max_size=max_size,
            kwargs={"row_factory": dict_row, "autocommit": True},
            open=False,
        )
        self.pool.open()

    @property
    def _current(self) -> PgConnection | None:
        current: PgConnection | None = getattr(self._local, "conn", None)
        return current

    @contextmanager
    def transaction(self) -> Iterator[PgConnection]:
        """A transaction on one pooled connection; a nested call joins the open one."""
        if self._current is not None:
            yield self._current
            return
        with self.pool.connection() as raw, raw.transaction():
            self._local.conn = conn = PgConnection(raw)
            try:
                yield conn
            finally:
                self._local.conn = None

    @contextmanager
    def transaction_now(self) -> Iterator[PgConnection | None]:
        """Always None: every statement is a round trip to the server, so it cannot run without waiting."""
        yield None

    def lock(self, conn: Any, scope: str, *keys: str) -> None:
        """Transaction-scoped advisory locks on (scope, key), released at commit or rollback; several
        keys in the order of their hashes; no key: the scope as a whole (a lock of its own key space)."""
        if not keys:
            conn.execute("SELECT pg_advisory_xact_lock(hashtext(?)::bigint)", (scope,))
        elif len(keys) == 1:
            conn.execute("SELECT pg_advisory_xact_lock(hashtext(?), hashtext(?))", (scope, keys[0]))
        elif keys:
            conn.execute(
                "SELECT pg_advisory_xact_lock(hashtext(?), k) FROM "
                "(SELECT DISTINCT hashtext(x) AS k FROM unnest(?::text[]) AS x ORDER BY k) AS ordered",
                (scope, list(keys)),
            )

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        current = self._current
        if current is not None:
            return current.execute(sql, params).fetchall()
        with self.pool.connection() as raw:
            return raw.execute(to_format_style(sql), tuple(params)).fetchall()

    def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        current = self._current
        if current is not None:
            return current.execute(sql, params).rowcount
        with self.pool.connection() as raw:
            return raw.execute(to_format_style(sql), tuple(params)).rowcount

    def execute_many(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        current = self._current
        if current is not None:
            current.executemany(sql, rows)
            return
        with self.pool.connection() as raw, raw.cursor() as cursor:
            cursor.executemany(to_format_style(sql), [tuple(row) for row in rows])

    def execute_each(self, sql: str, rows: Sequence[Sequence[Any]]) -> list[int]:
        if not rows:
            return []
        with self.transaction() as conn, conn.raw.cursor() as cursor:
            cursor.executemany(to_format_style(sql), [tuple(row) for row in rows], returning=True)
            counts = [cursor.rowcount]
            while cursor.nextset():
                counts.append(cursor.rowcount)
        return counts

    def close(self) -> None:
        self.pool.close()
