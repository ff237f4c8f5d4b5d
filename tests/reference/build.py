"""Regenerate the vendored reference data from an upstream reference folder.

    python -m tests.reference.build --source ../shared/reference           # rewrite the vendored files
    python -m tests.reference.build --source ../shared/reference --check   # exit 1 when they are out of date

From every operation of the Twilio and SendGrid OpenAPI specs it keeps the response schemas per
status code, with the component schemas they reference (by `$ref`, as in the spec) and response
`$ref`s resolved; descriptions, titles, examples and `x-` extensions are dropped. From Twilio's
error-code catalogue it keeps each code's title. The output is deterministic, so a rebuild from the
same upstream files gives the same bytes.
"""

from __future__ import annotations

import argparse
import gzip
import json
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tests.reference import ERROR_TITLES_FILE, HERE, RESPONSES_FILE

FORMAT = 1

SPEC_GLOBS = ("twilio-oai/twilio_*.json", "sendgrid-oai/tsg_*_v3.json")
# upstream license file -> its copy in licenses/
LICENSES = {"twilio-oai/LICENSE": "twilio-oai.LICENSE", "sendgrid-oai/LICENSE": "sendgrid-oai.LICENSE"}
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
SCHEMA_REF = "#/components/schemas/"
RESPONSE_REF = "#/components/responses/"

# Keywords that only annotate a schema; nothing validates or generates a value from them.
ANNOTATIONS = frozenset({"description", "title", "example", "examples", "externalDocs", "$comment"})
# Keywords whose value is one schema, a list of schemas, or a map of names to schemas.
ONE_SCHEMA = frozenset(
    {"items", "additionalProperties", "not", "contains", "propertyNames", "if", "then", "else"}
    | {"unevaluatedItems", "unevaluatedProperties", "additionalItems"}
)
SCHEMA_LIST = frozenset({"allOf", "anyOf", "oneOf", "prefixItems"})
SCHEMA_MAP = frozenset({"properties", "patternProperties", "$defs", "definitions", "dependentSchemas"})


def compact_schema(node: Any) -> Any:
    """The schema without annotations or extensions; property names are kept whatever they are."""
    if not isinstance(node, dict):
        return node  # a boolean schema
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in ANNOTATIONS or key.startswith("x-"):
            continue
        if key in ONE_SCHEMA:
            out[key] = compact_schema(value)
        elif key in SCHEMA_LIST and isinstance(value, list):
            out[key] = [compact_schema(item) for item in value]
        elif key in SCHEMA_MAP and isinstance(value, dict):
            out[key] = {name: compact_schema(item) for name, item in value.items()}
        else:
            out[key] = value
    return out


def schema_refs(node: Any) -> Iterator[str]:
    """Names of the component schemas a compacted schema references."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            if not ref.startswith(SCHEMA_REF):
                raise ValueError(f"unsupported $ref {ref!r}: only {SCHEMA_REF}* is kept")
            yield ref.removeprefix(SCHEMA_REF)
        for value in node.values():
            yield from schema_refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from schema_refs(item)


def compact_response(response: dict[str, Any], spec: dict[str, Any]) -> dict[str, Any]:
    """{"media": type, "schema": schema} for a response with a body, {} for one without."""
    seen: set[str] = set()
    while "$ref" in response:  # SendGrid shares whole responses under components/responses
        ref = response["$ref"]
        if not ref.startswith(RESPONSE_REF) or ref in seen:
            raise ValueError(f"unsupported response $ref {ref!r}")
        seen.add(ref)
        response = spec["components"]["responses"][ref.removeprefix(RESPONSE_REF)]
    content = response.get("content") or {}
    media = "application/json" if "application/json" in content else next(iter(content), None)
    if media is None or content[media].get("schema") is None:
        return {}
    return {"media": media, "schema": compact_schema(content[media]["schema"])}


def compact_spec(spec: dict[str, Any]) -> dict[str, Any]:
    """Servers, every operation's responses per status, and the component schemas they reach."""
    paths: dict[str, dict[str, Any]] = {}
    for template, item in spec["paths"].items():
        operations = {
            method: {
                "responses": {
                    str(status): compact_response(response, spec)
                    for status, response in item[method].get("responses", {}).items()
                }
            }
            for method in METHODS
            if method in item
        }
        if operations:
            paths[template] = operations
    components = spec.get("components", {}).get("schemas", {})
    needed: set[str] = set()
    pending = list(schema_refs(paths))
    while pending:
        name = pending.pop()
        if name in needed:
            continue
        if name not in components:
            raise ValueError(f"$ref to a missing component schema {name!r}")
        needed.add(name)
        pending.extend(schema_refs(compact_schema(components[name])))
    info = spec.get("info", {})
    return {
        "openapi": spec["openapi"],
        "info": {key: info[key] for key in ("title", "version", "license") if key in info},
        "servers": [server["url"] for server in spec.get("servers", [])],
        "paths": paths,
        "components": {"schemas": {name: compact_schema(components[name]) for name in sorted(needed)}},
    }


