"""Deploy IVR menus for the webhook receiver to serve (skill.webhooks.ivr)."""

from __future__ import annotations

from pydantic import Field

from skill.core import ivr_deploy as core
from skill.core.context import Services
from skill.policy.tiers import Tier
from skill.records.approvals import Impact
from skill.records.ivr import MenuDeployment
from skill.results import Model, ToolResult
from skill.server.registry import ToolSpec
from skill.tools.twiml import JsonText, MenuName

DEFAULT_MAX_INVALID = 3


class IvrDeployInput(Model):
    name: MenuName
    menu: JsonText = Field(description="JSON object, as ivr_build takes it; base_url ends in /twilio/voice/ivr.")
    max_invalid: int = Field(
        default=DEFAULT_MAX_INVALID, ge=1, le=20, description="Wrong choices allowed per call before it ends."
    )


class IvrDeployOutput(ToolResult, MenuDeployment):
    pass


def check_ivr_deploy(services: Services, args: IvrDeployInput) -> None:
    core.check_menu(services, args.name, args.menu)


async def inspect_ivr_deploy(services: Services, args: IvrDeployInput) -> Impact:
    return core.describe_deploy(services, args.name, args.menu, args.max_invalid)


async def ivr_deploy(services: Services, args: IvrDeployInput) -> IvrDeployOutput:
    deployed = core.deploy_menu(services, args.name, args.menu, args.max_invalid)
    return IvrDeployOutput(**deployed.model_dump())


TOOLS: tuple[ToolSpec, ...] = (
    ToolSpec(
        name="ivr_deploy",
        title="Deploy IVR menu",
        description="Store a phone menu (as ivr_build takes it) for the webhook receiver to serve. Local, free.",
        toolset="voice",
        tier=Tier.WRITE,
        input=IvrDeployInput,
        output=IvrDeployOutput,
        handler=ivr_deploy,
        idempotent=True,
        open_world=False,
        summary=lambda a: f"Deploy IVR menu {a.get('name')} for the webhook receiver.",
        precheck=check_ivr_deploy,
        inspect=inspect_ivr_deploy,
    ),
)
