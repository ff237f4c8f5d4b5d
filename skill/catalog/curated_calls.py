"""Curated entries: request validation for calls and numbers, <Dial> and <Say>, voice geo permissions."""

from __future__ import annotations

from skill.catalog.entry import CatalogEntry

CALLS: tuple[CatalogEntry, ...] = (
    # --- numbers in requests (calls and messages) ------------------------------------------------
    CatalogEntry(
        code=21201,
        title="No called number specified",
        meaning="A call was requested without a To number.",
        causes=("The To parameter is missing or empty.",),
        remediation=("Pass the destination as To, in E.164 form (+ country code, then the number).",),
    ),
    CatalogEntry(
        code=21205,
        title="Invalid URL",
        meaning="The Url given for a new call (where Twilio fetches its TwiML) is not a valid URL.",
        causes=("No http:// or https:// scheme, or a malformed host.", "Unencoded characters in the query."),
        remediation=(
            "Give a full, publicly reachable URL with scheme and host, query values URL-encoded.",
            "Or pass Twiml inline instead of Url.",
        ),
    ),
    CatalogEntry(
        code=21210,
        title="'From' phone number not verified",
        meaning="The caller ID of an outbound call is neither a Twilio number of this account nor a verified one.",
        causes=("From is a number the account does not own.", "A personal number that was never verified."),
        remediation=(
            "Pick a voice-capable number the account owns: numbers_list.",
            "Or verify the number as a caller ID in the Twilio Console first.",
            "With test credentials, use the magic From number +15005550006.",
        ),
    ),
    CatalogEntry(
        code=21211,
        title="Invalid 'To' phone number",
        meaning="Twilio cannot read the To value as a phone number: it is invalid or badly formatted.",
        causes=(
            "Not in E.164 form, or the country code is wrong or missing.",
            "Sending from a Twilio number to itself.",
        ),
        remediation=(
            "Write To as E.164: + then country code then the full number, digits only (e.g. +14155550100).",
            "Check the country calling code matches the person's country.",
            "Make sure To and From are different numbers.",
        ),
    ),
    CatalogEntry(
        code=21212,
        title="Invalid 'From' number (caller ID)",
        meaning="Twilio does not accept the From value as a phone number or as an alphanumeric sender ID.",
        causes=(
            "A number not in E.164 form.",
            "The number is on a do-not-originate list.",
            "An alphanumeric sender ID that is blocked or too generic (such as 'SMS' or 'INFO').",
        ),
        remediation=(
            "Use a number the account owns, exactly as numbers_list shows it.",
            "For an alphanumeric sender, use up to 11 characters that name your brand.",
            "Or send through a Messaging Service (MessagingServiceSid) and let it choose the sender.",
            "If a distinctive sender ID is still refused, raise it with Twilio Support.",
        ),
    ),
    CatalogEntry(
        code=21214,
        title="'To' phone number cannot be reached",
        meaning="Twilio could not reach the number the call was placed to.",
        causes=("The number is not in service or does not exist.", "No carrier route to that destination."),
        remediation=(
            "Confirm the number with the person and write it in E.164 form.",
            "Try again later only if the number is known to be good.",
        ),
    ),
    CatalogEntry(
        code=21215,
        title="Geo permission configuration is not permitting call",
        meaning="The account's voice geographic permissions do not allow calls to the destination's country.",
        causes=(
            "The destination country or its high-risk number ranges are not enabled for voice.",
            "A misdialled number that falls in another country.",
        ),
        remediation=(
            "Check the number: a missing or wrong country code often lands in a disabled country.",
            "Enable the country under Voice > Settings > Geo permissions in the Twilio Console.",
            "For a subaccount, check whether it inherits the parent's permissions.",
        ),
    ),
    CatalogEntry(
        code=21216,
        title="Call blocked by Twilio blocklist",
        meaning="Twilio will not call this number: it is on Twilio's block list for fraud or regulatory reasons.",
        causes=("The destination is a high-risk or restricted number.",),
        remediation=(
            "Do not retry; check that this is really the number you meant.",
            "If there is a legitimate need to call it, ask Twilio Support for an exception, explaining the use.",
        ),
    ),
    CatalogEntry(
        code=21217,
        title="Phone number does not appear to be valid",
        meaning="The phone number given is not a plausible number for any country.",
        causes=("Too few or too many digits.", "A country code or area code that does not exist."),
        remediation=("Rewrite the number in E.164 form and check its length against the country's numbering.",),
    ),
    CatalogEntry(
        code=21219,
        title="'To' phone number not verified",
        meaning="A trial account may only call numbers it has verified, and this one is not.",
        causes=("The account is a trial account.", "The destination was never verified."),
        remediation=(
            "Call account_get: kind 'Trial' confirms the restriction.",
            "Verify the number in the Twilio Console, or upgrade the account to call any number.",
        ),
    ),
    CatalogEntry(
        code=21220,
        title="Invalid call state",
        meaning="The call cannot be changed in its current state, usually because it has already ended.",
        causes=("The call completed, failed or was cancelled before the update arrived.",),
        remediation=(
            "Fetch the call and read its status; only queued, ringing or in-progress calls can be redirected.",
            "Do not retry the update for a finished call; place a new call if one is needed.",
        ),
    ),
    # --- phone numbers: search, purchase, configuration ------------------------------------------
    CatalogEntry(
        code=21401,
        title="Invalid phone number",
        meaning="The phone number in the request is not valid.",
        causes=("A number not in E.164 form.", "Extra characters such as spaces or letters."),
        remediation=("Send the number in E.164 form, digits only after the +.",),
    ),
    CatalogEntry(
        code=21402,
        title="Invalid URL",
        meaning="One of the webhook URLs given for a phone number (voice, SMS, status callback) is not valid.",
        causes=("A URL without scheme or host.", "Unencoded characters."),
        remediation=(
            "Give complete http:// or https:// URLs that the public internet can reach.",
            "Set them again with number_configure.",
        ),
    ),
    CatalogEntry(
        code=21404,
        title="Inbound phone number not available to trial account",
        meaning="Trial accounts cannot take this phone number, typically because a trial may hold only one.",
        causes=("The account is still a trial.", "It already has its trial number."),
        remediation=(
            "Call account_get to confirm the account type.",
            "Keep using the number it has (numbers_list), or upgrade the account in the Twilio Console.",
        ),
    ),
    CatalogEntry(
        code=21421,
        title="Phone number is invalid",
        meaning="The number to buy or look up is invalid, or a Phone Number SID added to a Messaging Service is.",
        causes=("A number not in E.164 form.", "A PN or SC SID that is wrong or from another account."),
        remediation=(
            "Buy numbers exactly as number_search returns them.",
            "For a Messaging Service, take the Phone Number SID from numbers_list.",
        ),
    ),
    CatalogEntry(
        code=21422,
        title="Phone number is not available",
        meaning="The number you tried to buy can no longer be bought.",
        causes=("Someone else bought it after the search.", "It was never in the available inventory."),
        remediation=("Run number_search again and buy one of the numbers it now returns.",),
    ),
    CatalogEntry(
        code=21451,
        title="Invalid area code",
        meaning="The area code used to search for numbers is not valid for the country.",
        causes=("A mistyped area code.", "An area code from another country."),
        remediation=(
            "Use a real area code of that country (three digits in the US and Canada).",
            "Or search without it, by region or by digits the number should contain (number_search).",
        ),
    ),
    CatalogEntry(
        code=21452,
        title="No phone numbers found in area code",
        meaning="Twilio has no numbers of the requested kind available in that area code right now.",
        causes=("The local inventory is exhausted.", "Too many filters at once (capabilities, digits, type)."),
        remediation=(
            "Search a neighbouring area code or the whole region with number_search.",
            "Relax filters, or consider another number type such as toll-free.",
        ),
    ),
    # --- voice: <Dial>, <Say> and geographic permissions -----------------------------------------
    CatalogEntry(
        code=13214,
        title="Dial: invalid callerId value",
        meaning="The callerId on <Dial> is not one Twilio may present for this call.",
        causes=(
            "The callerId is not the caller, the called number, a Twilio number or a verified caller ID.",
            "A client leg with no callerId, or a malformed caller ID passed on from the carrier.",
        ),
        remediation=(
            "Set callerId on <Dial> to a number the account owns (numbers_list) or has verified.",
            "When forwarding inbound calls, replace an unusable incoming caller ID with one of your numbers.",
        ),
    ),
    CatalogEntry(
        code=13223,
        title="Dial: invalid phone number format",
        meaning="The number inside <Dial><Number> is not in E.164 form, or the <Number> is missing.",
        causes=(
            "Local dialling format, hyphens or brackets in the number.",
            "An empty or absent <Number> noun.",
            "A client name or SIP address where a phone number belongs.",
        ),
        remediation=(
            "Put a single E.164 number inside <Number>: +, country code, up to 15 digits.",
            "Use <Client> for app users and <Sip> for SIP addresses.",
        ),
    ),
    CatalogEntry(
        code=13224,
        title="Dial: Twilio does not support calling this number or the number is invalid",
        meaning="The number given to <Dial> cannot be called: it is invalid, or no carrier route exists.",
        causes=(
            "A local format instead of E.164.",
            "A country code, area code or exchange that does not exist.",
            "No carrier partner delivers calls to that destination.",
        ),
        remediation=(
            "Write the number in E.164 form and confirm it is in service.",
            "If a valid number keeps failing, send Twilio Support the Call SID.",
        ),
    ),
    CatalogEntry(
        code=13225,
        title="Dial: call blocked by Twilio block list",
        meaning="<Dial> tried a number that Twilio blocks for fraud risk or regulatory reasons.",
        causes=("The destination is on Twilio's block list.",),
        remediation=(
            "Do not retry; confirm the number is the intended one.",
            "For a legitimate need, ask Twilio Support for an exception with a description of the use.",
        ),
    ),
    CatalogEntry(
        code=13226,
        title="Dial: invalid country code",
        meaning="The number given to <Dial> starts with a country code that does not exist.",
        causes=("A missing + so the digits are read as a country code.", "A typo in the country code."),
        remediation=("Rewrite the number as E.164 with the correct country calling code.",),
    ),
    CatalogEntry(
        code=13227,
        title="Geo permission configuration is not permitting call",
        meaning="<Dial> tried a destination that the account's voice geographic permissions do not allow.",
        causes=("The destination country is not enabled for voice.", "The caller misdialled into another country."),
        remediation=(
            "Check the dialled number; a wrong country code often explains it.",
            "Enable the country under Voice > Settings > Geo permissions in the Twilio Console.",
        ),
    ),
    CatalogEntry(
        code=13520,
        title="Say: invalid text",
        meaning="The text inside <Say> could not be spoken, typically because it is empty.",
        causes=("An empty <Say> element.", "Content the text-to-speech engine cannot read."),
        remediation=(
            "Make sure the template fills <Say> with readable text.",
            "Remove control characters and stray markup from the text.",
        ),
    ),
    CatalogEntry(
        code=13521,
        title="<Say> element character limits exceeded",
        meaning="The text inside <Say> is longer than the speech engine accepts.",
        causes=(
            "More than 4,096 characters for basic voices or 3,000 for Amazon Polly voices.",
            "A URL-encoded text longer than 4,500 characters.",
        ),
        remediation=(
            "Split the text across several <Say> elements.",
            "For long fixed content, record audio once and use <Play>.",
        ),
    ),
)
