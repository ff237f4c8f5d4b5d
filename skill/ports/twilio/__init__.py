"""The Twilio gateway as the core sees it: one Protocol per area (messages, numbers, calls, ...), and
`TwilioPort`, the whole gateway assembled from them.

skill.gateways implements them with the official SDK; the core imports only these.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from skill.ports.twilio.accounts import AccountsPort
    from skill.ports.twilio.calls import CallsPort
    from skill.ports.twilio.content import ContentPort
    from skill.ports.twilio.keys import KeysPort
    from skill.ports.twilio.lookups import LookupsPort
    from skill.ports.twilio.messages import MessagesPort
    from skill.ports.twilio.messaging_services import MessagingServicesPort
    from skill.ports.twilio.monitor import MonitorPort
    from skill.ports.twilio.numbers import NumbersPort
    from skill.ports.twilio.operations import OperationsPort
    from skill.ports.twilio.pricing import PricingPort
    from skill.ports.twilio.studio import StudioPort
    from skill.ports.twilio.usage import UsagePort
    from skill.ports.twilio.verify import VerifyPort
    from skill.records.scope import AccountScope


class TwilioPort(Protocol):
    """One Twilio account's API, area by area (read-only members: the gateway owns its areas)."""

    @property
    def account_sid(self) -> str: ...
    @property
    def accounts(self) -> AccountsPort: ...
    @property
    def keys(self) -> KeysPort: ...
    @property
    def messages(self) -> MessagesPort: ...
    @property
    def numbers(self) -> NumbersPort: ...
    @property
    def calls(self) -> CallsPort: ...
    @property
    def verify(self) -> VerifyPort: ...
    @property
    def studio(self) -> StudioPort: ...
    @property
    def messaging_services(self) -> MessagingServicesPort: ...
    @property
    def lookups(self) -> LookupsPort: ...
    @property
    def monitor(self) -> MonitorPort: ...
    @property
    def usage(self) -> UsagePort: ...
    @property
    def pricing(self) -> PricingPort: ...
    @property
    def operations(self) -> OperationsPort: ...

    @property
    def content(self) -> ContentPort: ...

    def scoped(self, scope: AccountScope) -> TwilioPort:
        """The same gateway acting on another account (see skill.records.scope)."""
        ...

    async def aclose(self) -> None: ...
