"""The operation index: every operation of the 55 Twilio specs, with what a call needs, and in sync
with the specs it is built from."""

from __future__ import annotations

import gzip
import json
from collections import Counter
from pathlib import Path

import pytest

from skill.core.operations import tier_of
from skill.policy.tiers import Tier
from skill.specs import INDEX_FILE, LICENSE_FILE, PACKAGE_DIR, load_index
from skill.specs import build as specs_build

UPSTREAM = Path(__file__).resolve().parents[3] / "shared" / "reference"


def vendored_source() -> dict:
    return json.loads(gzip.decompress(specs_build.VENDORED_SOURCE.read_bytes()))


def test_every_operation_of_the_55_specs_is_in_the_index_under_a_qualified_id() -> None:
    source = vendored_source()
    assert len(source["specs"]) == 55
    expected = {f"{key}.{op['operation_id']}" for key, spec in source["specs"].items() for op in spec["operations"]}
    operations = load_index().operations
    print(f"{len(operations)} operations in the index, {len(expected)} in the specs")
    assert set(operations) == expected
    assert len(operations) == sum(len(spec["operations"]) for spec in source["specs"].values()) == 1447
    repeated = Counter(op_id.split(".", 1)[1] for op_id in operations)
    assert sum(1 for count in repeated.values() if count > 1) == 136  # why the ids are qualified
    assert {"api_v2010.CreateMessage", "conversations_v1.CreateConversationMessage"} <= set(operations)


@pytest.mark.skipif(not (UPSTREAM / "twilio-oai").is_dir(), reason="no ../shared/reference beside this checkout")
def test_the_vendored_source_is_what_the_upstream_specs_give() -> None:
    upstream = sorted((UPSTREAM / "twilio-oai").glob("twilio_*.json"))
    assert len(upstream) == 55
    assert specs_build.stale(UPSTREAM) == []


def test_the_shipped_index_is_what_the_vendored_source_builds() -> None:
    # Runs in any clone: the index is rebuilt from tests/reference and compared byte for byte.
    assert specs_build.stale(None) == []
    shipped = gzip.decompress((PACKAGE_DIR / INDEX_FILE).read_bytes())
    assert shipped == specs_build.build_index(vendored_source())


def test_the_drift_check_sees_an_index_out_of_date(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    copy = tmp_path / "skill_specs"
    copy.mkdir()
    (copy / INDEX_FILE).write_bytes(specs_build.gzipped(b'{"format":1,"specs":{},"operations":[]}'))
    monkeypatch.setattr(specs_build, "PACKAGE_DIR", copy)
    assert specs_build.stale(None) == [f"skill/specs/{INDEX_FILE}"]


def test_the_specs_license_notice_ships_with_the_index() -> None:
    notice = (PACKAGE_DIR / LICENSE_FILE).read_text()
    assert "MIT License" in notice and "Twilio" in notice
    stated = {spec["license"] for spec in load_index().specs.values()}
    assert stated <= {"Apache 2.0", None}


def test_parameters_carry_where_they_go_their_type_enum_and_whether_required() -> None:
    operations = load_index().operations
    message = operations["api_v2010.CreateMessage"]
    assert (message.method, message.host, message.path) == (
        "POST",
        "api.twilio.com",
        "/2010-04-01/Accounts/{AccountSid}/Messages.json",
    )
    to = message.by_name["To"]
    assert (to.where, to.type, to.required, to.format) == ("form", "string", True, "phone-number")
    assert load_index().operations["api_v2010.ListMessage"].by_name["To"].pii == "standard"
    assert message.by_name["AccountSid"].where == "path" and message.by_name["AccountSid"].required
    assert "SendAsMms" in message.by_name and message.by_name["SendAsMms"].type == "boolean"
    worker = operations["taskrouter_v1.ListWorker"]
    assert worker.by_name["Available"].where == "query" and not worker.by_name["Available"].required
    assert worker.paging == "meta" and worker.list_key == "workers"
    sink = operations["events_v1.CreateSink"]
    assert set(sink.by_name["SinkType"].enum) == {"kinesis", "webhook", "segment", "email"}
    assert sink.by_name["SinkConfiguration"].type == "object" and sink.by_name["SinkConfiguration"].required
    content = operations["content_v1.CreateContent"]
    assert {param.where for param in content.params} == {"json"}
    calls = operations["api_v2010.ListCall"]
    assert calls.paging == "page_uri" and calls.list_key == "calls"
    assert calls.by_name["Status"].enum and "completed" in calls.by_name["Status"].enum


def test_tiers_follow_the_method_across_products() -> None:
    operations = load_index().operations
    expected = {
        "taskrouter_v1.ListWorker": Tier.READ,
        "sync_v1.FetchDocument": Tier.READ,
        "conversations_v1.CreateConversation": Tier.WRITE,
        "video_v1.UpdateRoom": Tier.WRITE,
        "lookups_v2.UpdateLookupRateLimit": Tier.WRITE,  # PUT
        "accounts_v1.UpdateMessagingGeopermissions": Tier.WRITE,  # PATCH
        "serverless_v1.DeleteService": Tier.DESTRUCTIVE,
        "api_v2010.DeleteQueue": Tier.DESTRUCTIVE,
    }
    assert {op_id: tier_of(operations[op_id]) for op_id in expected} == expected
    methods = Counter(op.method for op in operations.values())
    assert methods == {"GET": 733, "POST": 484, "DELETE": 217, "PUT": 11, "PATCH": 2}


def test_default_output_comes_from_the_spec_or_falls_back_to_the_first_scalars() -> None:
    operations = load_index().operations
    message = operations["api_v2010.FetchMessage"]
    assert message.default_named and message.default_output == ("sid", "from", "to", "status", "direction", "date_sent")
    scalar = ("string", "integer", "number", "boolean")
    unnamed = [
        op
        for op in operations.values()
        if not op.default_named and any(prop.type in scalar for prop in op.props.values())
    ]
    assert unnamed, "some paths name no defaultOutputProperties"
    for op in unnamed:
        assert 1 <= len(op.default_output) <= 5
        assert all(op.props[name].type in ("string", "integer", "number", "boolean") for name in op.default_output)
        if "sid" in op.props:
            assert op.default_output[0] == "sid"


def test_pii_handling_and_secret_properties_are_kept() -> None:
    operations = load_index().operations
    assert operations["api_v2010.FetchMessage"].props["body"].pii == "standard"
    assert operations["api_v2010.CreateNewKey"].secrets == ("secret",)
    assert operations["iam_v1.CreateNewKey"].secrets == ("secret",)
    assert operations["api_v2010.CreateNewSigningKey"].secrets == ("secret",)
    assert operations["api_v2010.FetchKey"].secrets == ()
    sensitive = [op.id for op in operations.values() if any(p.pii == "sensitive" for p in op.props.values())]
    assert sensitive, "the specs mark some properties as sensitive"
