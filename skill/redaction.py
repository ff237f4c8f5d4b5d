"""Masking of personal data and secrets before anything is logged or audited."""

from __future__ import annotations

import re
from typing import Any

_PHONE = re.compile(r"(?<![\w+])(?:\+|%2B)(\d{4})(\d{1,7})(\d{4})(?!\d)", re.IGNORECASE)
# Arguments that hold a phone number, however it was written ("(415) 555-0199", "415.555.0199").
_PHONE_KEYS = frozenset({"to", "from", "phone", "phone_number", "number", "caller_id", "from_", "sender"})
_DIGITS = re.compile(r"\d")
_SECRET_KEYS = re.compile(r"secret|token|password|auth|api_key_secret|credential", re.IGNORECASE)
_SAFE_KEYS = {"approval_id", "auth_mode", "idempotency_key"}


def mask_phone(text: str) -> str:
    """+14155550199 -> +1415***0199: the first four digits, stars, the last four."""

    def repl(match: re.Match[str]) -> str:
        return f"+{match.group(1)}***{match.group(3)}"

    return _PHONE.sub(repl, text)


def mask_phone_value(value: str) -> str:
    """A value known to be a phone number, in any format: everything but the last four digits hidden.

    Values with few digits (short codes, alphanumeric sender IDs) are kept as they are.
    """
    if len(_DIGITS.findall(value)) < 7:
        return value
    masked = mask_phone(value)
    if masked != value:
        return masked
    digits = "".join(_DIGITS.findall(value))
    prefix = value.split(":", 1)[0] + ":" if ":" in value else ""
    return f"{prefix}***{digits[-4:]}"


def redact(value: Any, secrets: tuple[str, ...] = ()) -> Any:
    """A copy of value with phone numbers masked and secret-looking fields removed."""
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, item in value.items():
            if isinstance(key, str) and key not in _SAFE_KEYS and _SECRET_KEYS.search(key):
                out[key] = "[redacted]"
            elif key in _PHONE_KEYS and isinstance(item, str):
                out[key] = mask_phone_value(item)
            else:
                out[key] = redact(item, secrets)
        return out
    if isinstance(value, list | tuple):
        return [redact(item, secrets) for item in value]
    if isinstance(value, str):
        for secret in secrets:
            if secret and secret in value:
                value = value.replace(secret, "[redacted]")
        return mask_phone(value)
    return value
