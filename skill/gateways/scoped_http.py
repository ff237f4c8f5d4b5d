"""The HTTP client of a gateway bound to another account: Twilio's credential rule applied per request.

A parent account's credentials reach its subaccounts' resources on API v2010 (`api.twilio.com`, under
/Accounts/{sub}/...). The other product hosts (Messaging, Verify, Studio, Monitor, ...) act for the
account the credentials belong to, so a request there must carry the subaccount's own API key; with
none configured it is refused here, before anything is sent, naming what is missing.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from twilio.http import AsyncHttpClient
from twilio.http.response import Response

from skill.errors import ConfigError
from skill.gateways.http import SkillHttpClient
from skill.records.scope import AccountScope


def parent_reaches(url: str) -> bool:
    """Whether the parent's credentials may make this request for a subaccount (API v2010 only)."""
    host = (urlsplit(url).hostname or "").lower()
    return host == "api.twilio.com" or (host.startswith("api.") and host.endswith(".twilio.com"))


def missing_key(scope: AccountScope, url: str) -> ConfigError:
    host = urlsplit(url).hostname or "?"
    target = f"environment {scope.name}" if scope.name else f"account {scope.account_sid}"
    return ConfigError(
        f"{host} acts only for the account whose credentials call it, so {target} needs its own API key "
        f"here ({scope.key_problem or 'none is configured'}). Nothing was sent.",
        code="config.account_key_missing",
        remediation=[
            f"Create a key in that account with apikey_create(account={scope.name or scope.account_sid}); "
            "its secret goes to the secret sink.",
            f'Name it in the policy file: [environments.{scope.name or "NAME"}] api_key = "SK...", then restart.',
        ],
    )


class ScopedHttpClient(AsyncHttpClient):  # type: ignore[misc]
    """Sends through the shared client; swaps in the scoped account's own key off API v2010."""

    def __init__(self, inner: SkillHttpClient, scope: AccountScope) -> None:
        super().__init__(logger=inner.logger, is_async=True, timeout=inner.timeout)
        self.inner = inner
        self.scope = scope

    async def request(
        self,
        method: str,
        url: str,
        params: dict[str, object] | None = None,
        data: dict[str, object] | None = None,
        headers: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        timeout: float | None = None,
        allow_redirects: bool = False,
    ) -> Response:
        """Raises:
        ConfigError: config.account_key_missing for a product host when the account has no key.
        """
        if not parent_reaches(url):
            key = self.scope.key
            if key is None:
                raise missing_key(self.scope, url)
            auth = key
        return await self.inner.request(
            method, url, params=params, data=data, headers=headers, auth=auth, timeout=timeout,
            allow_redirects=allow_redirects,
        )  # fmt: skip

    async def aclose(self) -> None:
        """The shared client is closed by the gateway that owns it."""
