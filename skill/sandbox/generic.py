"""Every operation of the index, simulated from the spec: an in-memory store of spec-shaped resources.

A POST on a collection creates a resource (a fresh SID of the prefix its schema gives, timestamps in
the API's date format, the path's SIDs and the request's parameters under their property names, every
other property null or, where the schema forbids null, an empty value of its type). GET on an
element fetches it, POST updates it, DELETE removes it; GET on a collection lists it with PageSize and
Page and equality filters. A path with no collection above it is a singleton, made on first use.
Unknown paths answer 20404, unknown methods 20004 and missing or invalid parameters 400 with 20001,
as Twilio does. Hand-written routes are tried first; this catch-all answers the rest.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache, lru_cache
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from skill.sandbox.clock import iso8601, rfc2822
from skill.sandbox.http import bad_request, form, meta_page, not_found, page, request_account
from skill.specs import Operation, Prop, load_index

if TYPE_CHECKING:
    from skill.sandbox.app import Sandbox

TEMPLATE_KEY = "twilio_skill.template"  # scope key: the spec path template a generic answer served
PAGING = frozenset({"PageSize", "Page", "PageToken"})
CATCH_ALL = "/{rest:path}"
DEFAULT_HOST = "api.twilio.com"


def snake(name: str) -> str:
    """FriendlyName -> friendly_name, Timers.Inactive -> timers_inactive."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name.replace(".", "_"))
    return spaced.lower()


@dataclass(frozen=True)
class PathEntry:
    template: str
    regex: re.Pattern[str]
    params: tuple[str, ...]
    methods: dict[str, Operation]
    collection: str | None  # the element's collection template, for an element path


def _regex(template: str) -> tuple[re.Pattern[str], tuple[str, ...]]:
    names = tuple(re.findall(r"\{([^}]+)\}", template))
    pattern = re.escape(template)
    for name in names:
        pattern = pattern.replace(re.escape("{" + name + "}"), f"(?P<{_group(name)}>[^/]+?)")
    return re.compile("^" + pattern + "$"), names


def _group(name: str) -> str:
    return "p_" + re.sub(r"\W", "_", name)


def _collection_of(template: str, templates: set[str]) -> str | None:
    """/v1/Workspaces/{WorkspaceSid}/Workers/{Sid} -> /v1/Workspaces/{WorkspaceSid}/Workers, if it exists."""
    match = re.fullmatch(r"(.*)/\{[^}]+\}(\.json)?", template)
    if match is None:
        return None
    parent = match.group(1) + (match.group(2) or "")
    return parent if parent in templates else None


@cache
def host_table() -> dict[str, tuple[PathEntry, ...]]:
    """host -> its paths, literal ones before templated ones (so /Flows/Validate beats /Flows/{Sid})."""
    by_path: dict[tuple[str, str], dict[str, Operation]] = {}
    for op in load_index().operations.values():
        by_path.setdefault((op.host, op.path), {})[op.method] = op
    templates: dict[str, set[str]] = {}
    for host, path in by_path:
        templates.setdefault(host, set()).add(path)
    table: dict[str, list[PathEntry]] = {}
    for (host, path), methods in by_path.items():
        regex, params = _regex(path)
        collection = (
            _collection_of(path, templates[host])
            if any(op.path_type == "instance" for op in methods.values())
            else None
        )
        table.setdefault(host, []).append(PathEntry(path, regex, params, methods, collection))
    return {
        host: tuple(sorted(entries, key=lambda e: (len(e.params), -len(e.template)))) for host, entries in table.items()
    }


def match(host: str, path: str) -> tuple[PathEntry, dict[str, str]] | None:
    found = _match(host, path) if len(path) <= MAX_CACHED_PATH else _match.__wrapped__(host, path)
    return (found[0], dict(found[1])) if found else None


# A client asks for the same few resources again and again; longer paths than any Twilio resource's
# are matched without being kept.
MAX_CACHED_PATH = 256


@lru_cache(maxsize=4096)
def _match(host: str, path: str) -> tuple[PathEntry, dict[str, str]] | None:
    for entry in host_table().get(host, ()):
        found = entry.regex.match(path)
        if found:
            return entry, {name: found.group(_group(name)) for name in entry.params}
    return None


@dataclass
class GenericStore:
    """Resources by collection (its concrete path) and SID, and singletons by concrete path."""

    collections: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    singletons: dict[str, dict[str, Any]] = field(default_factory=dict)
    counter: Iterator[int] = field(default_factory=lambda: iter(range(1, 10**12)))

    def sid(self, prefix: str) -> str:
        return f"{prefix}{next(self.counter):032x}"


def _fill(prop: Prop, store: GenericStore, name: str) -> Any:
    """A value for a property nothing set: null where the schema allows it, else an empty value of its type."""
    if prop.nullable:
        return None
    if prop.enum:
        return prop.enum[0]
    if prop.type == "string":
        if prop.pattern:
            return patterned(prop.pattern, store)
        if prop.format == "uri":
            return "https://sandbox.twilio-skill.invalid/"
        if prop.format == "date-time":
            return "1970-01-01T00:00:00Z"
        return ""
    return {"integer": 0, "number": 0, "boolean": False, "array": [], "object": {}}.get(prop.type)


