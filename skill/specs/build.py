"""Build the operation index the `api` tools read, from Twilio's OpenAPI specs.

Two steps, so that a clone with no upstream specs can still check the shipped index:

    extract  the 55 full specs -> the operations source: per operation what the index needs, with
             `$ref`s resolved and long texts cut (vendored as tests/reference/twilio-operations.json.gz)
    index    the operations source -> skill/specs/operations.json.gz: qualified ids, tiers, secrets,
             default output properties with their fallback, pagination style, search-ready text

    python -m skill.specs.build --source ../shared/reference          # both steps, rewrite both files
    python -m skill.specs.build                                       # index step from the vendored source
    python -m skill.specs.build --check [--source ../shared/reference]  # exit 1 when a file is out of date

The output is deterministic (sorted, compact JSON, gzip without a timestamp).
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import shutil
import sys
from pathlib import Path
from typing import Any

from skill.specs import INDEX_FILE, INDEX_FORMAT, LICENSE_FILE, PACKAGE_DIR

REPO = PACKAGE_DIR.parents[1]
VENDORED_SOURCE = REPO / "tests" / "reference" / "twilio-operations.json.gz"
SOURCE_FORMAT = 1
METHODS = ("get", "post", "put", "patch", "delete")
SCHEMA_REF = "#/components/schemas/"
PARAM_REF = "#/components/parameters/"
SOURCE_TEXT = 240  # characters of a description kept in the operations source
INDEX_TEXT = 160  # ... and in the index
FALLBACK_PROPERTIES = 5  # default output properties when the spec names none
# Response properties whose value is a credential: the specs mark none of them as PII.
SECRET_NAME = re.compile(r"(^|_)(secret|auth_token|password|private_key|api_key_secret|token)$")
SECRET_NOT = frozenset({"secret_sid"})  # names that match but hold no secret (ids, not values)


def _ref(spec: dict[str, Any], node: Any, prefix: str, seen: tuple[str, ...] = ()) -> Any:
    while isinstance(node, dict) and isinstance(node.get("$ref"), str) and node["$ref"].startswith(prefix):
        name = node["$ref"].removeprefix(prefix)
        if name in seen:
            return {}
        seen = (*seen, name)
        section = "schemas" if prefix == SCHEMA_REF else "parameters"
        node = spec.get("components", {}).get(section, {}).get(name, {})
    return node


def _text(value: Any, size: int) -> str:
    text = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", str(value or ""))  # markdown links: keep the words
    text = " ".join(text.replace("`", "").split())
    return text if len(text) <= size else text[: size - 1].rstrip() + "…"


def _schema(spec: dict[str, Any], node: Any) -> dict[str, Any]:
    """A property's schema cut to what validation and the sandbox use."""
    node = _ref(spec, node, SCHEMA_REF)
    if not isinstance(node, dict):
        return {"type": "string"}
    out: dict[str, Any] = {"type": node.get("type", "string" if "enum" in node else "object")}
    for key in ("format", "enum", "pattern", "nullable"):
        if node.get(key) not in (None, False):
            out[key] = node[key]
    if out["type"] == "array":
        out["items"] = _schema(spec, node.get("items", {})).get("type", "string")
        items = _ref(spec, node.get("items", {}), SCHEMA_REF)
        if isinstance(items, dict) and items.get("enum"):
            out["enum"] = items["enum"]
    pii = (node.get("x-twilio") or {}).get("pii")
    if isinstance(pii, dict) and pii.get("handling"):
        out["pii"] = pii["handling"]
    return out


def _parameters(spec: dict[str, Any], op: dict[str, Any], item: dict[str, Any]) -> list[dict[str, Any]]:
    params: list[dict[str, Any]] = []
    for raw in [*item.get("parameters", []), *op.get("parameters", [])]:
        param = _ref(spec, raw, PARAM_REF)
        if param.get("in") not in ("path", "query"):
            continue  # headers (the API version, If-Match) are set by the client, never by an agent
        schema = _schema(spec, param.get("schema", {}))
        pii = (param.get("x-twilio") or {}).get("pii")
        if isinstance(pii, dict) and pii.get("handling"):
            schema["pii"] = pii["handling"]
        entry = {
            "name": param["name"],
            "in": param["in"],
            **schema,
            "description": _text(param.get("description"), SOURCE_TEXT),
        }
        if param.get("required") or param["in"] == "path":
            entry["required"] = True
        params.append(entry)
    body = op.get("requestBody", {}).get("content", {})
    for media, content in sorted(body.items())[:1]:
        schema = _ref(spec, content.get("schema", {}), SCHEMA_REF)
        required = set(schema.get("required", []))
        for name, prop in (schema.get("properties") or {}).items():
            entry = {"name": name, "in": "json" if "json" in media else "form", **_schema(spec, prop)}
            entry["description"] = _text(
                _ref(spec, prop, SCHEMA_REF).get("description") or prop.get("description"), SOURCE_TEXT
            )
            if name in required:
                entry["required"] = True
            params.append(entry)
    return params


