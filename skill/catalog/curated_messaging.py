"""Curated entries: sending messages (request validation, senders, Messaging Services, rate guards)."""

from __future__ import annotations

from skill.catalog.entry import CatalogEntry

MESSAGING: tuple[CatalogEntry, ...] = (
    CatalogEntry(
        code=21408,
        title="Permission to send an SMS has not been enabled for the region of the 'To' number",
        meaning="The account's messaging geographic permissions do not allow SMS to the recipient's country.",
        causes=(
            "The destination country is switched off in Messaging geo permissions.",
            "A badly formatted number was read as belonging to another country.",
        ),
        remediation=(
            "Check the To number's country code; fix it if the country is not the one intended.",
            "Enable the country under Messaging > Settings > Geo permissions in the Twilio Console.",
            "Only enable countries you really send to; the setting guards against unexpected charges.",
        ),
    ),
    CatalogEntry(
        code=21602,
        title="Message body is required",
        meaning="The message had neither text nor media, so there was nothing to send.",
        causes=("Body is empty or missing and no MediaUrl (or content template) was given.",),
        remediation=("Send again with a non-empty Body, at least one MediaUrl, or both.",),
    ),
    CatalogEntry(
        code=21603,
        title="A 'From' or 'MessagingServiceSid' parameter is required to send a message",
        meaning="The message named no sender: neither a From number nor a Messaging Service.",
        causes=("Both From and MessagingServiceSid were left out.",),
        remediation=(
            "Pass From as a number the account owns (numbers_list), or an approved alphanumeric sender ID.",
            "Or pass MessagingServiceSid (MG...) and let the service pick the sender.",
        ),
    ),
    CatalogEntry(
        code=21604,
        title="The destination 'To' phone number is required to send an SMS",
        meaning="The message had no recipient.",
        causes=("The To parameter is missing or empty.",),
        remediation=("Pass To as an E.164 number (or a channel address such as whatsapp:+...).",),
    ),
    CatalogEntry(
        code=21606,
        title="The 'From' phone number is not a valid message-capable Twilio phone number for this destination",
        meaning="The sender cannot send messages to this recipient: it is not SMS-capable, not yours, or wrong here.",
        causes=(
            "The number is voice-only or otherwise not enabled for messaging.",
            "The number does not belong to this account, or is not in E.164 form.",
            "A short code used towards a country other than its own.",
        ),
        remediation=(
            "Check the sender's capabilities with numbers_list; messaging must be listed.",
            "If none fits, find an SMS-capable number with number_search and buy it.",
            "For international sends, also check Messaging geo permissions for the country.",
            "A short code only reaches numbers in its own country; use a local sender for others.",
        ),
    ),
    CatalogEntry(
        code=21608,
        title="The 'To' phone number is not yet verified for this account",
        meaning="A trial account may only message numbers it has verified, and this one is not.",
        causes=("The account is a trial account.", "The recipient was never added as a verified number."),
        remediation=(
            "Call account_get: kind 'Trial' confirms the restriction.",
            "Verify the recipient in the Twilio Console, or upgrade the account to message anyone.",
        ),
    ),
    CatalogEntry(
        code=21610,
        title="Attempt to send to unsubscribed recipient",
        meaning="The recipient has opted out (for example by texting STOP) of messages from this sender.",
        causes=("The person replied STOP or another opt-out keyword to this sender or service.",),
        remediation=(
            "Do not retry, and do not switch senders to get around the opt-out.",
            "Record the opt-out so later sends skip this person: optout_list shows the local suppression list.",
            "Sending resumes only after the person texts START (or another opt-in word) to the sender.",
            "Use optout_remove only once the person has opted in again and you have a record of it.",
        ),
    ),
    CatalogEntry(
        code=21611,
        title="This 'From' number has exceeded the maximum number of queued messages",
        meaning="The sender already has about four hours' worth of messages waiting, so no more are queued.",
        causes=(
            "A bulk send faster than the sender's throughput (a US long code sends about one segment a second).",
            "All traffic goes through a single sender.",
        ),
        remediation=(
            "Pause, and let the queue drain; messages_list with status 'queued' shows what is waiting.",
            "Send at a pace the sender can sustain.",
            "Spread volume over a Messaging Service with several senders, or a higher-throughput sender.",
        ),
        retryable=True,
    ),
    CatalogEntry(
        code=21612,
        title="The 'To' phone number is not currently reachable via SMS",
        meaning="There is no messaging route from this sender to this recipient.",
        causes=(
            "The recipient is a landline or a number type that cannot receive SMS.",
            "The sender type cannot reach the destination (for example across countries).",
        ),
        remediation=(
            "Confirm the recipient is a mobile number.",
            "Try a sender local to the recipient's country, ideally through a Messaging Service.",
        ),
    ),
    CatalogEntry(
        code=21614,
        title="'To' number is not a valid mobile number",
        meaning="The recipient is not a mobile number: it is likely a landline or is invalid.",
        causes=(
            "A landline number.",
            "An invalid or badly formatted number.",
            "An IoT or machine number in a format Twilio does not yet recognise.",
        ),
        remediation=(
            "Check the number type with the person or a lookup; landlines cannot take SMS.",
            "Rewrite the number in E.164 form.",
            "For landlines, use a voice call instead.",
        ),
    ),
    CatalogEntry(
        code=21617,
        title="The concatenated message body exceeds the 1600 character limit",
        meaning="The text is longer than the 1,600 characters one message may carry.",
        causes=("A body over 1,600 characters.",),
        remediation=(
            "Shorten the text, or split it into several messages sent in order.",
            "For long content, send a short text with a link.",
        ),
    ),
    CatalogEntry(
        code=21620,
        title="Invalid media URL(s)",
        meaning="At least one MediaUrl is malformed.",
        causes=("A URL without http:// or https://.", "Unencoded spaces or characters."),
        remediation=(
            "Give each MediaUrl in full with its scheme, URL-encoded.",
            "Check that the files are publicly reachable without login.",
        ),
    ),
    CatalogEntry(
        code=21621,
        title="The 'From' number has not been enabled for MMS",
        meaning="The sender cannot send picture messages.",
        causes=("The number has no MMS capability (common outside the US and Canada).",),
        remediation=(
            "Check the sender's capabilities with numbers_list.",
            "Send the media from an MMS-capable number, or send text with a link to the media.",
        ),
    ),
    CatalogEntry(
        code=21623,
        title="Number of media files exceeds allowed limit",
        meaning="The message carried more media files than allowed (ten per message).",
        causes=("More than ten MediaUrl values.",),
        remediation=("Send the media in several messages of at most ten files each.",),
    ),
    CatalogEntry(
        code=11751,
        title="Media message: media exceeds messaging provider size limit",
        meaning="The media on the message is larger than the channel allows (5 MB for MMS, 16 MB for WhatsApp).",
        causes=("Large images or video.", "Several files whose total size is over the limit."),
        remediation=(
            "Compress or resize the media.",
            "Spread several files over separate messages, or send a link instead.",
        ),
    ),
    CatalogEntry(
        code=21701,
        title="The Messaging Service does not exist",
        meaning="No Messaging Service with that SID exists in this account.",
        causes=("A mistyped MG SID.", "The service belongs to another account or subaccount, or was deleted."),
        remediation=(
            "Check the MessagingServiceSid (it starts with MG) in the Twilio Console.",
            "Call account_get to confirm which account is in use; the service may live in a subaccount.",
        ),
    ),
    CatalogEntry(
        code=21703,
        title="The Messaging Service does not have a phone number available to send a message",
        meaning="None of the service's senders can reach this recipient.",
        causes=(
            "A US or Canada recipient but no US or Canada number in the service.",
            "Only a short code, and the recipient is in another country.",
        ),
        remediation=(
            "Add a sender that can reach the recipient's country to the Messaging Service.",
            "numbers_list shows candidate numbers; number_search finds one to buy if none fit.",
        ),
    ),
    CatalogEntry(
        code=21704,
        title="The Messaging Service contains no phone numbers",
        meaning="The Messaging Service has no senders at all.",
        causes=("No number, short code or alphanumeric sender was ever added, or all were removed.",),
        remediation=(
            "Add at least one number or short code to the service, or enable an alphanumeric sender.",
            "numbers_list shows the account's numbers that could be added.",
        ),
    ),
    CatalogEntry(
        code=14107,
        title="SMS send rate limit exceeded",
        meaning="More than 15 replies went between the same two numbers within 30 seconds; Twilio stopped it.",
        causes=(
            "An auto-reply loop: your webhook answers your own messages, or two bots answer each other.",
            "A <Redirect> or action URL that points back at the same TwiML.",
            "A runaway script sending to one number.",
        ),
        remediation=(
            "Stop the sending job first.",
            "Look at the conversation with messages_list (filter by the two numbers) to find the loop.",
            "Make sure webhook handlers never reply to messages your own numbers sent.",
            "Resume only once the loop is fixed; the guard resets after 30 quiet seconds.",
        ),
        retryable=True,
    ),
    CatalogEntry(
        code=14108,
        title="From phone number not SMS capable",
        meaning="The sender named in a TwiML <Message> cannot send SMS.",
        causes=("The from attribute is a voice-only number or one the account does not own.",),
        remediation=(
            "Use an SMS-capable number of the account in <Message from=...>; numbers_list shows capabilities.",
            "Or leave from out so the number that received the message answers.",
        ),
    ),
)
