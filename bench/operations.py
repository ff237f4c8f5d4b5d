"""Size and load time of the operation index, and the time of a search and of a checked call.

Run: .venv/bin/python bench/operations.py
The index is read on first use of the `api` tools; each figure is the median of fresh processes for the
load (the cache is per process), and of repeated calls for search and check.
"""

from __future__ import annotations

import gzip
import json
import statistics
import subprocess
import sys
import time

from skill.specs import INDEX_FILE, PACKAGE_DIR

LOAD = (
    "import time; t = time.perf_counter(); from skill.specs import load_index; load_index(); "
    "print(time.perf_counter() - t)"
)
RUNS = 5


def main() -> None:
    packed = (PACKAGE_DIR / INDEX_FILE).read_bytes()
    raw = gzip.decompress(packed)
    count = len(json.loads(raw)["operations"])
    print(f"index: {count} operations, {len(packed):,} bytes gzipped ({len(raw):,} bytes of JSON)")
    loads = [float(subprocess.check_output([sys.executable, "-c", LOAD], text=True)) for _ in range(RUNS)]
    print(f"load on first use: median {statistics.median(loads) * 1000:.0f} ms over {RUNS} fresh processes")

    from skill.core.operation_search import search, search_index
    from skill.core.operations import operation, prepare

    start = time.perf_counter()
    search_index()
    print(f"search index built on first search: {(time.perf_counter() - start) * 1000:.0f} ms")
    timings = []
    for _ in range(20):
        start = time.perf_counter()
        search("list TaskRouter workers")
        timings.append(time.perf_counter() - start)
    print(f"one search: median {statistics.median(timings) * 1000:.1f} ms")
    worker = operation("taskrouter_v1.CreateWorker")
    start = time.perf_counter()
    for _ in range(1000):
        prepare(worker, {"WorkspaceSid": "WS" + "0" * 32}, {"FriendlyName": "Ana"}, account_sid="AC" + "0" * 32)
    print(f"one call checked against the index: {(time.perf_counter() - start):.3f} ms")


if __name__ == "__main__":
    main()
