"""Deploy IVR menus for the webhook receiver to serve (skill.webhooks.ivr)."""

from __future__ import annotations

from pydantic import Field

from skill.core import ivr
from skill.core.context import Services
from skill.core.display import quoted
from skill.core.urls import split_url
from skill.errors import InputError
from skill.policy.tiers import Tier
from skill.results import Model, ToolResult
from skill.server.registry import ToolSpec

SERVED_PATH = "/twilio/voice/ivr"
DEFAULT_MAX_INVALID = 3


class IvrDeployInput(Model):
    name: ivr.Slug = Field(description="Name it is served under; replaces menu.name.")
    menu: ivr.Menu = Field(description="The menu, as ivr_build takes it; base_url ends in /twilio/voice/ivr.")
    max_invalid: int = Field(
        default=DEFAULT_MAX_INVALID, ge=1, le=20, description="Wrong choices allowed per call before it ends."
    )


class IvrDeployOutput(ToolResult):
    name: str = Field(description="Menu name.")
    start_url: str = Field(description="Set this as the number's voice URL (number_configure).")
    replaced: bool = Field(description="True when a menu of that name was replaced.")
    nodes: int = Field(description="Number of nodes.")
    documents: int = Field(description="Number of TwiML documents served.")
    max_invalid: int = Field(description="Wrong choices allowed per call.")
    warnings: list[str] = Field(description="Problems that do not stop the menu, e.g. unreachable nodes.")


def check_menu(services: Services, args: IvrDeployInput) -> tuple[ivr.Menu, ivr.MenuPlan]:
    """The menu under its deployed name and its plan; run before the gate too, so a menu that could
    never be served waits for no operator.

    Raises:
        InputError: input.invalid_menu (see ivr.build_ivr) or input.ivr_base_url.
    """
    menu = args.menu.model_copy(update={"name": args.name})
    plan = ivr.build_ivr(menu, services.settings.default_region)
    path = split_url(menu.base_url, field="base_url").path.rstrip("/")
    if not path.endswith(SERVED_PATH):
        raise InputError(
            f"base_url {quoted(menu.base_url)} is not where the receiver serves menus: its path must end in "
            f"{SERVED_PATH}.",
            code="input.ivr_base_url",
            remediation=[
                f"Use the receiver's public URL plus {SERVED_PATH}, e.g. https://hooks.example.com{SERVED_PATH}.",
                f"Behind `twilio-skill serve --transport http` the path is /webhooks{SERVED_PATH}.",
            ],
        )
    return menu, plan


def check_ivr_deploy(services: Services, args: IvrDeployInput) -> None:
    check_menu(services, args)


def deploy_menu(services: Services, args: IvrDeployInput) -> IvrDeployOutput:
    """Validate, build and store a menu for the receiver.

    Raises:
        InputError: see check_menu.
    """
    menu, plan = check_menu(services, args)
    replaced = services.stores.ivr_menus.save(menu.name, menu.model_dump(mode="json"), args.max_invalid)
    return IvrDeployOutput(
        name=menu.name,
        start_url=plan.start_url,
        replaced=replaced,
        nodes=len(menu.nodes),
        documents=len(plan.documents),
        max_invalid=args.max_invalid,
        warnings=plan.warnings,
    )


async def ivr_deploy(services: Services, args: IvrDeployInput) -> IvrDeployOutput:
    return deploy_menu(services, args)


TOOLS: tuple[ToolSpec, ...] = (
    ToolSpec(
        name="ivr_deploy",
        title="Deploy IVR menu",
        description="Validate and store a phone menu (ivr_build format) for the webhook receiver to serve, "
        "with per-call state and a cap on wrong choices. Local, free.",
        toolset="voice",
        tier=Tier.WRITE,
        input=IvrDeployInput,
        output=IvrDeployOutput,
        handler=ivr_deploy,
        idempotent=True,
        open_world=False,
        summary=lambda a: f"Deploy IVR menu {a.get('name')} for the webhook receiver.",
        precheck=check_ivr_deploy,
    ),
)
