"""The Twilio gateway: builds the SDK client for live or sandbox mode and runs calls through it.

Area modules (accounts, keys, messages, numbers, ...) hang off `TwilioGateway` and return plain
dicts, so nothing above this package sees an SDK type.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, TypeVar

import httpx

from skill.config import SANDBOX_ACCOUNT_SID, SANDBOX_AUTH_TOKEN, Settings
from skill.errors import ConfigError
from skill.gateways.failures import outcome_unknown, unreachable
from skill.gateways.http import RETRY_AFTER, OutcomeUnknown, RetryPolicy, SkillHttpClient, Unreachable
from skill.gateways.scoped_http import ScopedHttpClient
from skill.gateways.translate import translate_page_error, translate_rest_error
from skill.records.scope import AccountScope

if TYPE_CHECKING:
    from twilio.rest import Client

T = TypeVar("T")
SANDBOX_BASE = "http://sandbox.twilio-skill.invalid"
TWILIO_CHECK = "Check with a list tool (for messages: messages_list by to and date) whether it took effect."


class TwilioGateway:
    def __init__(
        self,
        settings: Settings,
        *,
        sandbox_transport: httpx.AsyncBaseTransport | None = None,
        retry: RetryPolicy | None = None,
        shared: TwilioGateway | None = None,
        scope: AccountScope | None = None,
    ) -> None:
        self.settings = settings
        self.mode = settings.mode
        self.scope = scope
        self.owns_http = shared is None
        self.http: SkillHttpClient
        if shared is not None:
            self.http = shared.http  # one connection pool for every account the server acts on
        elif self.mode == "sandbox":
            base = settings.sandbox_url or SANDBOX_BASE
            transport = None if settings.sandbox_url else sandbox_transport
            if transport is None and not settings.sandbox_url:
                raise ConfigError("Sandbox mode needs the embedded sandbox or TWILIO_SKILL_SANDBOX_URL.")
            self.http = SkillHttpClient(transport=transport, rewrite_base=base, retry=retry)
        else:
            self.http = SkillHttpClient(retry=retry)
        self._client: Client | None = None
        from skill.gateways.twilio_accounts import Accounts
        from skill.gateways.twilio_calls import Calls
        from skill.gateways.twilio_content import Content
        from skill.gateways.twilio_generic import Operations
        from skill.gateways.twilio_keys import Keys
        from skill.gateways.twilio_lookups import Lookups
        from skill.gateways.twilio_messages import Messages
        from skill.gateways.twilio_messaging_services import MessagingServices
        from skill.gateways.twilio_monitor import Monitor
        from skill.gateways.twilio_numbers import Numbers
        from skill.gateways.twilio_pricing import Pricing
        from skill.gateways.twilio_studio import Studio
        from skill.gateways.twilio_usage import Usage
        from skill.gateways.twilio_verify import Verify

        self.accounts = Accounts(self)
        self.keys = Keys(self)
        self.messages = Messages(self)
        self.numbers = Numbers(self)
        self.calls = Calls(self)
        self.verify = Verify(self)
        self.studio = Studio(self)
        self.messaging_services = MessagingServices(self)
        self.lookups = Lookups(self)
        self.monitor = Monitor(self)
        self.usage = Usage(self)
        self.pricing = Pricing(self)
        self.operations = Operations(self)  # any operation of the index, by method and URL
        self.content = Content(self)

    def scoped(self, scope: AccountScope) -> TwilioGateway:
        """A gateway acting on another account with this one's credentials (and that account's own key
        for product APIs beyond api.twilio.com), sharing this one's connections."""
        return TwilioGateway(self.settings, shared=self, scope=scope)

    @property
    def account_sid(self) -> str:
        if self.scope is not None:
            return self.scope.account_sid
        if self.mode == "sandbox":
            return SANDBOX_ACCOUNT_SID
        assert self.settings.account_sid
        return self.settings.account_sid

    def client(self) -> Client:
        """The SDK client, built on first use (importing twilio is slow)."""
        if self._client is None:
            from twilio.rest import Client

            s = self.settings
            http: SkillHttpClient | ScopedHttpClient = self.http
            if self.scope is not None:
                http = ScopedHttpClient(self.http, self.scope)
            if self.mode == "sandbox":
                self._client = Client(SANDBOX_ACCOUNT_SID, SANDBOX_AUTH_TOKEN, self.account_sid, http_client=http)
            elif s.api_key and s.api_secret:
                self._client = Client(
                    s.api_key, s.api_secret, self.account_sid, region=s.region, edge=s.edge, http_client=http
                )
            else:
                self._client = Client(
                    s.account_sid, s.auth_token, self.account_sid, region=s.region, edge=s.edge, http_client=http
                )
        return self._client

    def client_with_key(self, key_sid: str, secret: str) -> Client:
        """A second client authenticating with another API key (to verify a new key works)."""
        from twilio.rest import Client

        s = self.settings
        region, edge = (None, None) if self.mode == "sandbox" else (s.region, s.edge)
        return Client(key_sid, secret, self.account_sid, region=region, edge=edge, http_client=self.http)

    async def run(self, operation: Callable[[Client], Awaitable[T]], *, what: str) -> T:
        """Run one SDK call and translate its failures into UpstreamError.

        Raises:
            UpstreamError: Twilio refused the call, could not be reached, or the outcome is unknown.
        """
        from twilio.base.exceptions import TwilioException, TwilioRestException

        try:
            return await operation(self.client())
        except TwilioRestException as exc:
            error = translate_rest_error(exc, what)
            error.retry_after = RETRY_AFTER.get()  # only the wait asked for travels on, no other header
            raise error from None
        except TwilioException as exc:
            # List calls report a refused page as a bare TwilioException carrying the HTTP response.
            page_error = translate_page_error(exc, what)
            if page_error is None:
                raise
            page_error.retry_after = RETRY_AFTER.get()
            raise page_error from None
        except OutcomeUnknown as exc:
            raise outcome_unknown(
                what,
                exc.reason,
                provider="Twilio",
                check=TWILIO_CHECK,
                http_status=exc.status,
                retry_after=exc.retry_after,
            ) from None
        except Unreachable as exc:
            raise unreachable(what, str(exc), provider="Twilio", host="api.twilio.com") from None

    async def aclose(self) -> None:
        if self.owns_http:
            await self.http.aclose()
