"""Named operators and their credentials: who may decide approval requests.

A credential reads `tsop_<key id>_<secret>`. The key id (16 hex characters) finds the operator's
record; only a SHA-256 of the secret (32 random bytes) is stored, compared in constant time. A
credential is shown once, when it is created or rotated. Rotating issues a new key id, so the old
credential stops working at once; revoking an operator ends every credential it had, for good.
"""

from __future__ import annotations

import re

from skill.core import keyed_secrets
from skill.errors import InputError
from skill.ports.stores import OperatorStore
from skill.records.operators import OperatorRecord

TOKEN_PREFIX = "tsop_"
TOKEN_ENV = "TWILIO_SKILL_OPERATOR_TOKEN"
NAME_PATTERN = re.compile(r"[a-z0-9][a-z0-9._@-]{0,63}")


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


def _new_key() -> tuple[str, str, str]:
    return keyed_secrets.new_key(TOKEN_PREFIX)


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
    return keyed_secrets.split_credential(credential, TOKEN_PREFIX)


def authenticate(store: OperatorStore, credential: str) -> OperatorRecord | None:
    """The active operator a credential belongs to, or None (unknown, malformed, rotated away, revoked)."""
    parts = split_credential(credential)
    record = store.by_key(parts[0]) if parts else None
    expected = record.secret_sha256 if record is not None and record.active else None
    if not keyed_secrets.secret_matches(expected, parts[1] if parts else credential) or record is None:
        return None
    return record


def still_current(store: OperatorStore, name: str, key_id: str) -> bool:
    """True while the operator is active and key_id is still its credential (not rotated or revoked)."""
    record = store.by_key(key_id)
    return record is not None and record.active and record.name == name
