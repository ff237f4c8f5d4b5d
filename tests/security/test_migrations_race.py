"""Opening one fresh home from two processes at once, and a migration that fails half way.

Two processes (a server and the operator's CLI, say) often open the same new database together. Both
must come up, with every migration applied once. A migration that fails must leave nothing behind:
no half-built table, and no record that it ran.
"""

from __future__ import annotations

import multiprocessing
import sqlite3
import subprocess
import sys
import textwrap
import threading
from multiprocessing.synchronize import Barrier
from pathlib import Path
from typing import Any

from skill.stores.database import Database
from skill.stores.migrations import MIGRATIONS

RUNS = 50
WAIT = 60  # seconds any one step may take before the test gives up
NAMES = [name for name, _ in MIGRATIONS]


def open_when_told(paths: Any, results: Any, start: Barrier) -> None:
    """A process that opens each database it is handed at the same moment as its twin."""
    while (path := paths.get(timeout=WAIT)) is not None:
        start.wait(timeout=WAIT)
        try:
            db = Database(path)
            db.close()
            results.put(("ok", path))
        except Exception as exc:  # reported to the test, which fails on it
            results.put(("error", f"{type(exc).__name__}: {exc}"))


def applied(path: Path) -> list[tuple[str, int]]:
    """Each recorded migration and how many times it is recorded, read with a plain connection."""
    with sqlite3.connect(path) as conn:
        rows = conn.execute("SELECT name, COUNT(*) FROM migrations GROUP BY name ORDER BY name").fetchall()
    conn.close()
    return [(str(name), int(count)) for name, count in rows]


def tables(path: Path) -> set[str]:
    with sqlite3.connect(path) as conn:
        rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
    conn.close()
    return {str(row[0]) for row in rows} - {"sqlite_sequence"}


def test_two_processes_opening_a_fresh_home_at_once_both_succeed_and_apply_each_migration_once(
    tmp_path: Path,
) -> None:
    context = multiprocessing.get_context("spawn")
    start = context.Barrier(2)
    results = context.Queue()
    inboxes = [context.Queue(), context.Queue()]
    workers = [context.Process(target=open_when_told, args=(inbox, results, start)) for inbox in inboxes]
    for worker in workers:
        worker.start()
    try:
        for run in range(RUNS):
            path = tmp_path / f"home-{run}" / "state.db"
            for inbox in inboxes:
                inbox.put(str(path))
            answers = [results.get(timeout=WAIT) for _ in workers]
            assert answers == [("ok", str(path))] * 2, f"run {run}: {answers}"
            assert applied(path) == sorted((name, 1) for name in NAMES), f"run {run}"
    finally:
        for inbox in inboxes:
            inbox.put(None)
        for worker in workers:
            worker.join(timeout=WAIT)
            if worker.is_alive():
                worker.terminate()
                worker.join(timeout=WAIT)
    assert [worker.exitcode for worker in workers] == [0, 0]


FAILING = textwrap.dedent(
    """
    import sys
    from skill.stores import migrations
    from skill.stores.database import Database

    @migrations.migration("999_half_built")
    def half_built(db):
        db.execute("CREATE TABLE half_built (id INTEGER PRIMARY KEY)")
        db.execute("INSERT INTO half_built (id) VALUES (1)")
        db.execute("ALTER TABLE approvals ADD COLUMN half_built TEXT")
        raise RuntimeError("the disk filled up half way")

    try:
        Database(sys.argv[1])
    except RuntimeError as exc:
        print(f"refused: {exc}")
        sys.exit(3)
    """
)


def open_with_failing_migration(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", FAILING, str(path)], capture_output=True, text=True, timeout=WAIT, check=False
    )


def test_a_migration_that_fails_half_way_on_a_fresh_home_leaves_nothing_behind(tmp_path: Path) -> None:
    path = tmp_path / "home" / "state.db"
    failed = open_with_failing_migration(path)
    assert failed.returncode == 3, failed.stderr
    assert "the disk filled up half way" in failed.stdout
    # Not one of the migrations of that batch is left, nor any record of them.
    assert tables(path) == set()
    # The next open starts from scratch and succeeds.
    Database(path).close()
    assert applied(path) == sorted((name, 1) for name in NAMES)


def test_a_migration_that_fails_half_way_on_an_existing_home_leaves_it_as_it_was(tmp_path: Path) -> None:
    path = tmp_path / "home" / "state.db"
    Database(path).close()
    before = tables(path)
    with sqlite3.connect(path) as conn:
        columns = [row[1] for row in conn.execute("PRAGMA table_info(approvals)")]
    conn.close()
    failed = open_with_failing_migration(path)
    assert failed.returncode == 3, failed.stderr
    assert tables(path) == before and "half_built" not in before
    with sqlite3.connect(path) as conn:
        assert [row[1] for row in conn.execute("PRAGMA table_info(approvals)")] == columns
    conn.close()
    assert applied(path) == sorted((name, 1) for name in NAMES)


def test_a_new_file_another_process_is_writing_is_opened_once_it_is_done_not_refused_at_once(
    tmp_path: Path,
) -> None:
    # SQLite refuses a journal-mode change under another writer at once, without waiting; opening must wait.
    path = tmp_path / "home" / "state.db"
    path.parent.mkdir()
    writer = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    writer.execute("CREATE TABLE other (x INTEGER)")
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("INSERT INTO other (x) VALUES (1)")
    done = threading.Timer(0.3, lambda: writer.execute("COMMIT"))
    done.start()
    try:
        Database(path).close()
    finally:
        done.join(timeout=WAIT)
        writer.close()
    assert applied(path) == sorted((name, 1) for name in NAMES)
    assert "other" in tables(path)
