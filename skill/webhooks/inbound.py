"""Inbound SMS keywords: STOP and friends opt out, START and friends opt back in, HELP answers.

Only a message that is the keyword alone counts (trimmed, any case), as carriers and Twilio's
own opt-out handling do: "please stop texting me at night" is an ordinary message.
"""

from __future__ import annotations

import re
from typing import Literal
from xml.sax.saxutils import escape

Keyword = Literal["stop", "start", "help"]

ACCOUNT_SID = re.compile(r"^AC[0-9a-fA-F]{32}$")
STOP_WORDS = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT"})
START_WORDS = frozenset({"START", "YES", "UNSTOP"})
HELP_WORDS = frozenset({"HELP", "INFO"})

EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'


def keyword_of(body: str | None) -> Keyword | None:
    """The opt-out keyword a message consists of, or None for any other message."""
    word = (body or "").strip().upper()
    if word in STOP_WORDS:
        return "stop"
    if word in START_WORDS:
        return "start"
    if word in HELP_WORDS:
        return "help"
    return None


def reply_text(keyword: Keyword | None, help_text: str) -> str | None:
    """What to answer the sender, or None to answer nothing.

    STOP and START get no reply of ours: Twilio confirms them itself, and a message to someone who
    just opted out would be refused (21610) anyway.
    """
    if keyword == "help":
        return help_text or None
    return None


def twiml_message(text: str | None) -> str:
    """A TwiML document that replies with `text`, or an empty <Response/> when there is nothing to say."""
    if not text:
        return EMPTY_TWIML
    return f'<?xml version="1.0" encoding="UTF-8"?><Response><Message>{escape(text)}</Message></Response>'


def optout_scope(
    scope_setting: str, *, to: str | None, messaging_service_sid: str | None, account_sid: str | None = None
) -> str:
    """The suppression scope of an opt-out: '*' (every sender), the service/number it was sent to, or the
    account it was sent to (every sender of that account); '*' whenever the narrower one is unknown."""
    if scope_setting == "sender":
        return messaging_service_sid or to or "*"
    if scope_setting == "account":
        return account_sid if isinstance(account_sid, str) and ACCOUNT_SID.match(account_sid) else "*"
    return "*"
