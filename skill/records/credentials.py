"""API keys (API v2010 Key resource) and what creating, revoking and rotating one did. A secret is
never part of a record."""

from __future__ import annotations

from pydantic import Field

from skill.records.base import Record


class ApiKey(Record):
    sid: str = Field(description="API key SID (SK...).")
    friendly_name: str | None = Field(default=None, description="Display name.")
    date_created: str | None = Field(default=None, description="When it was created.")
    date_updated: str | None = Field(default=None, description="When it was last changed.")
    in_use_by_skill: bool = Field(default=False, description="True for the key this server authenticates with.")


class CreatedKey(ApiKey):
    secret_stored_in: str = Field(description="File (mode 0600) holding the secret; it is never returned.")
    env_var: str = Field(description="Variable name of the secret in that file.")
    verified: bool = Field(description="True when the new key authenticated.")


class RevokedKey(ApiKey):
    revoked: bool = Field(description="True: the key no longer authenticates.")
    removed_from_sink: bool = Field(description="True when its secret was also removed from the secret sink.")


class RotationStep(Record):
    step: str = Field(description="check_old, create, store, verify, revoke_old, ... in order.")
    ok: bool = Field(description="True when the step succeeded.")
    detail: str = Field(description="What happened.")


class Rotation(Record):
    rotated: bool = Field(description="True: the new key works and the old one is revoked.")
    old_key_sid: str = Field(description="The key being replaced.")
    new_key_sid: str | None = Field(default=None, description="The replacement; null when it was taken back.")
    secret_stored_in: str = Field(description="File (mode 0600) holding the new secret; it is never returned.")
    env_var: str | None = Field(default=None, description="Variable name of the new secret in that file.")
    restart_required: bool = Field(description="True when this server used the old key and must restart.")
    steps: list[RotationStep] = Field(description="Each step with its outcome.")
    message: str = Field(description="What happened and what to do next.")
