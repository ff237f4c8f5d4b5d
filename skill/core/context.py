"""Services: everything a core function needs, built once per server and injected."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from skill.config import Settings
from skill.policy.policy import Policy, load_policy
from skill.stores.sqlite import Stores

if TYPE_CHECKING:
    # Imported when services are built, not when a tool module is: the SDK and HTTP stacks are slow to load.
    from skill.gateways.sendgrid_gateway import SendGridGateway
    from skill.gateways.twilio_gateway import TwilioGateway
    from skill.sandbox.app import Sandbox

log = logging.getLogger("twilio_skill")


@dataclass
class Services:
    settings: Settings
    stores: Stores
    policy: Policy
    twilio: TwilioGateway
    sendgrid: SendGridGateway
    sandbox: Sandbox | None = None

    @property
    def environment(self) -> str:
        return self.settings.mode

    @property
    def profile(self) -> str:
        return self.settings.profile_name

    @classmethod
    def create(cls, settings: Settings, *, sandbox: Sandbox | None = None) -> Services:
        """Open the stores and the gateway. In sandbox mode with no sandbox URL, embed one.

        Raises:
            ConfigError: the policy file is unusable.
        """
        from skill.gateways.sendgrid_gateway import SendGridGateway
        from skill.gateways.twilio_gateway import TwilioGateway

        policy = load_policy(settings.policy_path)
        secrets = settings.secret_values()
        stores = Stores.open(settings.db_path, secrets)
        transport = None
        if settings.mode == "sandbox" and not settings.sandbox_url:
            if sandbox is None:
                from skill.sandbox.app import Sandbox

                sandbox = Sandbox.from_settings(settings)
            transport = sandbox.transport()
        gateway = TwilioGateway(settings, sandbox_transport=transport)
        sendgrid = SendGridGateway(settings, sandbox=sandbox)
        return cls(settings=settings, stores=stores, policy=policy, twilio=gateway, sendgrid=sendgrid, sandbox=sandbox)

    async def aclose(self) -> None:
        await self.twilio.aclose()
        await self.sendgrid.aclose()
        self.stores.close()