def patterned(pattern: str, store: GenericStore) -> str:
    """A fresh value for a pattern: a SID of its prefix (^WS[0-9a-fA-F]{32}$, ^(SM|MM)...), or a
    literal prefix and hex digits (^aia_asst_.+$); '' for any other pattern."""
    found = re.match(r"^\^?\(?([A-Z]{2}|\[A-Z\]\{2\})(\|[A-Z]{2})*\)?\[[0-9a-zA-Z-]+\]\{32\}\$?$", pattern)
    if found:
        return store.sid(found.group(1) if found.group(1).isalpha() else "ZZ")
    found = re.match(r"^\^([A-Za-z0-9_-]+)\.[+*]\$$", pattern)
    if found:
        return f"{found.group(1)}{next(store.counter):032x}"
    return ""


def _value(prop: Prop, raw: Any) -> Any:
    """A request value as the property's type."""
    if isinstance(raw, list) and prop.type != "array":
        raw = raw[0] if raw else None
    if raw is None:
        return None
    try:
        if prop.type == "integer":
            return int(raw)
        if prop.type == "number":
            return float(raw)
        if prop.type == "boolean":
            return raw if isinstance(raw, bool) else str(raw).lower() == "true"
        if prop.type == "array":
            values = raw if isinstance(raw, list) else [raw]
            if prop.items == "object":
                values = [value if isinstance(value, dict) else json.loads(value) for value in values]
                return values if all(isinstance(value, dict) for value in values) else None
            return values
        if prop.type == "object":
            return raw if isinstance(raw, dict) else json.loads(raw)
    except (TypeError, ValueError):
        return None
    if prop.enum and raw not in prop.enum:
        return None
    text = raw if isinstance(raw, str) else json.dumps(raw)
    return None if prop.pattern and not re.search(prop.pattern, text) else text


