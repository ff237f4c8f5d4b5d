"""Hypothesis strategies for tool arguments: values a tool's input schema describes, and hostile ones.

`arguments_for` reads a tool's full input schema (with the constraints the server enforces) and
draws argument objects that are mostly well formed, then spoils some: fields swapped for hostile
values, required fields left out, unknown keys added, a hostile approval_id.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from hypothesis import strategies as st

from skill.policy.tiers import Tier
from skill.server.registry import ToolSpec
from skill.server.schemas import model_schema

Json = Any
TEXT_SIZE = 40  # most characters of a plain drawn string; huge strings come from HOSTILE_STRINGS
LIST_SIZE = 4

PRIVATE_URLS = [
    "http://127.0.0.1/",
    "http://127.0.0.1:1/hook",
    "http://localhost:8765/twilio/sms",
    "http://169.254.169.254/latest/meta-data/iam/security-credentials/",
    "http://[::1]/",
    "http://[::ffff:127.0.0.1]/",
    "http://10.0.0.1/",
    "http://192.168.1.1/admin",
    "http://0.0.0.0/",
    "http://2130706433/",
    "http://0x7f000001/",
    "http://metadata.google.internal/computeMetadata/v1/",
    "https://hooks.example.com@127.0.0.1/",
    "https://127.0.0.1\\@hooks.example.com/",
    "gopher://127.0.0.1:25/_HELO",
    "file:///etc/passwd",
]
PATHS = [
    "../../../../etc/passwd",
    "/etc/shadow",
    "..\\..\\windows\\win.ini",
    "C:\\Windows\\System32\\config\\SAM",
    "~/.ssh/id_rsa",
    "\\\\server\\share\\x",
    "/dev/zero",
    "/proc/self/environ",
    "exports/../../state.db",
    "flow.json\x00.txt",
]
HOSTILE_STRINGS = [
    "",
    " ",
    "\x00",
    "\x1b[2J\x1b[31mred\x1b[0m",
    "line\r\nInjected: header",
    "\u202eevil\u202c",
    "\u2066isolate\u2069",
    "\u200b\u200c\u200d\ufeff",
    "\ud800",
    "\udfff lone",
    "e\u0301" * 50,
    "\U0001f600" * 100,
    "A" * 70_000,
    "é" * 200_000,
    "{0.__class__.__mro__}",
    "%s%s%s%n",
    "${jndi:ldap://127.0.0.1/a}",
    "' OR '1'='1' --",
    "<script>alert(1)</script>",
    "]]><!ENTITY x SYSTEM 'file:///etc/passwd'>",
    '{"a": ' * 200 + "1" + "}" * 200,
    '{"__proto__": {"admin": true}}',
    "[" * 5000,
    "NaN",
    "-Infinity",
    "9" * 5000,
    "+1" * 40,
    "+99999999999999999999",
    "whatsapp:",
    "PN" + "g" * 32,
    "x" * 300 + "@example.com",
    *PRIVATE_URLS,
    *PATHS,
]
INTERESTING_STRINGS = [
    "+14155550100",
    "+15005550006",
    "+15005550001",
    "(415) 555-0100",
    "whatsapp:+14155550100",
    "+447911123456",
    "client:alice",
    "sip:alice@example.com",
    "person@example.com",
    "https://hooks.example.com/twilio/sms",
    "https://example.com/twiml.xml",
    "https://hooks.internal.test/sms",
    "<Response><Say>Hello</Say></Response>",
    "sms",
    "voice",
    "email",
    "published",
    "active",
    "US",
    "en-US",
]


PHONES = ["+14155550100", "+15005550006", "(415) 555-0100", "whatsapp:+14155550100", "+15005550001", "+447911123456"]
EMAILS = ["person@example.com", "sender@example.com", "Team <ops@example.org>"]
URLS = [
    "https://hooks.example.com/twilio/sms",
    "https://example.com/twiml.xml",
    "http://localhost:8765/twilio/voice",
    "https://hooks.internal.test/sms",
]
TEXTS = ["Hello there.", "Your code is 123456.", "Réservation confirmée ✓"]
TWIML = ["<Response><Say>Hello</Say></Response>", "<Response><Message>Hi</Message></Response>"]
# Values that make sense for an argument of that name, so drawn calls get past the first checks.
FIELD_HINTS: dict[str, list[str]] = {
    **dict.fromkeys(("to", "from", "phone_number", "phone", "number", "operator"), PHONES + EMAILS[:1]),
    **dict.fromkeys(("cc", "bcc", "email", "reply_to"), EMAILS),
    **dict.fromkeys(("body", "text", "html", "subject", "prompt", "friendly_name", "commit_message"), TEXTS),
    **dict.fromkeys(("twiml", "xml"), TWIML),
}


def hints_for(name: str | None) -> list[str]:
    if name is None:
        return []
    if name.endswith(("url", "urls", "callback")):
        return URLS
    return FIELD_HINTS.get(name, [])


def _nested(depth: int) -> Json:
    value: Json = "leaf"
    for level in range(depth):
        value = [value] if level % 2 else {"k": value}
    return value


HOSTILE_OTHERS: list[Json] = [
    None,
    True,
    False,
    0,
    -1,
    2**31,
    2**63,
    2**64,
    -(2**63) - 1,
    10**100,
    10**5000,  # more digits than Python converts to text by default
    -(10**5000),
    1.5,
    -0.0,
    1e308,
    float("inf"),
    float("-inf"),
    float("nan"),
    [],
    {},
    [None] * 1000,
    {"$ref": "#"},
    {str(n): n for n in range(300)},
    _nested(60),
    _nested(200),
    [_nested(10)] * 50,
]


# One value an agent should never send: wrong type, huge, invisible, nested, or aimed inward.
HOSTILE: st.SearchStrategy[Json] = st.one_of(
    st.sampled_from(HOSTILE_STRINGS),
    st.sampled_from(HOSTILE_OTHERS),
    st.text(st.characters(categories=["Cc", "Cf", "Co", "Zl", "Zp"]), max_size=TEXT_SIZE),
    st.integers(),
    st.floats(),
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
        max_leaves=12,
    ),
)


def _string(node: Mapping[str, Any], known: Mapping[str, Sequence[str]], name: str | None) -> st.SearchStrategy[Json]:
    hinted = hints_for(name)
    if hinted and "pattern" not in node:
        return st.one_of(st.sampled_from(hinted), _string(node, known, None))
    if node.get("format") == "date-time":
        return st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)).map(
            lambda moment: moment.isoformat()
        )
    pattern = node.get("pattern")
    if isinstance(pattern, str):
        drawn = st.from_regex(pattern, fullmatch=True)
        prefix = pattern[1:3] if pattern.startswith("^") and pattern[1:3].isalpha() else ""
        existing = list(known.get(prefix, ()))
        return st.one_of(drawn, st.sampled_from(existing)) if existing else drawn
    low = int(node.get("minLength", 0))
    high = max(low, min(int(node.get("maxLength", TEXT_SIZE)), TEXT_SIZE))
    return st.one_of(st.text(min_size=low, max_size=high), st.sampled_from(INTERESTING_STRINGS))


def from_schema(
    node: Mapping[str, Any], known: Mapping[str, Sequence[str]], name: str | None = None
) -> st.SearchStrategy[Json]:
    """Values that fit a JSON schema node (the subset tool input schemas use); `name` is the property
    the node describes, for values that suit it."""
    if "const" in node:
        return st.just(node["const"])
    if "enum" in node:
        return st.sampled_from(list(node["enum"]))
    for key in ("anyOf", "oneOf"):
        if key in node:
            return st.one_of([from_schema({**option}, known, name) for option in node[key]])
    kinds = node.get("type", "object")
    if isinstance(kinds, list):
        return st.one_of([from_schema({**node, "type": kind}, known, name) for kind in kinds])
    if kinds == "null":
        return st.none()
    if kinds == "boolean":
        return st.booleans()
    if kinds == "integer":
        return st.integers(min_value=node.get("minimum"), max_value=node.get("maximum"))
    if kinds == "number":
        return st.floats(min_value=node.get("minimum"), max_value=node.get("maximum"), allow_nan=False)
    if kinds == "string":
        return _string(node, known, name)
    if kinds == "array":
        low = int(node.get("minItems", 0))
        high = max(low, min(int(node.get("maxItems", LIST_SIZE)), LIST_SIZE))
        return st.lists(from_schema(node.get("items", {}), known, name), min_size=low, max_size=high)
    properties: Mapping[str, Any] = node.get("properties", {})
    if not properties:
        return st.dictionaries(st.text(max_size=8), st.text(max_size=8) | st.integers(), max_size=3)
    required = set(node.get("required", ()))
    return st.fixed_dictionaries(
        {key: from_schema(prop, known, key) for key, prop in properties.items() if key in required},
        optional={key: from_schema(prop, known, key) for key, prop in properties.items() if key not in required},
    )


EXTRA_KEYS = ["__proto__", "constructor", "approval", "Approval_Id", "to ", "x" * 200, "", "\u202eto", "a.b", "$where"]


def arguments_for(spec: ToolSpec, known: Mapping[str, Sequence[str]]) -> st.SearchStrategy[dict[str, Json]]:
    """Argument objects for one tool: well formed per its schema, then spoiled in a few ways."""
    schema = model_schema(spec.input)
    valid = from_schema(schema, known)
    names = sorted(schema.get("properties", {}))
    if spec.tier is not Tier.READ:
        names.append("approval_id")

    @st.composite
    def spoiled(draw: st.DrawFn) -> dict[str, Json]:
        args: dict[str, Json] = dict(draw(valid))
        for name in draw(st.lists(st.sampled_from(names), max_size=3, unique=True)) if names else []:
            args[name] = draw(HOSTILE)
        for name in draw(st.lists(st.sampled_from(sorted(args)), max_size=2, unique=True)) if args else []:
            if draw(st.booleans()):
                del args[name]
        for name in draw(st.lists(st.sampled_from(EXTRA_KEYS), max_size=2, unique=True)):
            args[name] = draw(HOSTILE)
        return args

    return st.one_of(valid, spoiled())
