"""Milliseconds the web console takes to answer its pages, in process, over a populated store.

Run: .venv/bin/python bench/console.py [--requests 1000] [--entries 100000] [--runs 20]
Prints the median and worst time of: the pending list (100 rows), its live refresh, one request,
an audit page (50 rows, unfiltered and filtered by tool), and the JSON Lines export of the whole log.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

import anyio
import httpx

from skill.config import Settings
from skill.console.app import build_console_app
from skill.core.operators import create_operator
from skill.stores.sqlite import Stores

BASE = "http://127.0.0.1:8790"
IMPACT = {"resource": "Phone number +1415***0199", "cost": None, "reversibility": "not reversible"}
TOOLS = ("number_release", "message_send", "account_get", "subaccount_set_status")


def populate(stores: Stores, requests: int, entries: int) -> str:
    first = ""
    for index in range(requests):
        made = stores.approvals.create(
            tool=TOOLS[index % len(TOOLS)],
            args_json=json.dumps({"sid": f"PN{index:032d}"}),
            args_sha256="0" * 64,
            profile="sandbox",
            summary=f"Release number {index}",
            ttl_seconds=3600,
        )
        first = first or made.id
    stores.db.execute("UPDATE approvals SET impact_json = ?", (json.dumps(IMPACT),))
    with stores.db.transaction() as conn:
        conn.executemany(
            "INSERT INTO audit (ts, event, tool, profile, outcome, approval_id, detail_json) "
            "VALUES (?, 'tool.call', ?, 'sandbox', 'ok', NULL, '{\"n\": 1}')",
            [(time.time() - index, TOOLS[index % len(TOOLS)]) for index in range(entries)],
        )
    return first


async def timed(client: httpx.AsyncClient, path: str, runs: int) -> tuple[float, float, int]:
    timings = []
    size = 0
    for _ in range(runs):
        started = time.perf_counter()
        with anyio.fail_after(60):
            response = await client.get(path)
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (path, response.status_code)
        size = len(response.content)
    return statistics.median(timings), max(timings), size


async def main(requests: int, entries: int, runs: int) -> None:
    with tempfile.TemporaryDirectory() as home:
        settings = Settings(home=Path(home))
        stores = Stores.open(settings.db_path)
        try:
            approval_id = populate(stores, requests, entries)
            credential = create_operator(stores.operators, "bench")[1]
            app = build_console_app(settings, stores)
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as client:
                await client.post("/login", data={"credential": credential})
                print(f"console over {requests} requests and {entries} audit entries, {runs} runs each")
                for label, path, count in (
                    ("pending list", "/", runs),
                    ("live refresh", "/fragments/approvals?status=pending", runs),
                    ("one request", f"/approvals/{approval_id}", runs),
                    ("list by tool", "/?tool=number_release", runs),
                    ("audit page", "/audit", runs),
                    ("audit by tool", "/audit?tool=message_send", runs),
                    ("audit export", "/audit/export.jsonl", 3),
                ):
                    median, worst, size = await timed(client, path, count)
                    print(f"{label:>14}: median {median:8.1f} ms   worst {worst:8.1f} ms   {size:>10} bytes")
        finally:
            stores.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=20)
    options = parser.parse_args()
    anyio.run(main, options.requests, options.entries, options.runs)
