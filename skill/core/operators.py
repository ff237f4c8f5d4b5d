"""Named operators and their credentials: who may decide approval requests.

A credential reads `tsop_<key id>_<secret>`. The key id (16 hex characters) finds the operator's
record; only a SHA-256 of the secret (32 random bytes) is stored, compared in constant time. A
credential is shown once, when it is created or rotated. Rotating issues a new key id, so the old
credential stops working at once; revoking an operator ends every credential it had, for good.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

from skill.errors import InputError
from skill.ports.stores import OperatorStore
from skill.records.operators import OperatorRecord

TOKEN_PREFIX = "tsop_"
TOKEN_ENV = "TWILIO_SKILL_OPERATOR_TOKEN"
KEY_ID_CHARS = 16
MAX_TOKEN_CHARS = 200
NAME_PATTERN = re.compile(r"[a-z0-9][a-z0-9._@-]{0,63}")
# Compared against when no record matches, so a miss costs the same as a wrong secret.
_NO_MATCH = hashlib.sha256(b"no operator has this key").hexdigest()


def check_name(raw: str) -> str:
    """An operator name as stored: lower case letters, digits and . _ @ -, at most 64 characters.

    Raises:
        InputError: anything else.
    """
    name = raw.strip().lower()
    if not NAME_PATTERN.fullmatch(name):
        raise InputError(
            "An operator name is 1 to 64 characters: letters, digits, '.', '_', '@' or '-', "
            "starting with a letter or digit.",
            code="input.invalid_operator_name",
            remediation=["Use e.g. the person's login name: `twilio-skill operators create dana`."],
        )
    return name


def _secret_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _new_key() -> tuple[str, str, str]:
    """A fresh (key id, secret digest, credential)."""
    key_id = secrets.token_hex(KEY_ID_CHARS // 2)
    secret = secrets.token_urlsafe(32)
    return key_id, _secret_digest(secret), f"{TOKEN_PREFIX}{key_id}_{secret}"


def create_operator(store: OperatorStore, name: str) -> tuple[OperatorRecord, str]:
    """A new operator and its credential, which is returned only this once.

    Raises:
        InputError: a bad or taken name.
    """
    key_id, digest, credential = _new_key()
    return store.add(check_name(name), key_id, digest), credential


def rotate_operator(store: OperatorStore, name: str) -> tuple[OperatorRecord, str]:
    """A new credential for an operator; the old one is refused from now on.

    Raises:
        InputError: a bad name.
        NotFoundError: unknown operator.
        PolicyError: the operator was revoked.
    """
    key_id, digest, credential = _new_key()
    return store.replace_key(check_name(name), key_id, digest), credential


def revoke_operator(store: OperatorStore, name: str) -> OperatorRecord:
    """End an operator's access for good.

    Raises:
        InputError: a bad name.
        NotFoundError: unknown operator.
        PolicyError: already revoked.
    """
    return store.revoke(check_name(name))


def split_credential(credential: str) -> tuple[str, str] | None:
    """(key id, secret) of a well-formed credential, else None."""
    text = credential.strip()
    if len(text) > MAX_TOKEN_CHARS or not text.startswith(TOKEN_PREFIX):
        return None
    rest = text[len(TOKEN_PREFIX) :]
    key_id, sep, secret = rest[:KEY_ID_CHARS], rest[KEY_ID_CHARS : KEY_ID_CHARS + 1], rest[KEY_ID_CHARS + 1 :]
    if sep != "_" or not secret or not re.fullmatch(r"[0-9a-f]+", key_id):
        return None
    return key_id, secret


def authenticate(store: OperatorStore, credential: str) -> OperatorRecord | None:
    """The active operator a credential belongs to, or None (unknown, malformed, rotated away, revoked)."""
    parts = split_credential(credential)
    record = store.by_key(parts[0]) if parts else None
    expected = record.secret_sha256 if record is not None and record.active else _NO_MATCH
    given = _secret_digest(parts[1] if parts else credential)
    if not hmac.compare_digest(given.encode(), expected.encode()) or record is None or not record.active:
        return None
    return record


def still_current(store: OperatorStore, name: str, key_id: str) -> bool:
    """True while the operator is active and key_id is still its credential (not rotated or revoked)."""
    record = store.by_key(key_id)
    return record is not None and record.active and record.name == name
