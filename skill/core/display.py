"""Text that came from an agent, from Twilio or from the network, made safe to show a person.

An approval summary, a CLI line or a notification may carry values an agent chose. Shown raw, an
ESC sequence can clear the operator's terminal or paint a fake "APPROVED", a newline can forge a
line of its own, and a bidi override can make `+1 415...` read as something else. Every such value
is escaped here before a person sees it: control, format and separator characters become visible
escapes (`\\x1b`, `\\n`, `\\u202e`), and the length is capped.

escape_text(value, limit)      one line of text, invisible characters escaped, capped
quoted(value, limit)           the same in double quotes: how an agent's value appears in a summary
quote_values(args, limit)      every string of an argument dict quoted, nested keys too
describe_values(quoted_args)   such a dict as `key="value", ...` text (a summary of last resort)
terminal_line(text)            for CLI and log lines: invisible characters escaped, backslashes kept, generous cap
json_text(payload)             JSON for a terminal: the same data, invisible characters as \\u escapes
"""

from __future__ import annotations

import json
import unicodedata
from typing import Any

DEFAULT_LIMIT = 120
ELLIPSIS = "…"
# Named escapes for the controls people recognise; every other one is shown by its code point.
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t", "\\": "\\\\"}
# Cc: C0/C1 controls and DEL; Cf: format characters (bidi overrides and isolates, zero-width
# joiners, the BOM); Zl/Zp: line and paragraph separators; Cs/Co/Cn: surrogates, private use, unassigned.
_INVISIBLE = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"})
# How much of a summary of last resort is shown, all arguments together.
DESCRIBE_LIMIT = 1000


def is_invisible(char: str) -> bool:
    """True for a character that a terminal acts on or that shows nothing: controls, format, separators."""
    return unicodedata.category(char) in _INVISIBLE


def _visible(char: str) -> str:
    if char in _NAMED:
        return _NAMED[char]
    if is_invisible(char):
        point = ord(char)
        return f"\\x{point:02x}" if point < 0x100 else f"\\u{point:04x}" if point < 0x10000 else f"\\U{point:08x}"
    return char


def escape_text(value: object, limit: int = DEFAULT_LIMIT) -> str:
    """The value as one line of plain text: controls and invisible characters escaped, at most
    `limit` characters of the original shown (an ellipsis marks a cut)."""
    text = value if isinstance(value, str) else str(value)
    cut = len(text) > limit
    shown = "".join(_visible(char) for char in text[:limit])
    return shown + ELLIPSIS if cut else shown


def quoted(value: object, limit: int = DEFAULT_LIMIT) -> str:
    """A value in double quotes, escaped, so it cannot pass for the text around it."""
    return '"' + escape_text(value, limit).replace('"', '\\"') + '"'


def quote_values(args: dict[str, Any], limit: int = DEFAULT_LIMIT) -> dict[str, Any]:
    """The arguments with every string (at any depth) quoted: what summary functions are given, so
    that no summary can show an agent's text raw. Keys of nested objects are the agent's text too and
    are quoted as well; the top-level keys are the tool's own field names. Numbers, booleans and None
    stay as they are."""

    def walk(node: Any) -> Any:
        if isinstance(node, str):
            return quoted(node, limit)
        if isinstance(node, dict):
            return {quoted(key, limit): walk(item) for key, item in node.items()}
        if isinstance(node, list | tuple):
            return [walk(item) for item in node]
        return node

    return {key: walk(value) for key, value in args.items()}


def _described(node: Any) -> str:
    if isinstance(node, str):
        return node  # quoted already
    if isinstance(node, dict):
        return "{" + ", ".join(f"{key}: {_described(item)}" for key, item in node.items()) + "}"
    if isinstance(node, list):
        return "[" + ", ".join(_described(item) for item in node) + "]"
    return escape_text(json.dumps(node))


def describe_values(quoted_args: dict[str, Any], limit: int = DESCRIBE_LIMIT) -> str:
    """Arguments already passed through quote_values as `key="value", other=3`, at most `limit`
    characters (an ellipsis marks a cut). Keys are escaped too, so any dict can be described."""
    text = ", ".join(f"{escape_text(key)}={_described(value)}" for key, value in quoted_args.items())
    return text if len(text) <= limit else text[:limit] + ELLIPSIS


def terminal_line(text: object, limit: int = 10_000) -> str:
    """Text for a terminal or a one-line notification: invisible characters escaped as escape_text
    does, a generous cap. Backslashes are left alone (they do nothing to a terminal), so text that
    was escaped already, such as an approval summary, passes unchanged instead of doubling them."""
    raw = text if isinstance(text, str) else str(text)
    cut = len(raw) > limit
    shown = "".join(char if char == "\\" else _visible(char) for char in raw[:limit])
    return shown + ELLIPSIS if cut else shown


def json_text(payload: object, *, indent: int | None = 2) -> str:
    """JSON of payload for a terminal: the same data, but every control, format and separator
    character inside a string written as a \\u escape (json.dumps leaves DEL, C1 controls, bidi
    overrides and zero-width characters raw). Other non-ASCII text stays readable."""
    text = json.dumps(payload, indent=indent, ensure_ascii=False)
    # json.dumps escapes C0 controls itself, so a raw one left here is indentation's newline.
    return "".join(_json_escape(char) if ord(char) >= 0x7F and is_invisible(char) else char for char in text)


def _json_escape(char: str) -> str:
    point = ord(char)
    if point < 0x10000:
        return f"\\u{point:04x}"
    point -= 0x10000  # a UTF-16 surrogate pair, as JSON writes characters beyond the BMP
    return f"\\u{0xD800 + (point >> 10):04x}\\u{0xDC00 + (point & 0x3FF):04x}"
