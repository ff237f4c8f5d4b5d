"""Idempotency keys for sends: one message per key, even across an unknown outcome.

A key is claimed before the message is created. When the create ends with an unknown outcome (the
request may have reached Twilio), the key stays claimed. A repeat with the same key then looks for
what the first attempt did: it lists recent messages to the same recipient (Twilio filters by To;
the date, the sender or messaging service and the body are matched here, since Twilio's DateSent
stays empty while a message is queued and a messaging-service send has no From at first). Found,
the key is completed with that message and it is returned as a replay. Not found, a miss right
away proves nothing (Twilio's lists can lag), so the key is held through a grace period; after
it, the first attempt is taken not to have happened, its count is given back, and the repeat sends.
The search pages back through every message to the recipient since the claim (a busy recipient may
have had many since): a first attempt is taken not to have happened only when all were looked at.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from skill.core.context import Services
from skill.errors import InputError, SkillError
from skill.records.messages import Message

GRACE_SECONDS = 60.0  # how long an unfound first attempt is still waited for
SLACK_SECONDS = 5.0  # clock difference allowed between our claim and Twilio's date_created
RECONCILE_PAGE = 1000  # messages to the recipient read per request while looking for a first attempt
RECONCILE_MAX = 5000  # most messages looked through; past it, a miss proves nothing


def body_digest(body: str | None) -> str:
    return hashlib.sha256((body or "").encode()).hexdigest()


@dataclass(frozen=True)
class SendKey:
    key: str
    tool: str
    profile: str
    digest: str  # of the whole request: a key reused for another message is refused


def _created_at(message: Message) -> float | None:
    raw = message.date_created
    if not raw:
        return None
    try:
        return datetime.fromisoformat(raw.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def _matches(message: Message, request: dict[str, Any], since: float) -> bool:
    created = _created_at(message)
    if created is None or created < since:
        return False
    if request.get("messaging_service_sid"):
        if message.messaging_service_sid != request["messaging_service_sid"]:
            return False
    elif message.from_ != request.get("from"):
        return False
    return body_digest(message.body) == body_digest(request.get("body"))


@dataclass(frozen=True)
class Search:
    """What looking for a first attempt found, and whether a miss means it never happened."""

    found: Message | None
    complete: bool  # every message to the recipient since the claim was looked at


async def find_sent(services: Services, request: dict[str, Any], claimed_at: float) -> Search:
    """The message a first attempt created, if Twilio lists one.

    Raises:
        UpstreamError: Twilio could not be asked.
    """
    # The claim's age on our clock, measured back from the upstream clock's now (they may differ).
    age = max(0.0, services.clock.now() - claimed_at)
    since = services.upstream_clock.now() - age - SLACK_SECONDS
    cursor: str | None = None
    scanned = 0
    while True:
        page = await services.twilio.messages.list(to=request["to"], limit=RECONCILE_PAGE, cursor=cursor)
        found = next((message for message in page.items if _matches(message, request, since)), None)
        if found is not None:
            return Search(found, complete=True)
        scanned += len(page.items)
        # Lists are newest first: a page made only of messages older than the claim ends the search.
        older = [_created_at(message) for message in page.items]
        if not page.has_more or not page.next_cursor or all(t is not None and t < since for t in older):
            return Search(None, complete=True)
        if scanned >= RECONCILE_MAX:
            return Search(None, complete=False)
        cursor = page.next_cursor


def _in_progress(wait: float) -> InputError:
    return InputError(
        "A message with this idempotency_key is being sent, or its first attempt ended with an unknown outcome "
        "and Twilio does not list it yet. Nothing more was sent.",
        code="input.idempotency_in_progress",
        retryable=True,
        remediation=[
            f"Repeat the same call in {max(1, round(wait))} seconds: by then the first attempt is found and "
            "returned, or known not to have happened and sent once.",
            "Do not send it with a new idempotency_key meanwhile: that could send it twice.",
        ],
    )


def _unchecked(cause: SkillError) -> InputError:
    return InputError(
        "The first attempt with this idempotency_key is unaccounted for, and Twilio could not be asked about it "
        f"just now ({cause.message[:200]}). Nothing more was sent.",
        code="input.idempotency_in_progress",
        retryable=True,
        remediation=[
            "Repeat the same call in a few seconds: the first attempt is then looked for again.",
            "Do not send it with a new idempotency_key meanwhile: that could send it twice.",
        ],
    )


def _conflict() -> InputError:
    return InputError(
        "This idempotency_key was already used for a message with other arguments. Nothing was sent.",
        code="input.idempotency_conflict",
        remediation=[
            "Use a new idempotency_key for a different message.",
            "To get the first result back, repeat the original arguments exactly.",
        ],
    )


async def send_once(
    services: Services,
    key: SendKey,
    request: dict[str, Any],
    create: Callable[[], Awaitable[Message]],
) -> tuple[Message, bool]:
    """Create the message unless this key already did; (message, replayed).

    Raises:
        InputError: the key is in use for other arguments, or its first attempt is still unaccounted for.
        UpstreamError: Twilio refused the message, or its outcome is unknown (the key stays held).
    """
    keys = services.stores.idempotency
    earlier = keys.claim(key.key, key.tool, key.profile, key.digest)
    if earlier is not None:
        earlier_digest, earlier_result, claimed_at = earlier
        if earlier_digest != key.digest:
            raise _conflict()
        if earlier_result is not None:
            return Message.model_validate(earlier_result), True
        try:
            search = await find_sent(services, request, claimed_at)
        except SkillError as exc:
            # Only a lookup failed: this attempt sent nothing, and says so (its daily count is given back).
            raise _unchecked(exc) from None
        if search.found is not None:
            found = search.found
            keys.complete(key.key, key.tool, key.profile, found.model_dump(mode="json", by_alias=True))
            return found, True
        waited = services.clock.now() - claimed_at
        if (
            waited < GRACE_SECONDS
            or not search.complete
            or not keys.takeover(key.key, key.tool, key.profile, claimed_at)
        ):
            raise _in_progress(GRACE_SECONDS - waited)
        # The first attempt never reached Twilio: the daily count it kept is given back, since this
        # attempt is counted in its place.
        services.stores.send_counter.release(key.profile, key.tool)
    try:
        message = await create()
    except SkillError as exc:
        if exc.code != "upstream.outcome_unknown":
            keys.release(key.key, key.tool, key.profile)  # nothing went out: a corrected retry may use it
        raise
    keys.complete(key.key, key.tool, key.profile, message.model_dump(mode="json", by_alias=True))
    return message, False
