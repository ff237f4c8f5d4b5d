"""The vendored reference data: in step with the upstream folder, and built the way its README says."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pytest

from tests.reference import HERE, RESPONSES_FILE, error_titles, openapi_specs
from tests.reference.build import build_responses, main, stale_files, write

UPSTREAM = HERE.parents[2] / "shared" / "reference"


def test_the_vendored_files_match_the_upstream_references() -> None:
    if not UPSTREAM.is_dir():
        pytest.skip(f"no upstream references at {UPSTREAM} to compare with (a clone tests itself without them)")
    assert stale_files(UPSTREAM) == [], "run: python -m tests.reference.build --source ../shared/reference"


def test_every_twilio_and_sendgrid_spec_is_vendored_with_its_license() -> None:
    names = openapi_specs()
    assert len([name for name in names if name.startswith("twilio-oai/")]) == 55
    assert sorted(name for name in names if name.startswith("sendgrid-oai/")) == [
        f"sendgrid-oai/tsg_{area}_v3.json" for area in ("mail", "suppressions", "templates", "webhooks")
    ]
    for name in ("twilio-oai.LICENSE", "sendgrid-oai.LICENSE", "Apache-2.0.txt"):
        assert (HERE / "licenses" / name).read_text().strip()
    assert error_titles()[21211] == "Invalid 'To' Phone Number"


SPEC: dict[str, Any] = {
    "openapi": "3.0.1",
    "info": {"title": "Widgets", "version": "1.0.0", "description": "dropped", "x-twilio": {}},
    "servers": [{"url": "https://widgets.twilio.com"}],
    "paths": {
        "/v1/Widgets/{Sid}": {
            "servers": [{"url": "https://widgets.twilio.com"}],
            "description": "dropped",
            "x-twilio": {"pathType": "instance"},
            "get": {
                "description": "dropped",
                "responses": {
                    "200": {
                        "description": "OK",
                        "headers": {"X-Rate": {"schema": {"type": "string"}}},
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/widget"},
                                "examples": {"one": {"value": {"sid": "WD1"}}},
                            }
                        },
                    },
                    "404": {"$ref": "#/components/responses/missing"},
                },
            },
            "delete": {"responses": {"204": {"description": "gone"}}},
            "parameters": [{"name": "Sid", "in": "path"}],
        }
    },
    "components": {
        "schemas": {
            "widget": {
                "type": "object",
                "description": "A widget",
                "properties": {
                    "sid": {"type": "string", "pattern": "^WD", "example": "WD1", "x-twilio": {"pii": {}}},
                    "description": {"type": "string", "title": "kept: a property may be named description"},
                    "parts": {"type": "array", "items": {"$ref": "#/components/schemas/part"}},
                },
            },
            "part": {"type": "object", "properties": {"child": {"$ref": "#/components/schemas/part"}}},
            "unused": {"type": "string"},
            "error": {"type": "object", "properties": {"code": {"type": "integer", "default": {"title": "kept"}}}},
        },
        "responses": {
            "missing": {
                "description": "nope",
                "content": {"application/scim+json": {"schema": {"$ref": "#/components/schemas/error"}}},
            }
        },
    },
}


def upstream(tmp_path: Path, spec: dict[str, Any] = SPEC) -> Path:
    source = tmp_path / "upstream"
    for folder, name in (("twilio-oai", "twilio_widgets_v1.json"), ("sendgrid-oai", "tsg_mail_v3.json")):
        (source / folder).mkdir(parents=True)
        (source / folder / name).write_text(json.dumps(spec))
        (source / folder / "LICENSE").write_text(f"{folder} license\n")
    (source / "twilio-error-codes.json").write_text(json.dumps([{"code": "20404", "message": "Not found", "x": 1}]))
    return source


def test_a_spec_keeps_its_response_schemas_and_only_the_components_they_reach(tmp_path: Path) -> None:
    compact = json.loads(build_responses(upstream(tmp_path)))["specs"]["twilio-oai/twilio_widgets_v1.json"]
    assert compact["info"] == {"title": "Widgets", "version": "1.0.0"}
    assert compact["servers"] == ["https://widgets.twilio.com"]
    assert compact["paths"] == {
        "/v1/Widgets/{Sid}": {
            "get": {
                "responses": {
                    "200": {"media": "application/json", "schema": {"$ref": "#/components/schemas/widget"}},
                    "404": {"media": "application/scim+json", "schema": {"$ref": "#/components/schemas/error"}},
                }
            },
            "delete": {"responses": {"204": {}}},
        }
    }
    schemas = compact["components"]["schemas"]
    assert sorted(schemas) == ["error", "part", "widget"]
    assert schemas["widget"]["properties"]["sid"] == {"type": "string", "pattern": "^WD"}
    assert schemas["widget"]["properties"]["description"] == {"type": "string"}
    assert "description" not in schemas["widget"]
    assert schemas["error"]["properties"]["code"]["default"] == {"title": "kept"}


def test_a_reference_to_a_missing_component_is_refused(tmp_path: Path) -> None:
    broken = json.loads(json.dumps(SPEC))
    del broken["components"]["schemas"]["part"]
    with pytest.raises(ValueError, match="missing component schema 'part'"):
        build_responses(upstream(tmp_path, broken))


def test_a_rebuild_gives_the_same_bytes_and_the_check_finds_an_edit(tmp_path: Path) -> None:
    source = upstream(tmp_path)
    target = tmp_path / "vendored"
    target.mkdir()
    assert stale_files(source, target) == [RESPONSES_FILE, "twilio-error-titles.json"] + [
        "licenses/twilio-oai.LICENSE",
        "licenses/sendgrid-oai.LICENSE",
    ]
    sizes = write(source, target)
    first = (target / RESPONSES_FILE).read_bytes()
    assert sizes[RESPONSES_FILE] == (len(gzip.decompress(first)), len(first))
    assert stale_files(source, target) == []
    write(source, target)
    assert (target / RESPONSES_FILE).read_bytes() == first
    assert json.loads((target / "twilio-error-titles.json").read_text()) == {"20404": "Not found"}
    (source / "sendgrid-oai" / "LICENSE").write_text("changed\n")
    assert stale_files(source, target) == ["licenses/sendgrid-oai.LICENSE"]


def test_the_check_command_exits_one_when_out_of_date_and_two_without_a_source(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--source", str(tmp_path / "nowhere"), "--check"]) == 2
    assert "no reference folder" in capsys.readouterr().err
    source = upstream(tmp_path)
    assert main(["--source", str(source), "--check"]) == 1
    assert "out of date: tests/reference/openapi-responses.json.gz" in capsys.readouterr().err