def _response(spec: dict[str, Any], op: dict[str, Any]) -> dict[str, Any]:
    """The success status, the resource's properties, and the list key and style when it is a list."""
    declared = sorted(code for code in op.get("responses", {}) if code.isdigit())
    # With no 2xx, the operation answers a redirect (an OAuth authorize, a file download) with a body.
    statuses = [code for code in declared if code.startswith("2")] or declared
    out: dict[str, Any] = {"status": int(statuses[0]) if statuses else 200}
    if not statuses:
        return out
    content = op["responses"][statuses[0]].get("content") or {}
    media = "application/json" if "application/json" in content else next(iter(content), None)
    if media is None:
        return out
    schema = _ref(spec, content[media].get("schema", {}), SCHEMA_REF)
    props = schema.get("properties") or {}
    arrays = [
        name
        for name, prop in props.items()
        if isinstance(prop, dict)
        and prop.get("type") == "array"
        and (_ref(spec, prop.get("items", {}), SCHEMA_REF) or {}).get("properties")
    ]
    if arrays and ("meta" in props or "next_page_uri" in props):
        out["list_key"] = arrays[0]
        out["paging"] = "meta" if "meta" in props else "page_uri"
        schema = _ref(spec, props[arrays[0]]["items"], SCHEMA_REF)
        props = schema.get("properties") or {}
    out["properties"] = {name: _schema(spec, prop) for name, prop in props.items()}
    return out


def spec_key(file_name: str) -> str:
    """'twilio_api_v2010.json' -> 'api_v2010'."""
    return file_name.removeprefix("twilio_").removesuffix(".json")


def extract(spec: dict[str, Any], key: str) -> dict[str, Any]:
    """The operations source of one full spec."""
    servers = [server["url"] for server in spec.get("servers", [])]
    operations: list[dict[str, Any]] = []
    for path, item in spec["paths"].items():
        x_path = item.get("x-twilio") or {}
        hosts = [server["url"] for server in item.get("servers", [])] or servers
        for method in METHODS:
            if method not in item:
                continue
            op = item[method]
            operations.append(
                {
                    "operation_id": op["operationId"],
                    "method": method.upper(),
                    "host": hosts[0].removeprefix("https://") if hosts else "",
                    "path": path,
                    "summary": _text(op.get("summary") or op.get("description"), SOURCE_TEXT),
                    "description": _text(item.get("description"), SOURCE_TEXT),
                    "path_type": x_path.get("pathType"),
                    "default_output": x_path.get("defaultOutputProperties"),
                    "parameters": _parameters(spec, op, item),
                    "response": _response(spec, op),
                }
            )
    info = spec.get("info", {})
    return {
        "title": info.get("title", key),
        "license": (info.get("license") or {}).get("name"),
        "operations": operations,
    }


def build_source(reference: Path) -> bytes:
    """The operations source of every Twilio spec under reference/twilio-oai, as JSON bytes."""
    files = sorted((reference / "twilio-oai").glob("twilio_*.json"))
    if not files:
        raise FileNotFoundError(f"no Twilio specs under {reference / 'twilio-oai'}")
    specs = {spec_key(f.name): extract(json.loads(f.read_text(encoding="utf-8")), spec_key(f.name)) for f in files}
    return json.dumps({"format": SOURCE_FORMAT, "specs": specs}, separators=(",", ":"), ensure_ascii=False).encode()


def is_secret(name: str) -> bool:
    """Whether a property is named like a credential: snake_case or camelCase (sessionToken)."""
    snake = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()
    return name not in SECRET_NOT and snake not in SECRET_NOT and bool(SECRET_NAME.search(snake))


def _default_output(op: dict[str, Any], props: dict[str, Any]) -> tuple[list[str], bool]:
    """The properties a result shows by default, and whether the spec named them (else a fallback)."""
    named = [name for name in op.get("default_output") or [] if name in props]
    if named:
        return named, True
    scalars = [name for name, prop in props.items() if prop.get("type") in ("string", "integer", "number", "boolean")]
    first = [name for name in ("sid",) if name in scalars]
    return first + [name for name in scalars if name not in first][: FALLBACK_PROPERTIES - len(first)], False


def _index_param(param: dict[str, Any]) -> list[Any]:
    """[name, in, type, required, enum, description, extra] — a list, so the index stays small."""
    extra = {key: param[key] for key in ("format", "pattern", "items", "pii") if key in param}
    return [
        param["name"],
        param["in"],
        param["type"],
        1 if param.get("required") else 0,
        param.get("enum") or 0,
        _text(param.get("description"), INDEX_TEXT),
        extra or 0,
    ]


