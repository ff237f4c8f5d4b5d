"""Load helpers shared by the benches: an open-loop client at a fixed rate, and CPU time of processes.

An open-loop client sends on a schedule whatever the answers do, and measures each latency from the
moment the request was due, so a stalled server shows up in the percentiles instead of slowing the
load down (a closed loop hides exactly those stalls).
"""

from __future__ import annotations

import asyncio
import os
import statistics
import time
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import urlsplit

TICKS = os.sysconf("SC_CLK_TCK")
# A keep-alive connection idle this long is not reused: uvicorn closes one idle for 5 s.
STALE_SECONDS = 4.0


# wrk Lua both benches start their scripts with: each thread is numbered (`id`, which picks its share
# of the input lines) and kept in `threads`, so done() can read what each one counted.
WRK_THREADS = """
local counter, threads = 0, {}
function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end
"""


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


class _Connection:
    """One keep-alive HTTP/1.1 connection, one request at a time: far cheaper per request than a general
    client, so the load generator keeps its schedule at thousands of requests a second."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.idle_since = time.monotonic()

    async def post(self, head: bytes, body: bytes) -> int:
        """Send one request; its status once the whole answer is read.

        Raises:
            OSError, asyncio.IncompleteReadError, ValueError: the connection failed or the answer is not HTTP.
        """
        self.writer.write(head + body)
        header = await self.reader.readuntil(b"\r\n\r\n")
        lines = header.split(b"\r\n")
        status = int(lines[0].split()[1])
        length = 0
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
            elif name.strip().lower() == b"transfer-encoding":
                raise ValueError("chunked answers are not read by this client")
        if length:
            await self.reader.readexactly(length)
        return status


async def open_loop(
    urls: Sequence[str],
    requests: Sequence[tuple[dict[str, str], bytes]],
    rate: float,
    *,
    timeout: float = 10.0,
    max_connections: int = 128,
) -> dict[str, float]:
    """Send requests[i] at start + i / rate to urls[i % len(urls)] (http://127.0.0.1:PORT/path), each on
    an idle keep-alive connection or a new one; latency percentiles in ms from each due time, errors,
    and how late the client itself was in sending (its own limit: p95 of lateness in ms). A request not
    answered within `timeout` of its due time counts as an error."""
    import anyio

    targets = [urlsplit(url) for url in urls]
    idle: list[list[_Connection]] = [[] for _ in targets]
    # At most this many connections per server: past saturation the requests queue here, late, as they would
    # behind a proxy, instead of opening thousands of sockets.
    opened = [anyio.Semaphore(max_connections) for _ in targets]
    latencies: list[float] = []
    lateness: list[float] = []
    errors = 0

    async def send(index: int, due: float) -> None:
        nonlocal errors
        slot = index % len(targets)
        target = targets[slot]
        headers, body = requests[index]
        lines = [f"POST {target.path} HTTP/1.1", f"Host: {target.netloc}", f"Content-Length: {len(body)}"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        head = ("\r\n".join(lines) + "\r\n\r\n").encode()
        lateness.append((time.perf_counter() - due) * 1000)
        connection = None
        try:
            with anyio.fail_after(timeout):
                async with opened[slot]:
                    connection = idle[slot].pop() if idle[slot] else None
                    if connection is not None and time.monotonic() - connection.idle_since > STALE_SECONDS:
                        # The server may be closing it this very moment: a failure then would be the
                        # client's, so it is not reused.
                        connection.writer.close()
                        connection = None
                    if connection is None:
                        reader, writer = await asyncio.open_connection(target.hostname, target.port)
                        connection = _Connection(reader, writer)
                    status = await connection.post(head, body)
                    connection.idle_since = time.monotonic()
                    idle[slot].append(connection)
            if status >= 300:
                errors += 1
        except (OSError, asyncio.IncompleteReadError, ValueError, TimeoutError):
            errors += 1
            if connection is not None:
                connection.writer.close()
        latencies.append((time.perf_counter() - due) * 1000)

    start = time.perf_counter() + 0.2
    async with anyio.create_task_group() as group:
        for index in range(len(requests)):
            due = start + index / rate
            delay = due - time.perf_counter()
            if delay > 0:
                await anyio.sleep(delay)
            group.start_soon(send, index, due)
    for pool in idle:
        for connection in pool:
            connection.writer.close()
    late = percentiles(lateness)
    return {**percentiles(latencies), "errors": float(errors), "sent": float(len(requests)), "late_p95": late["p95"]}
