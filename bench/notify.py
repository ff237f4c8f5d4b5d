"""What notifications and waiting cost a tool call, measured in one run against the embedded sandbox.

Run: .venv/bin/python bench/notify.py [--calls 30]
1. Gated calls (number_release, each opening an approval request and so a notice) on an in-memory
   server with no [notify] targets, then with a webhook and a Slack target pointed at a loopback
   port that accepts connections and never answers. Prints median and p95 per call for both.
   Budget: the p95 with dead targets within 1.5x the p95 without, plus 20 ms.
2. approval_status(wait_seconds=10) while another connection to the store approves: the time from
   the decision to the answer. Budget: p95 <= 500 ms (the tool reads the store every 250 ms).
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import anyio  # noqa: E402
from mcp import Client  # noqa: E402

from skill.config import ALL_TOOLSETS, Settings  # noqa: E402
from skill.core.approvals import ApprovalRequest, ApprovalService  # noqa: E402
from skill.ports.clock import SystemClock  # noqa: E402
from skill.sandbox.app import Sandbox  # noqa: E402
from skill.server.app import build_server  # noqa: E402
from skill.stores.sqlite import Stores  # noqa: E402
from skill.wiring import build_services  # noqa: E402

OVERHEAD_RATIO = 1.5
OVERHEAD_MS = 20.0
WAIT_P95_MS = 500.0


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]


async def gated_calls(home: Path, policy: Path | None, calls: int) -> list[float]:
    settings = Settings(home=home, toolsets=ALL_TOOLSETS, policy_path=policy)
    services = build_services(settings, sandbox=Sandbox())
    timings: list[float] = []
    try:
        async with Client(build_server(settings, services)) as client:
            listed = await client.call_tool("numbers_list", {})
            sids = [number["sid"] for number in (listed.structured_content or {})["items"]]
            for index in range(calls):
                # The earlier requests are closed below, so each call opens a new one (and a notice).
                started = time.perf_counter()
                result = await client.call_tool("number_release", {"sid": sids[index % len(sids)]})
                timings.append((time.perf_counter() - started) * 1000)
                code = ((result.structured_content or {}).get("error") or {}).get("code")
                assert code == "policy.approval_required", result
                services.stores.db.execute("UPDATE approvals SET status = 'denied' WHERE status = 'pending'")
    finally:
        await services.aclose()
    return timings


async def wait_lags(home: Path, rounds: int) -> list[float]:
    settings = Settings(home=home, toolsets=ALL_TOOLSETS)
    services = build_services(settings, sandbox=Sandbox())
    lags: list[float] = []
    try:
        async with Client(build_server(settings, services)) as client:
            for index in range(rounds):
                request = ApprovalRequest(
                    tool="number_release",
                    args_json="{}",
                    args_sha256=f"{index:064x}",
                    profile="sandbox",
                    summary="bench",
                    reason="bench",
                )
                approval, _ = services.approvals.request(request)
                done: dict[str, float] = {}

                async def wait(approval_id: str = approval.id, done: dict[str, float] = done) -> None:
                    await client.call_tool("approval_status", {"approval_id": approval_id, "wait_seconds": 10})
                    done["at"] = time.perf_counter()

                async with anyio.create_task_group() as group:
                    group.start_soon(wait)
                    await anyio.sleep(0.3 + (index % 5) * 0.05)  # decide at varying points of the poll cycle
                    other = Stores.open(settings.db_path)
                    try:
                        ApprovalService(store=other.approvals, audit=other.audit, clock=SystemClock()).decide(
                            approval.id, approve=True, operator="bench"
                        )
                        decided = time.perf_counter()
                    finally:
                        other.close()
                lags.append((done["at"] - decided) * 1000)
    finally:
        await services.aclose()
    return lags


async def main(calls: int) -> int:
    with tempfile.TemporaryDirectory() as tmp, socket.socket() as hole:
        hole.bind(("127.0.0.1", 0))
        hole.listen(64)
        url = f"http://127.0.0.1:{hole.getsockname()[1]}/hook"
        policy = Path(tmp) / "policy.toml"
        policy.write_text(
            f'[notify]\n[[notify.targets]]\nkind = "webhook"\nurl = "{url}"\nsecret_env = "BENCH_KEY"\n'
            f'[[notify.targets]]\nkind = "slack"\nurl = "{url}"\n'
        )
        os.environ["BENCH_KEY"] = "bench-key"
        quiet = await gated_calls(Path(tmp) / "quiet", None, calls)
        dead = await gated_calls(Path(tmp) / "dead", policy, calls)
        lags = await wait_lags(Path(tmp) / "wait", max(calls // 3, 5))
    print(f"gated call, no targets:   median {statistics.median(quiet):7.1f} ms  p95 {p95(quiet):7.1f} ms")
    print(f"gated call, dead targets: median {statistics.median(dead):7.1f} ms  p95 {p95(dead):7.1f} ms")
    print(f"decision -> approval_status answer: median {statistics.median(lags):6.1f} ms  p95 {p95(lags):6.1f} ms")
    ok = p95(dead) <= p95(quiet) * OVERHEAD_RATIO + OVERHEAD_MS and p95(lags) <= WAIT_P95_MS
    print("within budget" if ok else "OVER BUDGET")
    return 0 if ok else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=30)
    sys.exit(anyio.run(main, parser.parse_args().calls))
