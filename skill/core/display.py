"""Text that came from an agent, from Twilio or from the network, made safe to show a person.

An approval summary, a CLI line or a notification may carry values an agent chose. Shown raw, an
ESC sequence can clear the operator's terminal or paint a fake "APPROVED", a newline can forge a
line of its own, and a bidi override can make `+1 415...` read as something else. Every such value
is escaped here before a person sees it: control, format and separator characters become visible
escapes (`\\x1b`, `\\n`, `\\u202e`), and the length is capped.
"""

from __future__ import annotations

import unicodedata
from typing import Any

DEFAULT_LIMIT = 120
ELLIPSIS = "…"
# Named escapes for the controls people recognise; every other one is shown by its code point.
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t", "\\": "\\\\"}


def _visible(char: str) -> str:
    if char in _NAMED:
        return _NAMED[char]
    # Cc: C0/C1 controls and DEL; Cf: format characters (bidi overrides and isolates, zero-width
    # joiners, the BOM); Zl/Zp: line and paragraph separators.
    if unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"):
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
    that no summary can show an agent's text raw. Numbers, booleans and None stay as they are."""

    def walk(node: Any) -> Any:
        if isinstance(node, str):
            return quoted(node, limit)
        if isinstance(node, dict):
            return {key: walk(item) for key, item in node.items()}
        if isinstance(node, list | tuple):
            return [walk(item) for item in node]
        return node

    return {key: walk(value) for key, value in args.items()}


def terminal_line(text: object, limit: int = 10_000) -> str:
    """Text for a terminal or a one-line notification: the same escapes, a generous cap."""
    return escape_text(text, limit)
