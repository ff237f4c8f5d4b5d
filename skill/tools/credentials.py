"""Tools for API keys: list, create (secret kept in the secret sink), revoke, rotate."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, StringConstraints

from skill.core import credentials as core
from skill.core import rotation
from skill.core.context import Services
from skill.policy.tiers import Tier
from skill.records.approvals import Impact
from skill.records.credentials import ApiKey, CreatedKey, RevokedKey, Rotation
from skill.results import ListResult, Model, ToolResult
from skill.server.registry import ToolSpec
from skill.tools.fields import After, Before, Cursor, Limit

KeySid = Annotated[
    str, StringConstraints(pattern=r"^SK[0-9a-fA-F]{32}$", max_length=34), Field(description="API key SID (SK...).")
]


class ApiKeysListInput(Model):
    after: After | None = None
    before: Before | None = None
    limit: Limit = 50
    cursor: Cursor | None = None


class ApiKeysListOutput(ListResult[ApiKey]):
    pass


async def apikeys_list(services: Services, args: ApiKeysListInput) -> ApiKeysListOutput:
    page = await core.list_keys(services, after=args.after, before=args.before, limit=args.limit, cursor=args.cursor)
    return ApiKeysListOutput.of(page)


class ApiKeyCreateInput(Model):
    friendly_name: Annotated[str, StringConstraints(min_length=1, max_length=64)] = Field(
        description="E.g. ci-deploy-2025."
    )


class ApiKeyCreateOutput(ToolResult, CreatedKey):
    pass


def check_apikey_create(services: Services, args: ApiKeyCreateInput) -> None:
    core.check_sink(services)  # a key whose secret cannot be kept is never created


async def apikey_create(services: Services, args: ApiKeyCreateInput) -> ApiKeyCreateOutput:
    return ApiKeyCreateOutput(**(await core.create_key(services, args.friendly_name)).model_dump())


class ApiKeyRevokeInput(Model):
    sid: KeySid


class ApiKeyRevokeOutput(ToolResult, RevokedKey):
    pass


async def apikey_revoke(services: Services, args: ApiKeyRevokeInput) -> ApiKeyRevokeOutput:
    return ApiKeyRevokeOutput(**(await core.revoke_key(services, args.sid)).model_dump())


async def inspect_revoke(services: Services, args: ApiKeyRevokeInput) -> Impact:
    return await core.revoke_impact(services, args.sid)


def _revoke_summary(args: dict[str, Any]) -> str:
    return f"Revoke API key {args['sid']}. Anything still using it stops authenticating at once; this cannot be undone."


class CredentialsRotateInput(Model):
    old_key_sid: KeySid


class CredentialsRotateOutput(ToolResult, Rotation):
    pass


async def credentials_rotate(services: Services, args: CredentialsRotateInput) -> CredentialsRotateOutput:
    return CredentialsRotateOutput(**(await rotation.rotate_key(services, args.old_key_sid)).model_dump())


async def inspect_rotate(services: Services, args: CredentialsRotateInput) -> Impact:
    return await rotation.rotation_impact(services, args.old_key_sid)


def _rotate_summary(args: dict[str, Any]) -> str:
    return (
        f"Rotate API key {args['old_key_sid']}: create a replacement (secret to the local sink), check it works, "
        "then revoke the old key. Anything still using the old key stops authenticating."
    )


TOOLS: tuple[ToolSpec, ...] = (
    ToolSpec(
        name="apikeys_list",
        title="List API keys",
        description="API keys (no secrets), marking the one this server uses.",
        toolset="credentials",
        tier=Tier.READ,
        input=ApiKeysListInput,
        output=ApiKeysListOutput,
        handler=apikeys_list,
    ),
    ToolSpec(
        name="apikey_create",
        title="Create API key",
        description="Create an API key; its secret goes to a local 0600 file, never to the result.",
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
        description="Delete an API key so its secret stops working. Irreversible; refuses this server's own key.",
        toolset="credentials",
        tier=Tier.DESTRUCTIVE,
        input=ApiKeyRevokeInput,
        output=ApiKeyRevokeOutput,
        handler=apikey_revoke,
        precheck=lambda services, args: core.refuse_own_key(services, args.sid),
        inspect=inspect_revoke,
        summary=_revoke_summary,
    ),
    ToolSpec(
        name="credentials_rotate",
        title="Rotate API key",
        description="Replace an API key: create and check a new one (secret to a local file), then revoke the old.",
        toolset="credentials",
        tier=Tier.DESTRUCTIVE,
        input=CredentialsRotateInput,
        output=CredentialsRotateOutput,
        handler=credentials_rotate,
        precheck=lambda services, args: rotation.check_sink(services),
        inspect=inspect_rotate,
        summary=_rotate_summary,
        atomic=False,
    ),
)
