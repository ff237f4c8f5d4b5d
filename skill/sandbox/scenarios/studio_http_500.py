"""studio-http-500: the order-status bot's HTTP Request widget calls an orders API that answers 500,
so every execution takes the widget's failed branch and apologises instead of answering."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from skill.sandbox.scenarios import Scenario, Staged
from skill.sandbox.scenarios.hooks import hook_fails, set_hook
from skill.sandbox.seed_studio import definition, trigger, widget
from skill.sandbox.state import make_sid
from skill.sandbox.studio_definitions import run

if TYPE_CHECKING:
    from skill.sandbox.app import Sandbox
    from skill.sandbox.state import SandboxState

NAME = "Order status bot"


def add_flow(state: SandboxState, key: str, name: str, body: dict[str, Any], account_sid: str) -> str:
    """A flow with one published revision, created a week ago; its SID."""
    sid = make_sid("FW", "scenario", key)
    created = state.clock.now() - 7 * 86400
    state.flows[sid] = {
        "sid": sid,
        "account_sid": account_sid,
        "created": created,
        "updated": created,
        "revisions": [
            {
                "revision": 1,
                "friendly_name": name,
                "status": "published",
                "definition": body,
                "commit_message": "First version",
                "created": created,
            }
        ],
    }
    return sid


def order_bot(orders_url: str) -> dict[str, Any]:
    return definition(
        NAME,
        [
            trigger("fetch_order"),
            widget(
                "fetch_order",
                "make-http-request",
                [("success", "reply_status"), ("failed", "say_sorry")],
                method="GET",
                url=orders_url,
                content_type="application/json",
            ),
            widget("reply_status", "send-message", [("sent", ""), ("failed", "")], body="Your order is on its way."),
            widget("say_sorry", "send-message", [("sent", ""), ("failed", "")], body="Sorry, please try later."),
        ],
    )


def stage(sandbox: Sandbox) -> Staged:
    state = sandbox.state
    orders = set_hook(sandbox, "orders-api", "error")
    flow = add_flow(state, "order-bot", NAME, order_bot(orders), state.parent_sid())
    now = state.clock.now()
    for index in range(3):
        steps, status = run(state.flows[flow]["revisions"][0]["definition"], lambda url: hook_fails(sandbox, url))
        sid = make_sid("FN", "scenario", "order-bot", index)
        created = now - 600 * (index + 1)
        to = f"+1415555{index + 400:04d}"
        state.executions[sid] = {
            "sid": sid,
            "account_sid": state.parent_sid(),
            "flow_sid": flow,
            "to": to,
            "from": "+14155550142",
            "contact_sid": make_sid("FC", flow, to),
            "flow_version": 1,
            "context": {"flow": {"flow_sid": flow, "sid": sid, "data": {}, "variables": {}}, "widgets": {}},
            "status": status,
            "steps": [
                {
                    "sid": make_sid("FT", sid, n),
                    "name": event,
                    "from": source,
                    "to": target,
                    "type": kind,
                    "time": created,
                }
                for n, (event, source, target, kind) in enumerate(steps)
            ],
            "created": created,
            "updated": created,
        }
    return Staged(
        arguments={"flow_sid": flow, "flow_name": NAME, "contact": "+14155550400", "sender": "+14155550142"},
        seeded=(
            f"flow {flow} '{NAME}': its HTTP Request widget calls {orders} (answers 500)",
            "3 executions in the last half hour, each through the widget's failed branch",
        ),
    )


def repair_orders_api(sandbox: Sandbox) -> str:
    set_hook(sandbox, "orders-api", "status")
    return "The operator's team fixed and redeployed the orders API; it answers 2xx again."


SCENARIO = Scenario(
    name="studio-http-500",
    runbook="studio-execution-failures",
    summary="A flow's HTTP Request widget calls an API answering 500: every run takes the failed branch.",
    stage=stage,
    operator={"repair_orders_api": repair_orders_api},
)
