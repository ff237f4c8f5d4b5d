"""Curated entries: Verify v2 (60200-60212)."""

from __future__ import annotations

from skill.catalog.entry import CatalogEntry

VERIFY: tuple[CatalogEntry, ...] = (
    CatalogEntry(
        code=60200,
        title="Invalid parameter",
        meaning="A Verify request had a bad parameter; Twilio's message names which one.",
        causes=(
            "To is not in E.164 form (the leading + is often missing).",
            "Channel is not one the service offers, or needs access the account lacks.",
            "On a check, Code is missing or of the wrong length.",
        ),
        remediation=(
            "Read the parameter named in the error message.",
            "Send To as E.164, e.g. +14155550100.",
            "Use a channel the service supports (sms, call, email, whatsapp); some need Twilio to enable them.",
            "Pass the code exactly as the person received it.",
        ),
    ),
    CatalogEntry(
        code=60201,
        title="Selected template translation is not approved",
        meaning="The message template's translation for the chosen language has not been approved.",
        causes=("A locale whose translation of the template is not approved.",),
        remediation=(
            "Pick a locale whose translation is approved, or the default template.",
            "Ask Twilio Support if the translation should already be approved.",
        ),
    ),
    CatalogEntry(
        code=60202,
        title="Max check attempts reached",
        meaning="The code was checked five times without success; this verification takes no more checks.",
        causes=("Five wrong or repeated checks against one verification.",),
        remediation=(
            "Stop checking this verification.",
            "After it expires (10 minutes), start a new verification and let the person try again.",
        ),
    ),
    CatalogEntry(
        code=60203,
        title="Max send attempts reached",
        meaning="The code was sent five times without the verification being completed, so no more sends.",
        causes=("Repeated resends without a check.", "A flow that never calls the verification check."),
        remediation=(
            "Check the code the person already has instead of sending another.",
            "Otherwise wait for the verification to expire (10 minutes) before starting again.",
            "Make sure your flow always ends each verification with a check or a cancel.",
        ),
    ),
    CatalogEntry(
        code=60204,
        title="Service does not support this feature",
        meaning="The Verify service asked for a feature that is not enabled for it.",
        causes=("A premium or restricted Verify feature that the account has not been granted.",),
        remediation=("Ask Twilio Sales to enable the feature, or drop it from the request.",),
    ),
    CatalogEntry(
        code=60205,
        title="SMS is not supported by landline phone number",
        meaning="A verification code was to go by SMS to a number that cannot take SMS, such as a landline.",
        causes=("The recipient is a landline.",),
        remediation=(
            "Start the verification with channel 'call' instead.",
            "Or ask the person for a mobile number.",
        ),
    ),
    CatalogEntry(
        code=60206,
        title="'Amount' and 'Payee' params are required",
        meaning="The Verify service is set up for PSD2 payments, so every verification needs Amount and Payee.",
        causes=("Psd2Enabled is on for the service and the request left Amount or Payee out.",),
        remediation=(
            "Pass both Amount and Payee when starting the verification.",
            "Or turn Psd2Enabled off on the service if payments are not being confirmed.",
        ),
    ),
    CatalogEntry(
        code=60207,
        title="Max rate limits per service reached",
        meaning="The Verify service already has as many rate limits as it may hold.",
        causes=("Too many rate limits defined on one service.",),
        remediation=(
            "Delete or repurpose rate limits the service no longer uses.",
            "Or put the new rate limit on another Verify service.",
        ),
    ),
    CatalogEntry(
        code=60208,
        title="Rate limit with that UniqueName already exists",
        meaning="The service already has a rate limit with this UniqueName.",
        causes=("Creating a rate limit twice, or reusing a name.",),
        remediation=("Choose another UniqueName, or update the existing rate limit instead.",),
    ),
    CatalogEntry(
        code=60209,
        title="UniqueName format is invalid",
        meaning="A rate limit's UniqueName may only hold letters, digits, '-', '_' and '.'.",
        causes=("Spaces or other characters in UniqueName.",),
        remediation=("Remove the characters that are not allowed and try again.",),
    ),
    CatalogEntry(
        code=60210,
        title="Max buckets per rate limit reached",
        meaning="The rate limit already has as many buckets as it may hold.",
        causes=("Too many buckets on one rate limit.",),
        remediation=(
            "Delete or change buckets that are no longer needed.",
            "Or create another rate limit for the new bucket.",
        ),
    ),
    CatalogEntry(
        code=60211,
        title="Bucket with the given interval already exists",
        meaning="The rate limit already has a bucket for this Interval.",
        causes=("A second bucket with the same Interval.",),
        remediation=("Update the existing bucket for that Interval instead of adding one.",),
    ),
    CatalogEntry(
        code=60212,
        title="Too many concurrent requests for phone number",
        meaning="Verifications for one phone number are being started too quickly, one after another.",
        causes=(
            "A retry loop or double-submitting form in your application.",
            "Abuse, such as SMS pumping fraud aimed at your sign-up flow.",
        ),
        remediation=(
            "Wait before starting another verification for this number.",
            "Limit verification starts per number and per client in your application.",
            "Look for fraud patterns (bursts to unusual countries) and enable Verify's fraud protection.",
        ),
        retryable=True,
    ),
)
