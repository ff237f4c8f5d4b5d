"""Deploying IVR menus for the webhook receiver to serve (skill.webhooks.ivr): the checks, what a
deployment would replace, and the deployment itself."""

from __future__ import annotations

from typing import Any

from skill.core import ivr, twiml_grammar
from skill.core.context import Services
from skill.core.display import quoted
from skill.core.timeutil import iso_timestamp
from skill.core.urls import split_url
from skill.errors import InputError
from skill.records.approvals import Fact, Impact
from skill.records.ivr import MenuDeployment

SERVED_PATH = "/twilio/voice/ivr"


def check_menu(services: Services, name: str, menu_json: str | Any) -> tuple[ivr.Menu, ivr.MenuPlan]:
    """The menu under its deployed name and its plan; run before the gate too, so a menu that could
    never be served waits for no operator.

    Raises:
        InputError: input.invalid (not JSON), input.invalid_menu (see twiml_grammar.parse_menu and
            ivr.build_ivr) or input.ivr_base_url.
    """
    menu = twiml_grammar.parse_menu(name, menu_json)
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


def describe_deploy(services: Services, name: str, menu_json: str | Any, max_invalid: int) -> Impact:
    """The menu as it would be served, and the deployed one of that name it would replace.

    Raises:
        InputError: see check_menu.
    """
    menu, plan = check_menu(services, name, menu_json)
    facts = [
        Fact(label="start URL", value=plan.start_url),
        Fact(label="nodes", value=str(len(menu.nodes))),
        Fact(label="wrong choices allowed", value=str(max_invalid)),
    ]
    deployed = services.stores.ivr_menus.get(menu.name)
    if deployed is None:
        return Impact(resource=f"new IVR menu {menu.name}", facts=facts, reversibility="reversible")
    nodes = deployed.menu.get("nodes")
    count = len(nodes) if isinstance(nodes, list) else 0
    replaced = Fact(label="replaces", value=f"the menu deployed {iso_timestamp(deployed.updated_at)} ({count} nodes)")
    return Impact(resource=f"IVR menu {menu.name}", facts=facts, blast_radius=[replaced], reversibility="reversible")


def deploy_menu(services: Services, name: str, menu_json: str | Any, max_invalid: int) -> MenuDeployment:
    """Check, build and store a menu for the receiver.

    Raises:
        InputError: see check_menu.
    """
    menu, plan = check_menu(services, name, menu_json)
    replaced = services.stores.ivr_menus.save(menu.name, menu.model_dump(mode="json"), max_invalid)
    return MenuDeployment(
        name=menu.name,
        start_url=plan.start_url,
        replaced=replaced,
        nodes=len(menu.nodes),
        documents=len(plan.documents),
        max_invalid=max_invalid,
        warnings=plan.warnings,
    )
