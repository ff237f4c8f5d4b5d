"""Reading callback bodies within bounds, before any signature is checked.

The auth token that checks a Twilio signature is chosen by the AccountSid inside the body, so the
body is parsed before it is trusted. Everything that parsing could be made to spend is bounded
first: the size (MAX_BODY_BYTES), the number of fields (MAX_FIELDS), the encoding (strict UTF-8)
and the nesting of JSON (MAX_JSON_DEPTH), checked by a scan of C-speed byte operations before
`json.loads`, which recurses once per level and would raise RecursionError on a deep document. A
body that breaks a bound raises BadBody, which the receiver answers with 400.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import parse_qs, unquote_to_bytes, urlsplit

from starlette.requests import Request
from starlette.types import Scope

MAX_BODY_BYTES = 1024 * 1024
MAX_FIELDS = 1000
MAX_JSON_DEPTH = 32

# A JSON string as the parser reads it; the closing quote is optional so that an unterminated string
# ends the scan in one pass instead of being retried from every later quote. UTF-8 never puts the
# bytes of '"', '\\' or a bracket inside a multi-byte character, so the scan works on the raw bytes.
_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"?', re.DOTALL)
# Objects and arrays nest alike for the parser's recursion: both become '[' and ']', all else goes.
_ONE_KIND = bytes.maketrans(b"{}", b"[]")
_NOT_BRACKET = bytes(byte for byte in range(256) if byte not in b"[]{}")


class BodyTooLarge(Exception):
    """The body is over the size limit."""


class BadBody(ValueError):
    """The body cannot be read within the bounds; the message says why, for the 400 answer."""


async def read_body(request: Request, limit: int = MAX_BODY_BYTES) -> bytes:
    """The whole body, refusing at once anything over `limit` bytes.

    Raises:
        BodyTooLarge: the declared or actual length is over the limit.
    """
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge
        chunks.append(chunk)
    return b"".join(chunks)


def _text(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadBody("the body is not valid UTF-8") from exc


def nests_deeper_than(raw: bytes, limit: int) -> bool:
    """True when the parser could recurse more than `limit` levels into the JSON text `raw`: arrays and
    objects (outside strings) nest deeper, brackets left open included.

    A few linear passes in C, then at most `limit` more: the cost is bounded by limit x size.
    """
    brackets = _JSON_STRING.sub(b"", raw).translate(_ONE_KIND, _NOT_BRACKET)
    if brackets.count(b"[") <= limit:
        return False
    if b"[" * (limit + 1) in brackets:
        return True
    # Each round removes the innermost pairs, one level of every branch; what survives `limit` rounds is deeper.
    for _ in range(limit):
        shorter = brackets.replace(b"[]", b"")
        if len(shorter) == len(brackets):
            break
        brackets = shorter
    return b"[" in brackets


def bounded_json(raw: bytes, *, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """The JSON document in `raw`, parsed only once its nesting is known to be within `max_depth`.

    Raises:
        BadBody: not UTF-8, nested too deeply, or not JSON (numbers too long for Python included).
    """
    text = _text(raw)
    if nests_deeper_than(raw, max_depth):
        raise BadBody(f"the JSON body nests deeper than {max_depth} levels, or leaves a bracket open")
    try:
        return json.loads(text)
    except ValueError as exc:
        raise BadBody("the body is not valid JSON") from exc


def json_fields(raw: bytes, *, max_fields: int = MAX_FIELDS) -> dict[str, list[str]]:
    """A JSON callback's top-level fields as parameters; nested values are kept as compact JSON text.

    Raises:
        BadBody: the body breaks a bound or is not a JSON object.
    """
    data = bounded_json(raw) if raw.strip() else {}
    if not isinstance(data, dict):
        raise BadBody("the JSON body is not an object")
    if len(data) > max_fields:
        raise BadBody(f"the body has more than {max_fields} fields")
    return {
        name: [value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))]
        for name, value in data.items()
        if value is not None
    }


def _unquoted(text: str) -> str:
    """A form name or value decoded as parse_qsl decodes it: "+" a space, %XX escapes as strict UTF-8."""
    if "+" in text:
        text = text.replace("+", " ")
    if "%" not in text:
        return text
    # unquote decodes each ASCII run apart; a literal non-ASCII character is a whole UTF-8 sequence, so
    # decoding the text at once succeeds and fails on the same inputs, with the same result.
    return unquote_to_bytes(text).decode("utf-8")


def form_fields(raw: bytes, *, max_fields: int = MAX_FIELDS) -> dict[str, list[str]]:
    """The parameters of a form-encoded body, every value strict UTF-8: what
    parse_qsl(keep_blank_values=True, errors="strict") finds, read in one pass.

    Raises:
        BadBody: the body breaks a bound or does not decode.
    """
    text = _text(raw)
    if text and text.count("&") >= max_fields:
        raise BadBody(f"the body has more than {max_fields} fields")
    params: dict[str, list[str]] = {}
    try:
        for field in text.split("&"):
            if field:
                name, _, value = field.partition("=")
                # Most names and values have nothing to decode; the test spares them a call.
                if "%" in name or "+" in name:
                    name = _unquoted(name)
                if "%" in value or "+" in value:
                    value = _unquoted(value)
                params.setdefault(name, []).append(value)
    except UnicodeDecodeError as exc:
        raise BadBody("a form value is not valid UTF-8") from exc
    return params


def query_fields(query: str, *, max_fields: int = MAX_FIELDS) -> dict[str, list[str]]:
    """The parameters of a query string, bounded like a body's.

    Raises:
        BadBody: too many fields or a value that does not decode.
    """
    try:
        return parse_qs(query, max_num_fields=max_fields, errors="strict")
    except UnicodeDecodeError as exc:
        raise BadBody("a query value is not valid UTF-8") from exc
    except ValueError as exc:
        raise BadBody(f"the query has more than {max_fields} fields") from exc


def scope_query(scope: Scope, *, max_fields: int = MAX_FIELDS) -> dict[str, list[str]]:
    """The parameters of a request's query string (as Starlette's URL reads it), bounded like a body's.

    Raises:
        BadBody: the query is not UTF-8, has too many fields, or has a value that does not decode.
    """
    raw: bytes = scope.get("query_string", b"")
    if not raw:
        return {}
    try:
        text = raw.decode()
    except UnicodeDecodeError as exc:
        raise BadBody("the query string is not valid UTF-8") from exc
    return query_fields(urlsplit("?" + text).query, max_fields=max_fields)
