"""The SendGrid gateway (being written): the only code that imports the sendgrid SDK."""

from __future__ import annotations

from typing import TYPE_CHECKING

from skill.config import Settings

if TYPE_CHECKING:
    from skill.sandbox.app import Sandbox


class SendGridGateway:
    def __init__(self, settings: Settings, *, sandbox: Sandbox | None = None) -> None:
        self.settings = settings
        self.sandbox = sandbox

    async def aclose(self) -> None:
        return None
