"""Tools for API keys: list, create (secret kept in the secret sink), revoke, rotate."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

from skill.core import credentials as core
from skill.core import rotation
from skill.core.context import Services
from skill.policy.tiers import Tier
from skill.results import Model, ToolResult
from skill.server.registry import ToolSpec
from skill.tools.fields import Limit

KeySid = Annotated[str, Field(pattern=r"^SK[0-9a-fA-F]{32}$", description="API key SID (SK...).")]


class ApiKey(Model):
    sid: str = Field(description="API key SID (SK...).")
    friendly_name: str | None = Field(default=None, description="Display name.")
    date_created: str | None = Field(default=None, description="When it was created.")
    date_updated: str | None = Field(default=None, description="When it was last changed.")
    in_use_by_skill: bool = Field(description="True for the key this skill authenticates with.")


class ApiKeysListInput(Model):
    limit: Limit = 50


class ApiKeysListOutput(ToolResult):
    keys: list[ApiKey] = Field(description="API keys of the account (never their secrets).")
    count: int = Field(description="Number returned.")


async def apikeys_list(services: Services, args: ApiKeysListInput) -> ApiKeysListOutput:
    items = await core.list_keys(services, args.limit)
    return ApiKeysListOutput(keys=[ApiKey(**item) for item in items], count=len(items))


class ApiKeyCreateInput(Model):
    friendly_name: str = Field(min_length=1, max_length=64, description="Name, e.g. 'ci-deploy-2025'.")


class ApiKeyCreateOutput(ToolResult, ApiKey):
    secret_stored_in: str = Field(description="File (mode 0600) holding the secret; it is never returned.")
    env_var: str = Field(description="Variable name of the secret in that file.")
    verified: bool = Field(description="True when the new key authenticated successfully.")


def check_apikey_create(services: Services, args: ApiKeyCreateInput) -> None:
    core.check_sink(services)  # a key whose secret cannot be kept is never created


async def apikey_create(services: Services, args: ApiKeyCreateInput) -> ApiKeyCreateOutput:
    return ApiKeyCreateOutput(**await core.create_key(services, args.friendly_name))


class ApiKeyRevokeInput(Model):
    sid: KeySid


class ApiKeyRevokeOutput(ToolResult, ApiKey):
    revoked: bool = Field(description="True: the key no longer authenticates.")
    removed_from_sink: bool = Field(description="True when its secret was also removed from the secret sink.")


async def apikey_revoke(services: Services, args: ApiKeyRevokeInput) -> ApiKeyRevokeOutput:
    return ApiKeyRevokeOutput(**await core.revoke_key(services, args.sid))


def _revoke_summary(args: dict[str, Any]) -> str:
    return f"Revoke API key {args['sid']}. Anything still using it stops authenticating at once; this cannot be undone."


class RotationStep(Model):
    step: str = Field(description="check_old, create, store, verify, revoke_old, ... in order.")
    ok: bool = Field(description="True when the step succeeded.")
    detail: str = Field(description="What happened.")


class CredentialsRotateInput(Model):
    old_key_sid: KeySid


class CredentialsRotateOutput(ToolResult):
    rotated: bool = Field(description="True: the new key works and the old one is revoked.")
    old_key_sid: str = Field(description="The key being replaced.")
    new_key_sid: str | None = Field(default=None, description="The replacement; null when it was taken back.")
    secret_stored_in: str = Field(description="File (mode 0600) holding the new secret; it is never returned.")
    env_var: str | None = Field(default=None, description="Variable name of the new secret in that file.")
    restart_required: bool = Field(description="True when this skill used the old key and must restart.")
    steps: list[RotationStep] = Field(description="Each step with its outcome.")
    message: str = Field(description="What happened and what to do next.")


async def credentials_rotate(services: Services, args: CredentialsRotateInput) -> CredentialsRotateOutput:
    return CredentialsRotateOutput(**await rotation.rotate_key(services, args.old_key_sid))


def _rotate_summary(args: dict[str, Any]) -> str:
    return (
        f"Rotate API key {args['old_key_sid']}: create a replacement (secret to the local sink), check it works, "
        "then revoke the old key. Anything still using the old key stops authenticating."
    )


TOOLS: tuple[ToolSpec, ...] = (
    ToolSpec(
        name="apikeys_list",
        title="List API keys",
        description="API keys of the account, marking the one this skill uses. No secrets.",
        toolset="credentials",
        tier=Tier.READ,
        input=ApiKeysListInput,
        output=ApiKeysListOutput,
        handler=apikeys_list,
    ),
    ToolSpec(
        name="apikey_create",
        title="Create API key",
        description="Create a standard API key; its secret goes to a local 0600 file, never into the result.",
        toolset="credentials",
        tier=Tier.WRITE,
        input=ApiKeyCreateInput,
        output=ApiKeyCreateOutput,
        handler=apikey_create,
        precheck=check_apikey_create,
        summary=lambda a: f"Create API key {a['friendly_name']}; its secret goes to the local secret sink.",
    ),
    ToolSpec(
        name="apikey_revoke",
        title="Revoke API key",
        description="Delete an API key so its secret stops working. Irreversible; refuses the skill's own key.",
        toolset="credentials",
        tier=Tier.DESTRUCTIVE,
        input=ApiKeyRevokeInput,
        output=ApiKeyRevokeOutput,
        handler=apikey_revoke,
        precheck=lambda services, args: core.refuse_own_key(services, args.sid),
        summary=_revoke_summary,
    ),
    ToolSpec(
        name="credentials_rotate",
        title="Rotate API key",
        description="Replace an API key: create and verify a new one (secret to the sink), then revoke the old one.",
        toolset="credentials",
        tier=Tier.DESTRUCTIVE,
        input=CredentialsRotateInput,
        output=CredentialsRotateOutput,
        handler=credentials_rotate,
        precheck=lambda services, args: rotation.check_sink(services),
        summary=_rotate_summary,
    ),
)