def _index_prop(prop: dict[str, Any]) -> list[Any]:
    """[type, nullable, enum, format, pattern, pii, items] of a response property."""
    return [
        prop["type"],
        1 if prop.get("nullable") else 0,
        prop.get("enum") or 0,
        prop.get("format") or 0,
        prop.get("pattern") or 0,
        prop.get("pii") or 0,
        prop.get("items") or 0,
    ]


def _named(operation_id: str, resource: str) -> str:
    """A summary for an operation the spec gives none: its id in words, and what its resource is."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", operation_id)
    return f"{spaced}: {resource}" if resource else spaced


def build_index(source: dict[str, Any]) -> bytes:
    """The shipped index from the operations source, as JSON bytes."""
    specs: dict[str, Any] = {}
    operations: list[list[Any]] = []
    for key in sorted(source["specs"]):
        spec = source["specs"][key]
        specs[key] = {"title": spec["title"], "license": spec["license"]}
        for op in sorted(spec["operations"], key=lambda o: (o["path"], METHODS.index(o["method"].lower()))):
            response = op["response"]
            props = response.get("properties", {})
            default, named = _default_output(op, props)
            secrets = sorted(name for name in props if is_secret(name))
            operations.append(
                [
                    f"{key}.{op['operation_id']}",
                    op["method"],
                    op["host"],
                    op["path"],
                    _text(op["summary"] or _named(op["operation_id"], op["description"]), INDEX_TEXT),
                    _text(op["description"], INDEX_TEXT),
                    op["path_type"] or ("instance" if op["path"].rstrip("/").endswith(("}", "}.json")) else "list"),
                    [_index_param(param) for param in op["parameters"]],
                    {name: _index_prop(prop) for name, prop in props.items()},
                    default,
                    1 if named else 0,
                    response.get("paging") or 0,
                    response.get("list_key") or 0,
                    response["status"],
                    secrets,
                ]
            )
    payload = {"format": INDEX_FORMAT, "specs": specs, "operations": operations}
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False, sort_keys=True).encode()


def gzipped(data: bytes) -> bytes:
    """Gzip with no timestamp or name, so the same data always gives the same file."""
    return gzip.compress(data, compresslevel=9, mtime=0)


def stale(reference: Path | None) -> list[str]:
    """The files that differ from a fresh build; the source is only checked when reference is given."""
    out: list[str] = []
    if reference is not None:
        fresh = build_source(reference)
        if not VENDORED_SOURCE.is_file() or gzip.decompress(VENDORED_SOURCE.read_bytes()) != fresh:
            out.append(str(VENDORED_SOURCE.relative_to(REPO)))
        licence = reference / "twilio-oai" / "LICENSE"
        if (PACKAGE_DIR / LICENSE_FILE).read_bytes() != licence.read_bytes():
            out.append(f"skill/specs/{LICENSE_FILE}")
    source = json.loads(gzip.decompress(VENDORED_SOURCE.read_bytes()))
    shipped = PACKAGE_DIR / INDEX_FILE
    if not shipped.is_file() or gzip.decompress(shipped.read_bytes()) != build_index(source):
        out.append(f"skill/specs/{INDEX_FILE}")
    return out


def write(reference: Path | None) -> dict[str, tuple[int, int]]:
    """Rewrite the source (when reference is given) and the index; {file: (raw bytes, gzipped bytes)}."""
    sizes: dict[str, tuple[int, int]] = {}
    if reference is not None:
        raw = build_source(reference)
        VENDORED_SOURCE.write_bytes(gzipped(raw))
        sizes[str(VENDORED_SOURCE.relative_to(REPO))] = (len(raw), len(gzipped(raw)))
        shutil.copyfile(reference / "twilio-oai" / "LICENSE", PACKAGE_DIR / LICENSE_FILE)
    index = build_index(json.loads(gzip.decompress(VENDORED_SOURCE.read_bytes())))
    (PACKAGE_DIR / INDEX_FILE).write_bytes(gzipped(index))
    sizes[f"skill/specs/{INDEX_FILE}"] = (len(index), len(gzipped(index)))
    return sizes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m skill.specs.build", description=__doc__.split("\n")[0])
    parser.add_argument("--source", type=Path, help="upstream reference folder holding twilio-oai/")
    parser.add_argument("--check", action="store_true", help="only report files that are out of date")
    args = parser.parse_args(argv)
    if args.source is not None and not (args.source / "twilio-oai").is_dir():
        print(f"no twilio-oai folder under {args.source}", file=sys.stderr)
        return 2
    if args.check:
        out = stale(args.source)
        for name in out:
            print(f"out of date: {name}", file=sys.stderr)
        return 1 if out else 0
    for name, (raw, packed) in write(args.source).items():
        print(f"{name}: {raw} bytes of JSON, {packed} gzipped")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