class Simulator:
    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox
        self.store = GenericStore()

    def _now(self, prop: Prop) -> str:
        now = self.sandbox.clock.now()
        return rfc2822(now) if prop.format == "date-time-rfc-2822" else iso8601(now)

    def make(
        self, op: Operation, host: str, concrete: str, path: dict[str, str], params: dict[str, Any], account: str
    ) -> dict[str, Any]:
        resource: dict[str, Any] = {}
        by_prop = {snake(name): value for name, value in {**params, **path}.items()}
        sid: str | None = None
        for name, prop in op.props.items():
            if name == "sid" and "Sid" in path and _value(prop, path["Sid"]) is not None:
                resource[name] = path["Sid"]
            elif name in ("sid", "id") and prop.type == "string":
                resource[name] = patterned(prop.pattern or "", self.store) or self.store.sid("ZZ")
            elif name == "account_sid":
                resource[name] = account
            elif name in by_prop and _value(prop, by_prop[name]) is not None:
                resource[name] = _value(prop, by_prop[name])
            elif name in ("date_created", "date_updated") and prop.type == "string":
                resource[name] = self._now(prop)
            else:
                resource[name] = _fill(prop, self.store, name)
            if name == "sid":
                sid = resource[name] if isinstance(resource[name], str) else None
        element = (
            f"{concrete.removesuffix('.json')}/{sid}"
            if sid and op.path_type == "list"
            else concrete.removesuffix(".json")
        )
        for name in ("url", "uri"):
            if name in op.props and op.props[name].type == "string":
                resource[name] = f"https://{host}{element}" if name == "url" else f"{element}.json"
        return resource

    def shaped(self, op: Operation, resource: dict[str, Any]) -> dict[str, Any]:
        return _shaped(op, resource, self.store)

    def update(self, op: Operation, resource: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
        for name, raw in params.items():
            prop = op.props.get(snake(name))
            if prop is not None and snake(name) not in ("sid", "account_sid") and _value(prop, raw) is not None:
                resource[snake(name)] = _value(prop, raw)
        if "date_updated" in op.props and op.props["date_updated"].type == "string":
            resource["date_updated"] = self._now(op.props["date_updated"])
        return resource

    async def __call__(self, request: Request) -> Response:
        host = request.headers.get("x-twilio-host") or DEFAULT_HOST  # as the sandbox routes a request
        found = match(host, request.url.path)
        if found is None:
            raise not_found(request.url.path)
        entry, path = found
        request.scope[TEMPLATE_KEY] = entry.template
        op = entry.methods.get(request.method)
        if op is None:
            allow = ", ".join(sorted(entry.methods))
            return self.sandbox.error(host, 405, 20004, "Method not allowed", {"Allow": allow})
        account = request_account(self.sandbox.state, request)
        params = await _params(request, op)
        _check(op, params)
        return self.answer(op, entry, host, request, path, params, account)

    def answer(
        self,
        op: Operation,
        entry: PathEntry,
        host: str,
        request: Request,
        path: dict[str, str],
        params: dict[str, Any],
        account: str,
    ) -> Response:
        concrete = request.url.path
        base = host + concrete.removesuffix(".json")  # stores are per host: /v1/Services is on several
        if entry.collection is not None:  # an element of a collection
            collection = self.store.collections.setdefault(base.rsplit("/", 1)[0], {})
            resource = collection.get(path[entry.params[-1]])
            if resource is None:
                raise not_found(concrete)
            if op.method == "DELETE":
                del collection[path[entry.params[-1]]]
                return Response(status_code=204)
            if op.method != "GET":
                self.update(op, resource, params)
            return _answer(op, resource, self.store)
        if op.method == "POST" and op.path_type == "list" and op.props:
            resource = self.make(op, host, concrete, path, params, account)
            members = self.store.collections.setdefault(base, {})
            # Keyed by what its element path names: a SID, or an id (Assistants, Knowledge).
            members[str(resource.get("sid") or resource.get("id") or len(members))] = resource
            return _answer(op, resource, self.store)
        if op.method == "GET" and op.list_key:
            items = list(self.store.collections.get(base, {}).values())
            filters = {snake(k): v for k, v in params.items() if k not in PAGING and snake(k) in op.props}
            items = [item for item in items if all(str(item.get(k)) == str(v) for k, v in filters.items())]
            lister = meta_page if op.paging == "meta" else page
            return lister(request, op.list_key, items, lambda item: self.shaped(op, item))
        # a singleton: made on first use
        if op.method == "DELETE":
            self.store.singletons.pop(base, None)
            return Response(status_code=204)
        resource = self.store.singletons.get(base)
        if resource is None:
            resource = self.make(op, host, concrete, path, params if op.method != "GET" else {}, account)
            self.store.singletons[base] = resource
        elif op.method != "GET":
            self.update(op, resource, params)
        return _answer(op, resource, self.store)


def _answer(op: Operation, resource: dict[str, Any], store: GenericStore) -> Response:
    if op.status == 204:
        return Response(status_code=op.status)
    return JSONResponse(_shaped(op, resource, store), status_code=op.status)


def _shaped(op: Operation, resource: dict[str, Any], store: GenericStore) -> dict[str, Any]:
    """The resource as this operation's schema lists it (an operation may list more than its create did)."""
    if not op.props:
        return resource
    return {name: resource[name] if name in resource else _fill(prop, store, name) for name, prop in op.props.items()}


async def _params(request: Request, op: Operation) -> dict[str, Any]:
    params: dict[str, Any] = {}
    for key, value in request.query_params.multi_items():
        params.setdefault(key, []).append(value)
    if op.method in ("POST", "PUT", "PATCH"):
        if request.headers.get("content-type", "").startswith("application/json"):
            try:
                body = json.loads(await request.body() or b"{}")
            except ValueError:
                raise bad_request(20001, "Invalid JSON body") from None
            if isinstance(body, dict):
                params.update(body)
        else:
            params.update(await form(request))
    return {
        key: value[0]
        if isinstance(value, list) and len(value) == 1 and key in op.by_name and op.by_name[key].type != "array"
        else value
        for key, value in params.items()
    }


def _check(op: Operation, params: dict[str, Any]) -> None:
    """400 with 20001 for a missing required parameter or a value outside its enum, as Twilio answers."""
    for param in op.params:
        if param.where == "path":
            continue
        if param.required and param.name not in params:
            where = "the post body" if param.where in ("form", "json") else "the query"
            raise bad_request(20001, f"Missing required parameter {param.name} in {where}")
        value = params.get(param.name)
        values = value if isinstance(value, list) else [value]
        if param.enum and value is not None and any(str(v) not in param.enum for v in values):
            raise bad_request(20001, f"Invalid {param.name}: must be one of {', '.join(param.enum[:20])}")


def routes(sandbox: Sandbox) -> list[Route]:
    """The catch-all route every host's router ends with."""
    simulator = Simulator(sandbox)
    sandbox.generic = simulator
    return [Route(CATCH_ALL, simulator, methods=["GET", "POST", "PUT", "PATCH", "DELETE"])]


def complete(host: str, method: str, path: str, body: Any) -> bool:
    """Give a hand-written answer every property its operation's schema lists: the missing ones null
    (or, where the schema forbids null, an empty value of their type). True when it added any."""
    found = match(host, path)
    op = found[0].methods.get(method) if found else None
    if op is None or not op.props or not isinstance(body, dict):
        return False
    store = GenericStore()
    items = body.get(op.list_key) if op.list_key else [body]
    added = False
    for item in items if isinstance(items, list) else ():
        if isinstance(item, dict):
            missing = {name: _fill(prop, store, name) for name, prop in op.props.items() if name not in item}
            item.update(missing)
            added = added or bool(missing)
    return added
