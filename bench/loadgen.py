"""Load helpers shared by the benches: an open-loop client at a fixed rate, and CPU time of processes.

An open-loop client sends on a schedule whatever the answers do, and measures each latency from the
moment the request was due, so a stalled server shows up in the percentiles instead of slowing the
load down (a closed loop hides exactly those stalls).
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Sequence
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of one process so far (0 once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICKS


def descendants(pid: int) -> list[int]:
    """pid and every process below it (a PostgreSQL postmaster's backends, say)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(parent, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children.get(current, []))
    return found


def tree_cpu(pids: Sequence[int]) -> float:
    return sum(cpu_seconds(p) for pid in pids for p in descendants(pid))


def percentiles(latencies: list[float]) -> dict[str, float]:
    cuts = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [latencies[0]] * 99
    return {"p50": cuts[49], "p95": cuts[94], "p99": cuts[98]}


async def open_loop(
    urls: Sequence[str],
    requests: Sequence[tuple[dict[str, str], bytes]],
    rate: float,
    *,
    timeout: float = 30.0,
) -> dict[str, float]:
    """Send requests[i] at start + i / rate to urls[i % len(urls)]; latency percentiles in ms, errors."""
    import anyio
    import httpx

    latencies: list[float] = []
    errors = 0
    limits = httpx.Limits(max_connections=256, max_keepalive_connections=256)
    async with httpx.AsyncClient(limits=limits, timeout=timeout) as client:

        async def send(index: int, due: float) -> None:
            nonlocal errors
            headers, body = requests[index]
            try:
                response = await client.post(urls[index % len(urls)], content=body, headers=headers)
                if response.status_code >= 300:
                    errors += 1
            except httpx.HTTPError:
                errors += 1
            latencies.append((time.perf_counter() - due) * 1000)

        start = time.perf_counter() + 0.2
        async with anyio.create_task_group() as group:
            for index in range(len(requests)):
                due = start + index / rate
                delay = due - time.perf_counter()
                if delay > 0:
                    await anyio.sleep(delay)
                group.start_soon(send, index, due)
    return {**percentiles(latencies), "errors": float(errors), "sent": float(len(requests))}
