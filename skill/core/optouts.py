"""The local opt-out list for messages: who replied STOP or was added, and lifting it with consent."""

from __future__ import annotations

import json

from skill.core import phones
from skill.core.context import Services
from skill.core.email import LOCAL_SCOPE as EMAIL_SCOPE
from skill.core.timeutil import iso_timestamp
from skill.errors import InputError
from skill.records.approvals import Fact, Impact
from skill.records.messages import Optout, OptoutChange
from skill.records.page import CursorError, Page, Position, decode_cursor, encode_cursor, filters_digest


def opted_out(services: Services, phone: str, sender: str) -> bool:
    """Whether a message from `sender` on this account may not go to `phone`: opted out of every sender,
    of this sender, or (TWILIO_SKILL_OPTOUT_SCOPE=account) of this account."""
    suppressions = services.stores.suppressions
    return suppressions.is_suppressed(phone, scope=sender) or suppressions.is_suppressed(
        phone, scope=services.twilio.account_sid
    )


def _optout(row: dict[str, object]) -> Optout:
    created = row.get("created_at")
    return Optout(
        phone=str(row["phone"]),
        scope=str(row["scope"]),
        source=str(row["source"]),
        created_at=iso_timestamp(float(created)) if isinstance(created, int | float) else None,
    )


def list_optouts(services: Services, limit: int, cursor: str | None = None) -> Page[Optout]:
    """Recipients on the opt-out list, most recent first; email suppressions are not listed.

    Raises:
        InputError: the cursor is not one this list gave out.
    """
    after: tuple[float, str, str] | None = None
    if cursor:
        try:
            key = decode_cursor(cursor, {}).key
            created, phone, scope = json.loads(str(key))
            after = (float(created), str(phone), str(scope))
        except (CursorError, ValueError, TypeError):
            raise InputError(
                "The cursor is not one optout_list gave out.",
                code="input.invalid_cursor",
                remediation=["Pass next_cursor exactly as returned, or leave cursor out to start again."],
            ) from None
    rows = services.stores.suppressions.page(limit=limit + 1, after=after, exclude_scope=EMAIL_SCOPE)
    shown = rows[:limit]
    more = len(rows) > limit
    last = shown[-1] if shown else None
    next_cursor = None
    if more and last is not None:
        key = json.dumps([last["created_at"], last["phone"], last["scope"]])
        next_cursor = encode_cursor(Position(key=key, filters=filters_digest({})))
    return Page(items=[_optout(row) for row in shown], has_more=more, next_cursor=next_cursor)


def optout_address(services: Services, phone: str) -> str:
    """The number as the opt-out list keeps it (E.164, a channel prefix kept).

    Raises:
        InputError: input.invalid_phone.
    """
    return phones.normalize_address(phone, region=services.settings.default_region, field="phone")


def add_optout(services: Services, phone: str) -> OptoutChange:
    """Put a recipient on the opt-out list for every sender.

    Raises:
        InputError: input.invalid_phone.
    """
    address = optout_address(services, phone)
    added = services.stores.suppressions.add(address, source="tool")
    return OptoutChange(phone=address, changed=added, opted_out=True)


def remove_optout(services: Services, phone: str) -> OptoutChange:
    """Take a recipient off the opt-out list in every scope (all senders and single senders), so sends
    to them are allowed again; opted_out stays true while an entry still blocks them (e.g. one for the
    bare number of a WhatsApp address).

    Raises:
        InputError: input.invalid_phone.
    """
    address = optout_address(services, phone)
    suppressions = services.stores.suppressions
    rows = suppressions.page(limit=10_000, phones=(address,), exclude_scope=EMAIL_SCOPE)
    scopes = sorted({str(row["scope"]) for row in rows})
    removed = [scope for scope in scopes if suppressions.remove(address, scope=scope)]
    numbers = tuple(dict.fromkeys((address, phones.bare_number(address))))
    blocking = suppressions.page(limit=1, phones=numbers, exclude_scope=EMAIL_SCOPE)
    return OptoutChange(phone=address, changed=bool(removed), opted_out=bool(blocking))


def removal_impact(services: Services, phone: str) -> Impact:
    """What lifting a recipient's opt-out would undo: each entry with where it came from and when.

    Raises:
        InputError: input.invalid_phone; input.not_opted_out when nothing would change.
    """
    address = optout_address(services, phone)
    rows = services.stores.suppressions.page(limit=20, phones=(address,), exclude_scope=EMAIL_SCOPE)
    if not rows:
        raise InputError(
            f"{address} is not on the opt-out list; there is nothing to remove.",
            code="input.not_opted_out",
            remediation=["Check the number with optout_list; messages to it are already allowed."],
        )
    entries = [_optout(row) for row in rows]
    facts = [
        Fact(
            label="opted out" if entry.scope == "*" else f"opted out of {entry.scope}",
            value=f"{entry.created_at or 'at an unknown time'} ({entry.source})",
        )
        for entry in entries
    ]
    return Impact(
        resource=f"opt-out of {address}",
        facts=facts[:10],
        blast_radius=[Fact(label="messages allowed again to", value=address)],
        reversibility="reversible",
    )
