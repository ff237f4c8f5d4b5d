"""The bulk worker inside `serve`: started once the server has answered, it resumes a job left queued."""

from __future__ import annotations

import anyio
import pytest
from mcp import Client

from skill.config import Settings
from skill.core.bulk_jobs import BulkRequest, create_job
from skill.sandbox.app import Sandbox
from skill.sandbox.clock import SandboxClock
from skill.server.app import build_server
from skill.wiring import build_services, open_stores

pytestmark = pytest.mark.anyio


@pytest.mark.slow
async def test_a_server_with_the_bulk_toolset_sends_a_queued_job_after_its_first_answer(settings: Settings) -> None:
    earlier = build_services(settings, sandbox=Sandbox(clock=SandboxClock(frozen=True)))
    request = BulkRequest(body="Hi", recipients=(("+14152000000", {}), ("+14152000001", {})), sender="+18005550123")
    job, _ = await create_job(earlier, request, approved=False, dry_run=False)
    await earlier.aclose()  # the process that queued it is gone; the job waits in the store
    assert job is not None
    async with Client(build_server(settings)) as client:
        await client.list_tools()
        with anyio.fail_after(20):
            while True:
                stores = open_stores(settings)
                try:
                    row = stores.outbox.job(job.sid)
                    counts = stores.outbox.counts(job.sid)
                finally:
                    stores.close()
                if row is not None and row.status == "completed":
                    break
                await anyio.sleep(0.1)
    assert counts["sent"] == 2
