"""Credentials that name their record: `<prefix><key id>_<secret>`, as operators and agents hold them.

The key id (16 hex characters) finds the record; only a SHA-256 of the secret (32 random bytes) is
stored, and compared in constant time. A credential is shown once, when it is made. A new key id is
issued on every rotation, so an old credential finds nothing at once.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

KEY_ID_CHARS = 16
MAX_TOKEN_CHARS = 200
_KEY_ID = re.compile(r"[0-9a-f]+")
# Compared against when no record matches, so a miss costs the same as a wrong secret.
NO_MATCH = hashlib.sha256(b"no record has this key").hexdigest()


def secret_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def new_key(prefix: str) -> tuple[str, str, str]:
    """A fresh (key id, secret digest, credential)."""
    key_id = secrets.token_hex(KEY_ID_CHARS // 2)
    secret = secrets.token_urlsafe(32)
    return key_id, secret_digest(secret), f"{prefix}{key_id}_{secret}"


def split_credential(credential: str, prefix: str) -> tuple[str, str] | None:
    """(key id, secret) of a well-formed credential, else None."""
    text = credential.strip()
    if len(text) > MAX_TOKEN_CHARS or not text.startswith(prefix):
        return None
    rest = text[len(prefix) :]
    key_id, sep, secret = rest[:KEY_ID_CHARS], rest[KEY_ID_CHARS : KEY_ID_CHARS + 1], rest[KEY_ID_CHARS + 1 :]
    if sep != "_" or not secret or not _KEY_ID.fullmatch(key_id):
        return None
    return key_id, secret


def secret_matches(expected_digest: str | None, given: str) -> bool:
    """Whether `given` is the secret whose digest was stored; the same work when there is no record."""
    expected = expected_digest or NO_MATCH
    matched = hmac.compare_digest(secret_digest(given).encode(), expected.encode())
    return matched and expected_digest is not None
