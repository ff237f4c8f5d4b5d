"""Spend per profile and UTC day, against the policy's daily and monthly caps.

Amounts are kept as whole millionths of the account's currency, so sums are exact in SQL. A day
holds what this server estimated for its SEND calls and, once reconciled, what Twilio billed for
it; the billed amount counts in its place.
"""

from __future__ import annotations

import time
from decimal import ROUND_CEILING, Decimal

from skill.ports.clock import Clock, SystemClock
from skill.records.pricing import SpendTotals
from skill.stores.database import Connection, SqlDatabase

MICROS = 1_000_000
DAY_SPEND = "COALESCE(billed_micros, estimated_micros)"


def to_micros(amount: Decimal) -> int:
    """An amount in millionths, rounded up (a cap errs on the side of counting too much)."""
    return int((amount * MICROS).to_integral_value(rounding=ROUND_CEILING))


def from_micros(micros: int) -> Decimal:
    return (Decimal(micros) / MICROS).quantize(Decimal(1) / MICROS)


def month_of(day: str) -> tuple[str, str]:
    """The first and last possible day strings of the month `day` (YYYY-MM-DD) falls in."""
    return f"{day[:7]}-01", f"{day[:7]}-31"


class SqliteSpendCounter:
    def __init__(self, db: SqlDatabase, clock: Clock | None = None) -> None:
        self.db = db
        self.clock = clock or SystemClock()

    def today(self) -> str:
        return time.strftime("%Y-%m-%d", time.gmtime(self.clock.now()))

    @staticmethod
    def _totals(conn: Connection, profile: str, day: str) -> SpendTotals:
        row = conn.execute(f"SELECT {DAY_SPEND} AS spent FROM spend_days WHERE profile = ? AND day = ?", (profile, day))
        found = row.fetchone()
        first, last = month_of(day)
        month = conn.execute(
            f"SELECT COALESCE(SUM({DAY_SPEND}), 0) AS spent FROM spend_days WHERE profile = ? AND day BETWEEN ? AND ?",
            (profile, first, last),
        ).fetchone()
        today = int(found["spent"]) if found is not None else 0
        return SpendTotals(day=day, today=from_micros(today), month=from_micros(int(month["spent"])))

    def totals(self, profile: str, day: str | None = None) -> SpendTotals:
        with self.db.transaction() as conn:
            return self._totals(conn, profile, day or self.today())

    def try_reserve(
        self, profile: str, amount: Decimal, *, per_day: Decimal | None, per_month: Decimal | None
    ) -> tuple[bool, SpendTotals]:
        """Count `amount` on today's spend unless it would take the day or the month over its cap;
        atomic across tasks and processes. Returns (counted, the totals before it)."""
        day = self.today()
        micros = to_micros(amount)
        with self.db.transaction() as conn:
            self.db.lock(conn, "spend", profile)
            before = self._totals(conn, profile, day)
            over_day = per_day is not None and to_micros(before.today) + micros > to_micros(per_day)
            over_month = per_month is not None and to_micros(before.month) + micros > to_micros(per_month)
            if over_day or over_month:
                return False, before
            self._add(conn, profile, day, micros)
        return True, before

    @staticmethod
    def _add(conn: Connection, profile: str, day: str, micros: int) -> None:
        conn.execute(
            "INSERT INTO spend_days (profile, day, estimated_micros) VALUES (?, ?, ?) "
            "ON CONFLICT(profile, day) DO UPDATE SET "
            "estimated_micros = spend_days.estimated_micros + excluded.estimated_micros",
            (profile, day, micros),
        )

    def add(self, profile: str, amount: Decimal) -> str:
        """Count `amount` on today's spend whatever the caps (an approved call); the day it went on."""
        day = self.today()
        with self.db.transaction() as conn:
            self._add(conn, profile, day, to_micros(amount))
        return day

    def release(self, profile: str, amount: Decimal, day: str) -> None:
        """Give back spend counted on `day` for a call that did not happen."""
        self.db.execute(
            "UPDATE spend_days SET estimated_micros = "
            "CASE WHEN estimated_micros > ? THEN estimated_micros - ? ELSE 0 END WHERE profile = ? AND day = ?",
            (to_micros(amount), to_micros(amount), profile, day),
        )

    def reconcile(self, profile: str, day: str, billed: Decimal) -> Decimal:
        """Let what Twilio billed for `day` count instead of the estimates; returns the estimate replaced."""
        with self.db.transaction() as conn:
            self.db.lock(conn, "spend", profile)
            row = conn.execute(
                "SELECT estimated_micros FROM spend_days WHERE profile = ? AND day = ?", (profile, day)
            ).fetchone()
            conn.execute(
                "INSERT INTO spend_days (profile, day, estimated_micros, billed_micros) VALUES (?, ?, 0, ?) "
                "ON CONFLICT(profile, day) DO UPDATE SET billed_micros = excluded.billed_micros",
                (profile, day, to_micros(billed)),
            )
        return from_micros(int(row["estimated_micros"]) if row is not None else 0)
