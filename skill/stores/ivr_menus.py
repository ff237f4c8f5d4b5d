"""Deployed IVR menus and where each call stands in one.

A menu is stored as the JSON of skill.core.ivr.Menu. Per call (keyed by CallSid) the store keeps
the current node, the step counter, retries at the current node and invalid entries over the whole
call; and every answer given, keyed by call and step, so that a request Twilio retries after a
timeout gets exactly the same TwiML and changes nothing a second time.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from skill.ports.clock import Clock, SystemClock
from skill.records.ivr import CallState, DeployedMenu
from skill.stores.database import SqlDatabase

__all__ = ["CallState", "DeployedMenu", "SqliteIvrMenuStore"]


# Given the call's state (None on its first request), the TwiML to answer and the state after it.
Decision = Callable[[CallState | None], tuple[str, CallState]]


class SqliteIvrMenuStore:
    """Menus by name, call state by CallSid, answers by CallSid and step."""

    def __init__(self, db: SqlDatabase, clock: Clock | None = None) -> None:
        self.db = db
        self.clock = clock or SystemClock()

    def save(self, name: str, menu: dict[str, Any], max_invalid: int, *, now: float | None = None) -> bool:
        """Store or replace a menu; True when one of that name existed."""
        moment = self.clock.now() if now is None else now
        with self.db.transaction() as conn:
            self.db.lock(conn, "ivr_menus", name)
            existed = conn.execute("SELECT 1 FROM ivr_menus WHERE name = ?", (name,)).fetchone() is not None
            conn.execute(
                "INSERT INTO ivr_menus (name, menu_json, max_invalid, created_at, updated_at) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT(name) DO UPDATE SET menu_json = excluded.menu_json, "
                "max_invalid = excluded.max_invalid, updated_at = excluded.updated_at",
                (name, json.dumps(menu, separators=(",", ":")), max_invalid, moment, moment),
            )
        return existed

    def get(self, name: str) -> DeployedMenu | None:
        rows = self.db.query(
            "SELECT name, menu_json, max_invalid, created_at, updated_at FROM ivr_menus WHERE name = ?", (name,)
        )
        if not rows:
            return None
        row = rows[0]
        return DeployedMenu(
            name=row["name"],
            menu=json.loads(row["menu_json"]),
            max_invalid=int(row["max_invalid"]),
            created_at=float(row["created_at"]),
            updated_at=float(row["updated_at"]),
        )

    def names(self) -> list[str]:
        return [str(row["name"]) for row in self.db.query("SELECT name FROM ivr_menus ORDER BY name")]

    def call_state(self, call_sid: str) -> CallState | None:
        rows = self.db.query(
            "SELECT call_sid, menu, node, step, retries, invalid_total FROM ivr_calls WHERE call_sid = ?", (call_sid,)
        )
        return CallState(**dict(rows[0])) if rows else None

    def respond(self, call_sid: str, step_key: str, decide: Decision, *, now: float | None = None) -> str:
        """The answer for this step of the call: the stored one when it was answered before, else
        `decide`'s, stored together with the new call state in one transaction."""
        moment = self.clock.now() if now is None else now
        with self.db.transaction() as conn:
            self.db.lock(conn, "ivr_calls", call_sid)
            stored = conn.execute(
                "SELECT twiml FROM ivr_answers WHERE call_sid = ? AND step_key = ?", (call_sid, step_key)
            ).fetchone()
            if stored is not None:
                return str(stored["twiml"])
            row = conn.execute(
                "SELECT call_sid, menu, node, step, retries, invalid_total FROM ivr_calls WHERE call_sid = ?",
                (call_sid,),
            ).fetchone()
            twiml, after = decide(CallState(**dict(row)) if row is not None else None)
            conn.execute(
                "INSERT INTO ivr_answers (call_sid, step_key, twiml, created_at) VALUES (?, ?, ?, ?)",
                (call_sid, step_key, twiml, moment),
            )
            conn.execute(
                "INSERT INTO ivr_calls (call_sid, menu, node, step, retries, invalid_total, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(call_sid) DO UPDATE SET menu = excluded.menu, "
                "node = excluded.node, step = excluded.step, retries = excluded.retries, "
                "invalid_total = excluded.invalid_total, updated_at = excluded.updated_at",
                (call_sid, after.menu, after.node, after.step, after.retries, after.invalid_total, moment),
            )
        return twiml
