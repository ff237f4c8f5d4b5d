"""stale-deploy-key: the deploy pipeline's API key is 400 days old and due for rotation."""

from __future__ import annotations

from typing import TYPE_CHECKING

from skill.sandbox.scenarios import Scenario, Staged
from skill.sandbox.state import make_sid

if TYPE_CHECKING:
    from skill.sandbox.app import Sandbox


def stage(sandbox: Sandbox) -> Staged:
    key = sandbox.state.keys[make_sid("SK", "seed", "deploy")]
    key["created"] = key["updated"] = sandbox.clock.now() - 400 * 86400
    return Staged(
        arguments={"old_key_sid": key["sid"], "key_name": "deploy key (rotated)"},
        seeded=(f"API key {key['sid']} 'deploy key', created 400 days ago",),
    )


def deploy(sandbox: Sandbox) -> str:
    return "The operator stored the new secret in the deploy pipeline and redeployed; builds authenticate."


SCENARIO = Scenario(
    name="stale-deploy-key",
    runbook="api-key-rotation",
    summary="The deploy pipeline's API key is 400 days old: rotate it without downtime.",
    stage=stage,
    operator={"deploy_new_key": deploy},
)
