"""Curated entries: message delivery outcomes, every code Twilio has in 30001-30035."""

from __future__ import annotations

from skill.catalog.entry import CatalogEntry

_INSPECT = "Read the message's status and error with message_get."
_SUPPORT_WITH_SIDS = "If it keeps happening, send Twilio Support three or more Message SIDs that show it."

DELIVERY: tuple[CatalogEntry, ...] = (
    CatalogEntry(
        code=30001,
        title="Queue overflow",
        meaning="Messages were sent faster than the sender can drain them, and its queue overflowed.",
        causes=(
            "A burst larger than the sender's throughput allows.",
            "All volume on one sender, with no Messaging Service spreading it.",
            "Per-sender, per-service or per-account rate limits.",
        ),
        remediation=(
            "Resend the failed messages later, at a lower rate (messages_list with status 'failed' finds them).",
            "Spread volume over a Messaging Service with several senders.",
            "For sustained volume in the US or Canada, use a toll-free number or short code.",
        ),
        retryable=True,
    ),
    CatalogEntry(
        code=30002,
        title="Account suspended",
        meaning="The account was suspended after the message was queued and before it went out.",
        causes=("The balance ran out.", "Twilio suspended the account over its use policies."),
        remediation=(
            "Call account_get to see the account's status.",
            "Add funds, or contact Twilio Support about a policy suspension.",
            "Resend only after the account is active again.",
        ),
    ),
    CatalogEntry(
        code=30003,
        title="Unreachable destination handset",
        meaning="The carrier could not get the message to the phone.",
        causes=(
            "The phone is off or has no signal.",
            "The number cannot take SMS (a landline, for instance).",
            "A problem at the mobile carrier, or roaming.",
        ),
        remediation=(
            _INSPECT,
            "Resend once later; a phone that was off may be back.",
            "Ask the person to check power, signal and whether they are roaming.",
            "If every attempt fails, treat the number as unreachable.",
        ),
        retryable=True,
    ),
    CatalogEntry(
        code=30004,
        title="Message blocked",
        meaning="The destination would not accept this message; something along the way blocks it.",
        causes=(
            "The recipient or their carrier blocks messages from this sender.",
            "The number is on a national do-not-disturb register (India's DND, for example).",
            "The person previously opted out of a US or Canada toll-free sender.",
            "The number cannot take SMS.",
        ),
        remediation=(
            "Do not resend repeatedly; it will keep failing.",
            "Check whether the person opted out: optout_list.",
            "Ask the recipient to check with their carrier whether such messages are blocked on their line.",
        ),
    ),
    CatalogEntry(
        code=30005,
        title="Unknown destination handset",
        meaning="The carrier says the number does not exist or is no longer in service.",
        causes=("A mistyped or outdated number.", "A number that was disconnected."),
        remediation=(
            _INSPECT,
            "Confirm the number with the person and its E.164 form.",
            "Remove the number from your lists once it is confirmed dead.",
        ),
    ),
    CatalogEntry(
        code=30006,
        title="Landline or unreachable carrier",
        meaning="The number cannot take this message: a landline, or a carrier this sender cannot reach.",
        causes=("A landline number.", "A carrier that this sender type (such as a short code) cannot reach."),
        remediation=(
            "Check whether the number is a landline; if so, call it instead.",
            "For a mobile number, try another sender type (a local long code rather than a short code).",
        ),
    ),
    CatalogEntry(
        code=30007,
        title="Message filtered",
        meaning="Twilio or the carrier filtered the message as spam or as breaking messaging rules.",
        causes=(
            "Content that looks like spam: public link shorteners, heavy capitals, repeated identical texts.",
            "An unregistered sender (US A2P 10DLC or toll-free verification missing).",
            "Messages to people who did not agree to receive them, or many opt-outs.",
        ),
        remediation=(
            "Do not resend the same text in a burst; filtering tightens.",
            "Register the sender: A2P 10DLC for US long codes, verification for toll-free numbers.",
            "Review the content: your own domain for links, a clear sender name, an opt-out line.",
            "Send only to people who opted in, and honour STOP (optout_list).",
        ),
    ),
    CatalogEntry(
        code=30008,
        title="Unknown error",
        meaning="Delivery failed and the carrier gave no specific reason.",
        causes=("An unspecified carrier or handset failure.",),
        remediation=(
            _INSPECT,
            "Resend once.",
            _SUPPORT_WITH_SIDS,
        ),
        retryable=True,
    ),
    CatalogEntry(
        code=30009,
        title="Missing inbound segment",
        meaning="An incoming message arrived in parts, and at least one part never reached Twilio.",
        causes=("The sender's network or handset dropped a segment.", "Poor coverage on the sender's side."),
        remediation=(
            "Ask the sender to send the message again, ideally with better coverage.",
            _SUPPORT_WITH_SIDS,
        ),
    ),
    CatalogEntry(
        code=30010,
        title="Message price exceeds max price",
        meaning="The message would cost more than the MaxPrice set on the request, so it was not sent.",
        causes=(
            "MaxPrice is below the price for that destination.",
            "Unicode characters made the text need more segments than expected.",
        ),
        remediation=(
            "Raise MaxPrice, or leave it out.",
            "Replace curly quotes, emoji and other Unicode-only characters to keep segments down.",
            "Consider Smart Encoding on the Messaging Service.",
        ),
    ),
    CatalogEntry(
        code=30011,
        title="MMS not supported by the receiving phone number in this region",
        meaning="The media message could not be delivered: the handset or the region does not take MMS.",
        causes=(
            "Outbound: the recipient's phone has MMS turned off or does not support it.",
            "Inbound: someone sent MMS to your number from a region without inbound MMS support.",
        ),
        remediation=(
            "Outbound: send the text with a link to the media instead.",
            "Inbound: reply asking the sender to use plain text.",
        ),
    ),
    CatalogEntry(
        code=30012,
        title="TTL is too small",
        meaning="The message's time-to-live (ValidityPeriod) is shorter than allowed.",
        causes=("ValidityPeriod below the minimum.",),
        remediation=("Set ValidityPeriod, in seconds, within the range the Message resource documents.",),
    ),
    CatalogEntry(
        code=30013,
        title="TTL is too big",
        meaning="The message's time-to-live (ValidityPeriod) is longer than allowed.",
        causes=("ValidityPeriod above the maximum.",),
        remediation=("Lower ValidityPeriod to the range the Message resource documents, or leave it out.",),
    ),
    CatalogEntry(
        code=30014,
        title="'To' attributes are invalid",
        meaning="The recipient address is not valid for the channel it names.",
        causes=("A malformed channel address, such as a wrong prefix or number after 'whatsapp:'.",),
        remediation=("Write the address as the channel expects, e.g. whatsapp:+14155550100.",),
    ),
    CatalogEntry(
        code=30015,
        title="Non-supported channel type is used",
        meaning="The address names a channel that Messaging does not support.",
        causes=("An unknown or misspelt channel prefix before the ':'.",),
        remediation=("Use a supported channel prefix, or a plain E.164 number for SMS.",),
    ),
    CatalogEntry(
        code=30016,
        title="'To' and 'From' channel types are incompatible",
        meaning="Sender and recipient are on different channels, for example WhatsApp to SMS.",
        causes=("One address has a channel prefix and the other has a different one, or none.",),
        remediation=("Put both addresses on the same channel (both whatsapp:... or both plain numbers).",),
    ),
    CatalogEntry(
        code=30017,
        title="Carrier network congestion",
        meaning="The receiving carrier was too busy; Twilio retried and then gave up.",
        causes=("Heavy traffic at the carrier, often for MMS.",),
        remediation=(
            "Resend later.",
            "Spread large sends over a longer period instead of bursts.",
        ),
        retryable=True,
    ),
    CatalogEntry(
        code=30018,
        title="Destination carrier requires sender ID pre-registration",
        meaning="The recipient's network requires alphanumeric sender IDs to be registered, and this one is not.",
        causes=("An unregistered alphanumeric sender ID towards a country that demands registration.",),
        remediation=(
            _INSPECT + " 'undelivered' means the network rejected it.",
            "Register the alphanumeric sender ID for that country with Twilio.",
            "Meanwhile, send from a number that is allowed there.",
        ),
    ),
    CatalogEntry(
        code=30019,
        title="Content size exceeds carrier limit",
        meaning="The media is larger than the receiving carrier accepts.",
        causes=("Media over the carrier's size limit, which can be well below 5 MB.",),
        remediation=(
            "Shrink the media and send again.",
            "Check Twilio's list of supported media types and sizes for MMS.",
        ),
    ),
    CatalogEntry(
        code=30020,
        title="Internal failure with message scheduling",
        meaning="A fault inside Twilio's message scheduling stopped the request.",
        causes=("A failure on Twilio's side.",),
        remediation=(
            "Schedule the message again.",
            "If it recurs, tell Twilio Support the time and what was being scheduled.",
        ),
        retryable=True,
    ),
    CatalogEntry(
        code=30021,
        title="Internal failure with messaging service orchestrator",
        meaning="A fault inside Twilio's Messaging Service handling stopped the message.",
        causes=("A failure on Twilio's side.",),
        remediation=(
            "Send the message again.",
            "If it recurs, tell Twilio Support the time and the Message SIDs.",
        ),
        retryable=True,
    ),
    CatalogEntry(
        code=30022,
        title="US A2P 10DLC: rate limits exceeded",
        meaning="US carriers rejected the message for going faster than the 10DLC campaign allows.",
        causes=(
            "Sending above the campaign's messages-per-second allowance.",
            "Many messages to the same person in a short time.",
        ),
        remediation=(
            "Slow the sending rate to what the campaign allows.",
            "Resend the rejected messages later with backoff (messages_list with status 'failed' finds them).",
            "Avoid bursts to a single recipient.",
        ),
        retryable=True,
    ),
    CatalogEntry(
        code=30023,
        title="US A2P 10DLC: daily message cap reached",
        meaning="The brand has used up its daily allowance of messages with the carrier.",
        causes=("The day's segment cap for the brand was reached.",),
        remediation=(
            "Hold further sends until the cap resets at midnight US Pacific time, then resend.",
            "Send the most important messages (such as one-time codes) first.",
            "A higher brand vetting score raises the cap; review the registration in the Console.",
        ),
    ),
    CatalogEntry(
        code=30024,
        title="Numeric sender ID not provisioned on carrier",
        meaning="The sending number is not yet set up with the recipient's carrier.",
        causes=(
            "A newly registered 10DLC number still propagating to carriers.",
            "A short code or numeric sender that the carrier has not provisioned.",
        ),
        remediation=(
            "If the registration is new, wait and try again later.",
            "Send from another registered sender in the meantime.",
            _SUPPORT_WITH_SIDS,
        ),
    ),
    CatalogEntry(
        code=30025,
        title="US A2P 10DLC: 50% of T-Mobile daily message limit consumed",
        meaning="A warning: half of today's T-Mobile allowance for the brand is used. The message itself was sent.",
        causes=("Volume to T-Mobile subscribers reached 50% of the daily limit.",),
        remediation=(
            "No action is needed for this message.",
            "Plan the rest of the day's T-Mobile traffic; the limit resets at midnight US Pacific time.",
        ),
    ),
    CatalogEntry(
        code=30026,
        title="US A2P 10DLC: 70% of T-Mobile daily message limit consumed",
        meaning="A warning: 70% of today's T-Mobile allowance for the brand is used. The message itself was sent.",
        causes=("Volume to T-Mobile subscribers reached 70% of the daily limit.",),
        remediation=(
            "No action is needed for this message.",
            "Defer non-urgent sends to T-Mobile numbers until after midnight US Pacific time.",
        ),
    ),
    CatalogEntry(
        code=30027,
        title="US A2P 10DLC: T-Mobile daily message limit reached",
        meaning="Today's T-Mobile allowance for the brand is used up; further messages to T-Mobile will be filtered.",
        causes=("Volume to T-Mobile subscribers reached 100% of the daily limit.",),
        remediation=(
            "Stop sending to T-Mobile numbers until midnight US Pacific time, then resend what matters.",
            "Prioritise essential messages such as one-time codes.",
            "If this happens often, register (or re-vet) the brand to raise the limit.",
        ),
    ),
    CatalogEntry(
        code=30028,
        title="Invalid API version",
        meaning="The request used an API version the Messaging API does not accept.",
        causes=("A version other than 2010-04-01 or 2008-08-01 in the request path.",),
        remediation=("Send the request to the 2010-04-01 API, which the official SDKs use.",),
    ),
    CatalogEntry(
        code=30029,
        title="Invalid ContentRetention",
        meaning="The ContentRetention value is not accepted for this account.",
        causes=(
            "A value other than retain, discard or debug.",
            "Message privacy features are not enabled on the account.",
        ),
        remediation=("Use retain, discard or debug, and only once message privacy features are enabled.",),
    ),
    CatalogEntry(
        code=30030,
        title="Invalid AddressRetention",
        meaning="The AddressRetention value is not accepted for this account.",
        causes=("A value other than retain or obfuscate.", "Message privacy features are not enabled."),
        remediation=("Use retain or obfuscate, and only once message privacy features are enabled.",),
    ),
    CatalogEntry(
        code=30031,
        title="Invalid MaxRate",
        meaning="MaxRate must be a positive decimal number.",
        causes=("MaxRate is not a number, or is zero or negative.",),
        remediation=("Pass MaxRate as a number greater than zero, or leave it out.",),
    ),
    CatalogEntry(
        code=30032,
        title="Toll-free number has not been verified",
        meaning="A toll-free number sent to the US or Canada without completing toll-free verification.",
        causes=(
            "No toll-free verification was submitted, or it is still pending.",
            "The verification was rejected.",
        ),
        remediation=(
            "Submit (or fix and resubmit) toll-free verification for the number in the Console.",
            "Until it is approved, send from another verified or registered sender.",
        ),
    ),
    CatalogEntry(
        code=30033,
        title="US A2P 10DLC: campaign suspended",
        meaning="The message came from a number whose 10DLC campaign is suspended.",
        causes=("The campaign was suspended, usually over content or consent concerns.",),
        remediation=(
            "Stop sending from numbers in that campaign.",
            "Ask Twilio Support why it was suspended and what resolves it.",
            "Meanwhile use a sender registered to an active campaign.",
        ),
    ),
    CatalogEntry(
        code=30034,
        title="US A2P 10DLC: message from an unregistered number",
        meaning="A US 10DLC number that is not registered to an approved campaign sent to a US recipient.",
        causes=("The number was never added to a Messaging Service linked to an approved campaign.",),
        remediation=(
            "Register a brand and campaign, then add the number to that campaign's Messaging Service.",
            "numbers_list shows which numbers exist; check each one's registration in the Console.",
            "Until then, send from a verified toll-free number or a short code.",
        ),
    ),
    CatalogEntry(
        code=30035,
        title="US A2P 10DLC: message from a number still being configured",
        meaning="The number is queued to be registered to a 10DLC campaign, and that is not finished.",
        causes=("Registration of the number to its campaign is in progress.",),
        remediation=(
            "Wait for the registration to complete, then resend.",
            "Send from an already registered number in the meantime.",
        ),
        retryable=True,
    ),
)
