from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from skill.records.audit import AuditFilter
from skill.stores.sqlite import Stores
from tests.console.conftest import log_in

pytestmark = pytest.mark.anyio

MAY_20 = datetime(2025, 5, 20, 12, 0, tzinfo=UTC).timestamp()
DAY = 86400.0


def record_at(stores: Stores, ts: float, event: str = "tool.call", **fields: Any) -> int:
    """An audit entry as if written at ts; returns its id."""
    stores.audit.record(event, **fields)
    newest = stores.audit.search(AuditFilter(), limit=1)[0].id
    stores.db.execute("UPDATE audit SET ts = ? WHERE id = ?", (ts, newest))
    return newest


def row_ids(page: str) -> list[int]:
    return [int(chunk.split('"', 1)[0]) for chunk in page.split('<tr data-id="')[1:]]


async def test_the_audit_log_is_newest_first_and_pages_through_older_entries(
    web: httpx.AsyncClient, stores: Stores, credential: str
) -> None:
    written = [record_at(stores, MAY_20 + index, tool="account_get", outcome="ok") for index in range(7)]
    await log_in(web, credential)
    first = await web.get("/audit", params={"n": "3"})
    assert first.status_code == 200
    assert row_ids(first.text) == written[::-1][:3]
    assert 'id="newest"' not in first.text
    older = first.text.split('id="older"')[0].rsplit('href="', 1)[1].split('"', 1)[0].replace("&amp;", "&")
    second = await web.get(older)
    assert row_ids(second.text) == written[::-1][3:6]
    assert 'id="newest"' in second.text
    last = second.text.split('id="older"')[0].rsplit('href="', 1)[1].split('"', 1)[0].replace("&amp;", "&")
    third = await web.get(last)
    assert row_ids(third.text) == [written[0]]
    assert 'id="older"' not in third.text


async def test_the_audit_log_filters_by_tool_outcome_approval_and_time(
    web: httpx.AsyncClient, stores: Stores, credential: str
) -> None:
    early = record_at(stores, MAY_20 - DAY, tool="number_release", outcome="ok", detail={"to": "+14155550199"})
    failed = record_at(stores, MAY_20, tool="number_release", outcome="error")
    decided = record_at(
        stores, MAY_20 + 60, "approval.approved", outcome="ok", tool="number_release", approval_id="apr_0011"
    )
    late = record_at(stores, MAY_20 + DAY, tool="message_send", outcome="ok")
    await log_in(web, credential)

    async def shown(**params: str) -> list[int]:
        page = await web.get("/audit", params=params)
        assert page.status_code == 200, page.text
        return row_ids(page.text)

    assert await shown(tool="number_release") == [decided, failed, early]
    assert await shown(outcome="error") == [failed]
    assert await shown(approval="apr_0011") == [decided]
    assert await shown(since="2025-05-20T00:00", until="2025-05-20T23:59") == [decided, failed]
    assert await shown(since="2025-05-20", until="2025-05-20") == [decided, failed]
    assert await shown(until="2025-05-20T12:00:30Z") == [failed, early]
    assert await shown(tool="message_send") == [late]
    assert await shown(tool="message_send", outcome="error") == []
    page = (await web.get("/audit")).text
    assert "+14155550199" not in page
    assert "+1415***0199" in page
    assert '<option value="number_release">' in page
    assert '<option value="error">' in page
    for bad in ({"n": "lots"}, {"since": "yesterday"}, {"since": "2025-05-21", "until": "2025-05-20"}, {"before": "x"}):
        refused = await web.get("/audit", params=bad)
        assert refused.status_code == 400, bad
        assert "Traceback" not in refused.text


async def test_the_detail_is_pretty_printed_and_names_the_operator(
    web: httpx.AsyncClient, stores: Stores, credential: str
) -> None:
    record_at(
        stores,
        MAY_20,
        "approval.denied",
        outcome="ok",
        approval_id="apr_1",
        detail={"operator": "dana", "reason": "<b>not now</b>\u202e"},
    )
    await log_in(web, credential)
    page = (await web.get("/audit")).text
    assert '<td data-label="Operator">dana</td>' in page
    pretty = (
        "{\n  &#34;operator&#34;: &#34;dana&#34;,\n  &#34;reason&#34;: &#34;&lt;b&gt;not now&lt;/b&gt;\\u202e&#34;\n}"
    )
    assert pretty in page


async def test_the_export_is_json_lines_of_the_filtered_entries_newest_first(
    web: httpx.AsyncClient, stores: Stores, credential: str
) -> None:
    kept = [record_at(stores, MAY_20 + index, tool="number_release", outcome="ok") for index in range(1200)]
    record_at(stores, MAY_20 + 5000, tool="message_send", outcome="ok")
    await log_in(web, credential)
    export = await web.get("/audit/export.jsonl", params={"tool": "number_release"})
    assert export.status_code == 200
    assert export.headers["content-type"].startswith("application/jsonl")
    assert export.headers["content-disposition"].startswith('attachment; filename="twilio-skill-audit-')
    lines = export.text.splitlines()
    entries = [json.loads(line) for line in lines]
    assert [entry["id"] for entry in entries] == kept[::-1]
    assert {entry["tool"] for entry in entries} == {"number_release"}
    assert entries[0]["ts"] == "2025-05-20T12:19:59+00:00"
    bad = await web.get("/audit/export.jsonl", params={"since": "soon"})
    assert bad.status_code == 400
