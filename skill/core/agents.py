"""Named agents and their bearer tokens: who calls tools over streamable HTTP.

A token reads `tsag_<key id>_<secret>` (skill.core.keyed_secrets): the key id finds the agent, only
a hash of the secret is stored. Several agents hold tokens at once, each call is attributed to its
token's agent in the audit log and in the approval requests it opens, and a rotated or revoked
token is refused on its next request. A server bound to loopback also serves requests without a
token, attributed to `local`, which is why no agent may take that name.
"""

from __future__ import annotations

import re

from skill.core import keyed_secrets
from skill.errors import InputError
from skill.ports.stores import AgentStore
from skill.records.agents import AgentRecord

TOKEN_PREFIX = "tsag_"
LOCAL = "local"  # who calls over loopback without a token
NAME_PATTERN = re.compile(r"[a-z0-9][a-z0-9._@-]{0,63}")
RESERVED = frozenset({LOCAL})


def check_name(raw: str) -> str:
    """An agent name as stored: lower case letters, digits and . _ @ -, at most 64 characters.

    Raises:
        InputError: anything else, or a reserved name.
    """
    name = raw.strip().lower()
    if not NAME_PATTERN.fullmatch(name):
        raise InputError(
            "An agent name is 1 to 64 characters: letters, digits, '.', '_', '@' or '-', "
            "starting with a letter or digit.",
            code="input.invalid_agent_name",
            remediation=["Name it for the client or job that uses it: `twilio-skill agents create openclaw-prod`."],
        )
    if name in RESERVED:
        raise InputError(
            f"{name!r} names calls made over loopback without a token; an agent cannot take it.",
            code="input.invalid_agent_name",
            remediation=["Pick another name, e.g. `twilio-skill agents create desktop`."],
        )
    return name


def create_agent(store: AgentStore, name: str) -> tuple[AgentRecord, str]:
    """A new agent and its token, which is returned only this once.

    Raises:
        InputError: a bad, reserved or taken name.
    """
    key_id, digest, token = keyed_secrets.new_key(TOKEN_PREFIX)
    return store.add(check_name(name), key_id, digest), token


def rotate_agent(store: AgentStore, name: str) -> tuple[AgentRecord, str]:
    """A new token for an agent; the old one is refused from its next request on.

    Raises:
        InputError: a bad name.
        NotFoundError: unknown agent.
        PolicyError: the agent was revoked.
    """
    key_id, digest, token = keyed_secrets.new_key(TOKEN_PREFIX)
    return store.replace_key(check_name(name), key_id, digest), token


def revoke_agent(store: AgentStore, name: str) -> AgentRecord:
    """End an agent's access for good.

    Raises:
        InputError: a bad name.
        NotFoundError: unknown agent.
        PolicyError: already revoked.
    """
    return store.revoke(check_name(name))


def authenticate_agent(store: AgentStore, token: str) -> AgentRecord | None:
    """The active agent a token belongs to, or None (unknown, malformed, rotated away, revoked)."""
    parts = keyed_secrets.split_credential(token, TOKEN_PREFIX)
    record = store.by_key(parts[0]) if parts else None
    expected = record.secret_sha256 if record is not None and record.active else None
    if not keyed_secrets.secret_matches(expected, parts[1] if parts else token) or record is None:
        return None
    return record
