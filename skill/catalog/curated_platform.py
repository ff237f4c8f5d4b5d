"""Curated entries: authentication, permissions, platform failures, webhooks and TwiML documents."""

from __future__ import annotations

from skill.catalog.entry import CatalogEntry

PLATFORM: tuple[CatalogEntry, ...] = (
    # --- authentication, permissions and platform ---------------------------------------------
    CatalogEntry(
        code=20001,
        title="Unknown parameters",
        meaning="The request carried a parameter name that this API resource does not know; it was ignored.",
        causes=(
            "A parameter name is misspelt or has the wrong letter case.",
            "The parameter belongs to another resource or API version.",
        ),
        remediation=(
            "Compare each parameter name with the API reference for the resource, letter for letter.",
            "Drop parameters the resource does not accept, then repeat the request.",
        ),
    ),
    CatalogEntry(
        code=20002,
        title="Invalid FriendlyName",
        meaning="The FriendlyName given was refused, usually because it is empty or too long.",
        causes=("An empty FriendlyName.", "A FriendlyName longer than the resource allows (64 characters for most)."),
        remediation=("Send a FriendlyName of 1 to 64 printable characters and try again.",),
    ),
    CatalogEntry(
        code=20003,
        title="Permission denied",
        meaning="Twilio refused the credentials, or they are valid but not allowed to reach this account's resource.",
        causes=(
            "The Account SID does not belong with the Auth Token or API key pair in use.",
            "Test credentials were used against live resources.",
            "A subaccount's credentials were used on the parent account, or the other way round.",
            "The API key was deleted or the Auth Token was rotated.",
            "The account is suspended or closed.",
            "Stray spaces or newlines in a credential, or an API key made in another Twilio region.",
        ),
        remediation=(
            "Call account_get: if it fails too, the configured credentials themselves are wrong.",
            "Check that TWILIO_ACCOUNT_SID is the account that owns TWILIO_API_KEY (apikeys_list shows its keys).",
            "Remove whitespace or line breaks around the secret values in the environment or profile.",
            "If the resource lives in another account, use that account (subaccounts_list shows the children).",
            "If the key was revoked, create a new one with apikey_create and update the environment.",
            "Make sure TWILIO_REGION matches the region the API key was created in.",
        ),
    ),
    CatalogEntry(
        code=20005,
        title="Account not active",
        meaning="The account is suspended or closed, so Twilio will not act on its behalf.",
        causes=(
            "The balance ran out or a trial ended.",
            "A parent account suspended this subaccount.",
            "Twilio suspended the account over a policy concern, or it was closed.",
        ),
        remediation=(
            "Call account_get to read the account's status and type.",
            "If a subaccount is suspended, its parent can reactivate it with subaccount_set_status.",
            "If the balance is empty, an owner must add funds in the Twilio Console.",
            "A closed account cannot be reopened; use another account. For policy suspensions, contact Twilio.",
        ),
    ),
    CatalogEntry(
        code=20008,
        title="Test credentials cannot do this",
        meaning="Test credentials only work for a few operations; this request needs live credentials.",
        causes=(
            "Test Account SID and token were used to read or change real resources.",
            "A test credential call used a number other than Twilio's magic test numbers.",
        ),
        remediation=(
            "Use live credentials (or an API key of the live account) for this operation.",
            "With test credentials, only send messages, place calls or buy numbers, using the magic numbers.",
            "To try things without a Twilio account, unset the credentials: the skill then uses its sandbox.",
        ),
    ),
    CatalogEntry(
        code=20404,
        title="Resource not found",
        meaning="Nothing exists at the requested address for this account.",
        causes=(
            "The SID is mistyped or truncated.",
            "The resource belongs to another account or subaccount.",
            "It was deleted, released or aged out of retention.",
            "The data lives in another Twilio region than the one configured.",
        ),
        remediation=(
            "Find the right SID with the matching list tool (messages_list, numbers_list, subaccounts_list).",
            "Call account_get to confirm which account the credentials point at.",
            "If the resource belongs to a subaccount, use that subaccount's SID or credentials.",
            "Check TWILIO_REGION if the account keeps data outside the US region.",
        ),
    ),
    CatalogEntry(
        code=20409,
        title="Conflict with resource state",
        meaning="The change clashes with the resource's current state, so it was not applied.",
        causes=(
            "The resource is mid-transition (being provisioned, updated or deleted).",
            "Two requests tried to change the same resource at once.",
        ),
        remediation=(
            "Fetch the resource again to see its present state.",
            "Wait until it settles, then repeat the change once.",
        ),
        retryable=True,
    ),
    CatalogEntry(
        code=20429,
        title="Too many requests",
        meaning="Twilio turned the request away because the account sent too many at once; it was not processed.",
        causes=(
            "Too many concurrent API requests from this account.",
            "A bulk job or retry loop without pacing.",
        ),
        remediation=(
            "Wait and repeat the same request: a 429 was never processed, so repeating it is safe.",
            "Back off exponentially with jitter (about 1 s, 2 s, 4 s) and cap the attempts.",
            "Lower concurrency: run bulk work in smaller batches, one request at a time per sender.",
        ),
        retryable=True,
    ),
    CatalogEntry(
        code=20500,
        title="Internal server error",
        meaning="Something failed inside Twilio while handling the request; whether it took effect is unknown.",
        causes=("A fault on Twilio's side, usually brief.",),
        remediation=(
            "Before repeating a create (a message, a call), check it did not happen: messages_list or message_get.",
            "Repeat the request after a short wait, with backoff.",
            "Check status.twilio.com for an incident.",
            "If it keeps failing, give Twilio Support the time, the request and any SIDs.",
        ),
        retryable=True,
    ),
    CatalogEntry(
        code=20503,
        title="Service unavailable",
        meaning="The Twilio service was temporarily unable to take the request.",
        causes=("Maintenance or an incident at Twilio.", "A transient overload."),
        remediation=(
            "Repeat the request after a short wait, with exponential backoff.",
            "Check status.twilio.com; if an incident is open, wait for it to clear.",
        ),
        retryable=True,
    ),
    # --- webhooks: Twilio fetching your URLs -----------------------------------------------------
    CatalogEntry(
        code=11100,
        title="Invalid URL format",
        meaning="A URL handed to Twilio (webhook, action, Play or Redirect target) is not a well-formed URL.",
        causes=(
            "No scheme (http:// or https://) or no host name.",
            "Characters that are not URL-encoded, including in the user:password part.",
            "An empty URL where one is required.",
        ),
        remediation=(
            "Write the URL in full: scheme, host, path, with query values URL-encoded.",
            "Make sure the host is reachable from the public internet.",
            "Correct a number's webhook with number_configure (numbers_list shows the current URLs).",
        ),
    ),
    CatalogEntry(
        code=11200,
        title="HTTP retrieval failure",
        meaning="Twilio requested your webhook URL but did not get a usable answer in time (15 seconds).",
        causes=(
            "Your server answered 4xx or 5xx.",
            "It took longer than 15 seconds (slow queries or outbound calls inside the handler).",
            "A redirect led somewhere broken, or the URL sits behind HTTP auth or a firewall.",
            "The host is localhost or a private address.",
            "The Content-Type header is missing or does not match the body.",
        ),
        remediation=(
            "Find the URL involved: numbers_list shows each number's voice and messaging webhooks.",
            "POST to that URL yourself from outside your network and check the status code and time taken.",
            "Make the handler answer 2xx within a few seconds; move slow work to a background job.",
            "Serve it on a public host name over https, without redirects or login.",
            "If the URL itself was wrong, point the number at the right one with number_configure.",
        ),
    ),
    CatalogEntry(
        code=11205,
        title="HTTP connection failure",
        meaning="Twilio could not open a connection to your URL, or the connection gave no answer in time.",
        causes=(
            "The server is down or a firewall drops Twilio's traffic.",
            "The URL points at localhost or a private address.",
            "A network outage between Twilio and your server.",
        ),
        remediation=(
            "Check that the server is up and reachable from the public internet.",
            "Look in its TCP and HTTP logs for Twilio's attempt and the time the answer left.",
            "Fix firewall or load-balancer rules that block inbound requests.",
            "If the host is wrong, update the webhook with number_configure.",
        ),
        retryable=True,
    ),
    CatalogEntry(
        code=11210,
        title="HTTP bad host name",
        meaning="The host name in your URL could not be resolved in public DNS.",
        causes=("The host name is misspelt or has no DNS record.", "It only exists in a local hosts file."),
        remediation=(
            "Resolve the name from outside your network (for example with dig) and fix the DNS record.",
            "Use a public host name, then update the webhook with number_configure.",
        ),
    ),
    CatalogEntry(
        code=11750,
        title="TwiML response body too large",
        meaning="Your reply to Twilio's webhook was larger than 64 kB, so it was not used.",
        causes=(
            "The TwiML document itself is over 64 kB.",
            "The server sent something else: an HTML error page, debug output or a file.",
        ),
        remediation=(
            "Check that the URL returns TwiML only, starting with the XML declaration.",
            "Look at your application log for an error page being served in place of TwiML.",
            "Keep the document under 64 kB: move long speech into audio for <Play>, or split with <Redirect>.",
        ),
    ),
    CatalogEntry(
        code=12100,
        title="Document parse failure",
        meaning="Twilio fetched your URL but could not parse the body as XML.",
        causes=(
            "Malformed XML: an unclosed tag, or a bare & or < in text.",
            "The server returned HTML, JSON or plain text.",
            "Characters before the XML declaration.",
        ),
        remediation=(
            "Run the returned body through an XML parser and fix what it reports.",
            "Escape & as &amp; and < as &lt; inside text.",
            "Build TwiML with a library rather than by string concatenation.",
        ),
    ),
    CatalogEntry(
        code=12200,
        title="Schema validation warning",
        meaning="Your XML parsed, but it does not follow the TwiML schema; the offending part may be ignored.",
        causes=(
            "A misspelt verb or one in the wrong case (TwiML is case-sensitive: <Say>, not <say>).",
            "An unknown attribute or a value of the wrong kind.",
            "A verb nested where it is not allowed.",
        ),
        remediation=(
            "Open the warning in the Twilio debugger and go to the line and column it names.",
            "Fix the verb, attribute or nesting against the TwiML reference.",
        ),
    ),
    CatalogEntry(
        code=12300,
        title="Invalid Content-Type",
        meaning="Your URL answered with a Content-Type Twilio cannot use for that purpose, or with none.",
        causes=(
            "No Content-Type header on the response.",
            "A TwiML URL that serves a page of another type, or a <Play> URL that serves XML or text.",
            "Message media of a type that is not accepted.",
        ),
        remediation=(
            "Serve TwiML as text/xml or application/xml, and audio with its real audio type.",
            "Check that the URL points at the resource you meant.",
            "For message media, use one of Twilio's accepted MIME types.",
        ),
    ),
)
