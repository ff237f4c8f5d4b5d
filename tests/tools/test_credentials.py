from __future__ import annotations

import base64
import logging
import re
import stat
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from mcp import Client

from skill.config import SANDBOX_ACCOUNT_SID, Settings
from skill.core.context import Services
from skill.core.secret_sink import SecretSink
from skill.sandbox.app import Sandbox
from skill.sandbox.state import make_sid
from skill.server.app import build_server
from skill.wiring import build_services
from tests.conftest import approve, call
from tests.tools.pages import read_all

pytestmark = pytest.mark.anyio
SEEDED_KEY = make_sid("SK", "seed", "deploy")


def sink_secret(path: Path, sid: str) -> str:
    match = re.search(rf"^TWILIO_API_KEY_{sid}=(\S+)$", path.read_text(), re.MULTILINE)
    assert match, f"no line for {sid} in {path}"
    return match.group(1)


async def key_authenticates(sandbox: Sandbox, sid: str, secret: str) -> bool:
    """Whether the sandbox accepts the key, asked the way an SDK would ask."""
    token = base64.b64encode(f"{sid}:{secret}".encode()).decode()
    async with httpx.AsyncClient(transport=sandbox.transport(), base_url="http://sandbox") as http:
        response = await http.get(
            f"/2010-04-01/Accounts/{SANDBOX_ACCOUNT_SID}/IncomingPhoneNumbers.json",
            headers={"Authorization": f"Basic {token}", "X-Twilio-Host": "api.twilio.com"},
            timeout=10,
        )
    return response.status_code == 200


def add_keys(sandbox: Sandbox, count: int) -> list[str]:
    """Keys made today (the seeded one is 120 days old)."""
    now = sandbox.clock.now()
    sids = [make_sid("SK", "test", index) for index in range(count)]
    for index, sid in enumerate(sids):
        sandbox.state.keys[sid] = {
            "sid": sid,
            "account_sid": SANDBOX_ACCOUNT_SID,
            "friendly_name": f"key {index}",
            "secret": f"secret-{index}-" + "x" * 20,
            "created": now,
            "updated": now,
        }
    return sids


def iso(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).isoformat()


async def test_apikeys_list_shows_keys_without_secrets(client: Client) -> None:
    result = await call(client, "apikeys_list")
    assert not result.is_error, result
    assert [(k["sid"], k["friendly_name"]) for k in result.data["items"]] == [(SEEDED_KEY, "deploy key")]
    assert result.data["items"][0]["in_use_by_skill"] is False
    assert (result.data["count"], result.data["has_more"]) == (1, False)
    assert "secret" not in str(result.data).lower()


async def test_apikeys_list_pages_through_every_key_exactly_once(client: Client, sandbox: Sandbox) -> None:
    made = add_keys(sandbox, 6)
    items, cursors = await read_all(client, "apikeys_list", {"limit": 3})
    sids = [k["sid"] for k in items]
    assert sids[0] == SEEDED_KEY  # oldest first, as Twilio lists them
    assert sorted(sids) == sorted([SEEDED_KEY, *made])
    assert len(cursors) == 2
    refused = await call(client, "apikeys_list", {"limit": 3, "cursor": cursors[0], "after": iso(0)})
    assert refused.error["code"] == "input.invalid_cursor"
    assert "same filters" in refused.error["remediation"][0]


async def test_apikeys_list_filters_by_creation_time_and_says_what_it_scanned(client: Client, sandbox: Sandbox) -> None:
    made = add_keys(sandbox, 4)
    yesterday = iso(sandbox.clock.now() - 86400)
    recent = await call(client, "apikeys_list", {"after": yesterday})
    assert sorted(k["sid"] for k in recent.data["items"]) == sorted(made)
    assert (recent.data["scanned"], recent.data["has_more"]) == (5, False)
    older = await call(client, "apikeys_list", {"before": yesterday})
    assert [k["sid"] for k in older.data["items"]] == [SEEDED_KEY]
    items, _ = await read_all(client, "apikeys_list", {"after": yesterday, "limit": 1})
    assert sorted(k["sid"] for k in items) == sorted(made)


async def test_apikey_create_stores_a_working_secret_in_the_sink_and_lists_the_key(
    client: Client, services: Services, sandbox: Sandbox
) -> None:
    created = await call(client, "apikey_create", {"friendly_name": "ci deploy"})
    assert not created.is_error, created
    sid = created.data["sid"]
    assert created.data["friendly_name"] == "ci deploy"
    assert created.data["secret_stored_in"] == str(services.settings.secrets_path)
    assert created.data["env_var"] == f"TWILIO_API_KEY_{sid}"
    assert created.data["verified"] is True
    assert "# ci deploy, created " in services.settings.secrets_path.read_text()
    assert await key_authenticates(sandbox, sid, sink_secret(services.settings.secrets_path, sid))
    listed = await call(client, "apikeys_list")
    assert sid in {k["sid"] for k in listed.data["items"]}


async def test_apikey_create_twice_appends_and_keeps_the_sink_private(client: Client, services: Services) -> None:
    path = services.settings.secrets_path
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("# kept\nOTHER=1\n")
    path.chmod(0o644)
    first = await call(client, "apikey_create", {"friendly_name": "one"})
    second = await call(client, "apikey_create", {"friendly_name": "two"})
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    text = path.read_text()
    assert text.startswith("# kept\nOTHER=1\n")
    assert sink_secret(path, first.data["sid"]) != sink_secret(path, second.data["sid"])