def spec_files(source: Path) -> list[str]:
    """The spec files under source, as paths relative to it, sorted."""
    return sorted(str(path.relative_to(source)) for pattern in SPEC_GLOBS for path in source.glob(pattern))


def build_responses(source: Path) -> bytes:
    """The compact form of every spec under source, as JSON bytes (before compression)."""
    names = spec_files(source)
    if not names:
        raise FileNotFoundError(f"no OpenAPI specs under {source} ({', '.join(SPEC_GLOBS)})")
    specs = {name: compact_spec(json.loads((source / name).read_text(encoding="utf-8"))) for name in names}
    return json.dumps({"format": FORMAT, "specs": specs}, separators=(",", ":"), ensure_ascii=False).encode()


def build_error_titles(source: Path) -> bytes:
    """Twilio's title for every code in its catalogue, by code, one per line."""
    entries = json.loads((source / "twilio-error-codes.json").read_text(encoding="utf-8"))
    titles = {int(entry["code"]): entry.get("message") or "" for entry in entries}
    by_code = {str(code): titles[code] for code in sorted(titles)}
    return (json.dumps(by_code, indent=0, ensure_ascii=False) + "\n").encode()


def gzipped(data: bytes) -> bytes:
    """Gzip with no timestamp or name, so the same data always gives the same file."""
    return gzip.compress(data, compresslevel=9, mtime=0)


def stale_files(source: Path, target: Path = HERE) -> list[str]:
    """The vendored files that differ from what source would give; [] when all are in sync."""
    stale: list[str] = []
    responses = target / RESPONSES_FILE
    if not responses.is_file() or gzip.decompress(responses.read_bytes()) != build_responses(source):
        stale.append(RESPONSES_FILE)
    titles = target / ERROR_TITLES_FILE
    if not titles.is_file() or titles.read_bytes() != build_error_titles(source):
        stale.append(ERROR_TITLES_FILE)
    for upstream, copy in LICENSES.items():
        vendored = target / "licenses" / copy
        if not vendored.is_file() or vendored.read_bytes() != (source / upstream).read_bytes():
            stale.append(f"licenses/{copy}")
    return stale


def write(source: Path, target: Path = HERE) -> dict[str, tuple[int, int]]:
    """Rewrite the vendored files from source; returns {file: (raw bytes, bytes on disk)}."""
    raw = build_responses(source)
    packed = gzipped(raw)
    (target / RESPONSES_FILE).write_bytes(packed)
    titles = build_error_titles(source)
    (target / ERROR_TITLES_FILE).write_bytes(titles)
    (target / "licenses").mkdir(exist_ok=True)
    for upstream, copy in LICENSES.items():
        shutil.copyfile(source / upstream, target / "licenses" / copy)
    return {RESPONSES_FILE: (len(raw), len(packed)), ERROR_TITLES_FILE: (len(titles), len(titles))}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.reference.build", description=__doc__.split("\n")[0])
    parser.add_argument("--source", type=Path, default=HERE.parents[2] / "shared" / "reference")
    parser.add_argument("--check", action="store_true", help="only report files that are out of date")
    args = parser.parse_args(argv)
    if not args.source.is_dir():
        print(f"no reference folder at {args.source}", file=sys.stderr)
        return 2
    if args.check:
        stale = stale_files(args.source)
        for name in stale:
            print(f"out of date: tests/reference/{name}", file=sys.stderr)
        return 1 if stale else 0
    for name, (raw, stored) in write(args.source).items():
        print(f"tests/reference/{name}: {raw:,} bytes, {stored:,} stored")
    return 0


if __name__ == "__main__":
    sys.exit(main())