async def test_apikey_create_refuses_when_the_sink_cannot_be_written_and_creates_nothing(
    client: Client, services: Services
) -> None:
    services.settings.secrets_path.parent.mkdir(parents=True, exist_ok=True)
    services.settings.secrets_path.mkdir()  # a folder where the file should be
    result = await call(client, "apikey_create", {"friendly_name": "doomed"})
    assert result.error["code"] == "config.secret_sink_unwritable"
    assert "No key was created" in result.error["message"]
    listed = await call(client, "apikeys_list")
    assert "doomed" not in {k["friendly_name"] for k in listed.data["items"]}


@pytest.mark.parametrize("name", ["", "x" * 65])
async def test_apikey_create_needs_a_name_of_at_most_64_characters(client: Client, sandbox: Sandbox, name: str) -> None:
    sandbox.record_responses = True
    result = await call(client, "apikey_create", {"friendly_name": name})
    assert result.error["code"] == "input.invalid"
    assert sandbox.served == []


async def test_apikey_revoke_waits_for_approval_then_the_secret_stops_working(
    client: Client, services: Services, sandbox: Sandbox
) -> None:
    sid = (await call(client, "apikey_create", {"friendly_name": "short-lived"})).data["sid"]
    secret = sink_secret(services.settings.secrets_path, sid)
    gated = await call(client, "apikey_revoke", {"sid": sid})
    assert gated.error["code"] == "policy.approval_required"
    assert sid in gated.error["approval"]["summary"]
    assert await key_authenticates(sandbox, sid, secret)
    revoked = await call(client, "apikey_revoke", {"sid": sid, "approval_id": await approve(services, gated)})
    assert not revoked.is_error, revoked
    assert (revoked.data["revoked"], revoked.data["removed_from_sink"]) == (True, True)
    assert revoked.data["friendly_name"] == "short-lived"
    assert not await key_authenticates(sandbox, sid, secret)
    assert sid not in services.settings.secrets_path.read_text()
    assert sid not in {k["sid"] for k in (await call(client, "apikeys_list")).data["items"]}


async def test_apikey_revoke_of_an_unknown_key_is_not_found_and_no_approval_is_opened(
    client: Client, services: Services
) -> None:
    result = await call(client, "apikey_revoke", {"sid": "SK" + "0" * 32})
    assert result.error["code"] == "twilio.20404"
    assert result.error["approval"] is None
    assert services.stores.approvals.list() == []


async def test_apikey_revoke_asks_the_operator_with_the_keys_name_age_and_whether_this_server_holds_it(
    client: Client, services: Services
) -> None:
    sid = (await call(client, "apikey_create", {"friendly_name": "ci deploy"})).data["sid"]
    for key, in_sink in ((sid, "yes"), (SEEDED_KEY, "no")):
        gated = await call(client, "apikey_revoke", {"sid": key})
        impact = gated.error["approval"]["impact"]
        facts = {fact["label"]: fact["value"] for fact in impact["facts"]}
        assert facts["used by this server"] == "no"
        assert facts["secret in this server's sink"] == in_sink
        assert facts["created"]
        assert impact["reversibility"] == "not reversible"
        assert impact["blast_radius"] == [{"label": "anything using it", "value": "stops authenticating at once"}]
    assert impact["resource"] == f'API key "deploy key" ({SEEDED_KEY})'


async def test_apikey_revoke_refuses_the_key_the_skill_authenticates_with(home: Path, sandbox: Sandbox) -> None:
    # Only the key SID is set, so the skill stays in sandbox mode while knowing which key is its own.
    settings = Settings(home=home, api_key=SEEDED_KEY, toolsets=("credentials",))
    services = build_services(settings, sandbox=sandbox)
    try:
        async with Client(build_server(settings, services)) as client:
            listed = await call(client, "apikeys_list")
            assert listed.data["items"][0]["in_use_by_skill"] is True
            refused = await call(client, "apikey_revoke", {"sid": SEEDED_KEY})
        # Refused before the gate: no operator is asked to approve a call that could never run.
        assert refused.error["code"] == "input.own_key"
        assert "apikey_create" in refused.error["remediation"][0]
        assert services.stores.approvals.list() == []
        assert SEEDED_KEY in sandbox.state.keys
    finally:
        await services.aclose()


async def test_a_new_key_secret_appears_only_in_the_sink(
    client: Client, services: Services, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    result = await client.call_tool("apikey_create", {"friendly_name": "audited"})
    assert not result.is_error
    assert result.structured_content is not None
    sid = result.structured_content["sid"]
    path = services.settings.secrets_path
    secret = sink_secret(path, sid)
    assert len(secret) >= 16
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert secret not in str(result.structured_content)
    assert all(secret not in getattr(block, "text", "") for block in result.content)
    entries = services.stores.audit.tail(100)
    assert any(entry.tool == "apikey_create" for entry in entries)
    assert all(secret not in repr(entry) for entry in entries)
    for stored in services.settings.db_path.parent.glob(services.settings.db_path.name + "*"):
        assert secret.encode() not in stored.read_bytes(), stored
    assert caplog.records, "expected the call to be logged at some level"
    assert all(secret not in record.getMessage() for record in caplog.records)
    assert secret not in caplog.text


def test_secret_sink_forget_removes_only_that_key(tmp_path: Path) -> None:
    sink = SecretSink(tmp_path / "secrets.env")
    sink.store("SK" + "a" * 32, "first-secret", friendly_name="a")
    sink.store("SK" + "b" * 32, "second-secret", friendly_name="b\nwith newline")
    assert sink.forget("SK" + "a" * 32) is True
    text = sink.path.read_text()
    assert "first-secret" not in text and "# a," not in text
    assert "second-secret" in text and "# b with newline, created" in text
    assert stat.S_IMODE(sink.path.stat().st_mode) == 0o600
    assert sink.forget("SK" + "a" * 32) is False
