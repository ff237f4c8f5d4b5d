"""SendGrid email: send (refusing suppressed recipients), read templates, read and lift suppressions,
and what a gated send or suppression removal would do (its impact)."""

from __future__ import annotations

import math
import re
from datetime import datetime
from typing import Any

import anyio

from skill.core.context import Services
from skill.core.timeutil import as_utc, iso_timestamp, parse_iso, unix_seconds
from skill.errors import InputError, NotFoundError, PolicyError, SkillError
from skill.records.approvals import Fact, Impact
from skill.records.email import EmailSent, Suppression, SuppressionRemoval, Template
from skill.records.page import Page

# Simple on purpose: one @, no spaces or brackets, a dotted domain. SendGrid has the last word.
EMAIL = re.compile(r"^[^@\s<>(),;:\"\[\]%]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")
MAX_RECIPIENTS = 1000
LOCAL_SCOPE = "email"  # scope of email addresses on the local suppression list
SUPPRESSION_KINDS = ("bounces", "blocks", "spam_reports", "invalid_emails", "global_unsubscribes")
# Kinds that record a person saying no; lifting them needs an operator (built-in policy rules).
CONSENT_KINDS = ("spam_reports", "global_unsubscribes")
LOOKUP_CONCURRENCY = 8
# SendGrid cannot filter templates by date: at most this many are looked through per call.
DATE_SCAN = 1000
REASONS = {
    "bounces": "its mail bounced (the address may not exist)",
    "blocks": "the receiving server blocked mail to it",
    "spam_reports": "the person marked an earlier email as spam",
    "invalid_emails": "SendGrid found the address invalid",
    "global_unsubscribes": "the person unsubscribed from all email",
}


def check_address(value: str, field: str) -> str:
    """The address, trimmed.

    Raises:
        InputError: input.invalid_email when it does not look like an email address.
    """
    address = value.strip()
    if not EMAIL.match(address):
        raise InputError(
            f"{field}: {value!r} is not a valid email address. Nothing was sent.",
            code="input.invalid_email",
            remediation=[f"Give {field} as a plain address like name@example.com (no display name or brackets)."],
        )
    return address


def check_send(
    services: Services,
    *,
    to: list[str],
    cc: list[str],
    bcc: list[str],
    from_: str,
    reply_to: str | None,
    subject: str | None,
    text: str | None,
    html: str | None,
    template_id: str | None,
    dynamic_template_data: dict[str, Any] | None,
    custom_args: dict[str, Any] | None = None,
) -> list[str]:
    """Every local rule of a send, before any request or approval: the recipients, trimmed.

    Raises:
        InputError: an invalid address, no content, too many recipients, custom_args not all strings.
        PolicyError: policy.email_suppressed when a recipient is on the local suppression list.
    """
    recipients = [check_address(a, f"{name}[{i}]") for name, group in (("to", to), ("cc", cc), ("bcc", bcc))
                  for i, a in enumerate(group)]  # fmt: skip
    check_address(from_, "from")
    if reply_to:
        check_address(reply_to, "reply_to")
    if not to:
        raise InputError("Give at least one address in 'to'.", code="input.recipient_required")
    if len(recipients) > MAX_RECIPIENTS:
        raise InputError(
            f"{len(recipients)} recipients; SendGrid takes at most {MAX_RECIPIENTS} per email.",
            code="input.too_many_recipients",
            remediation=[f"Split the recipients into sends of {MAX_RECIPIENTS} or fewer."],
        )
    if dynamic_template_data and not template_id:
        raise InputError(
            "dynamic_template_data only applies with a template_id.",
            code="input.template_required",
            remediation=["Add template_id (see email_templates_list), or leave dynamic_template_data out."],
        )
    not_text = sorted(key for key, value in (custom_args or {}).items() if not isinstance(value, str))
    if not_text:
        raise InputError(
            f"custom_args values must be strings; not so for {', '.join(not_text[:5])}.",
            code="input.invalid",
            remediation=['Give custom_args as a JSON object of strings, e.g. {"order": "1234"}.'],
        )
    if not template_id and not (subject and (text or html)):
        raise InputError(
            "An email needs a subject and content (text, html or both), or a template_id. Nothing was sent.",
            code="input.content_required",
            remediation=[
                "Pass subject with text and/or html, or",
                "pass template_id (see email_templates_list) with dynamic_template_data.",
            ],
        )
    for address in recipients:
        if services.stores.suppressions.is_suppressed(address.lower(), scope=LOCAL_SCOPE):
            raise _suppressed(address, "it is on the local suppression list", local=True)
    return recipients


def _suppressed(address: str, reason: str, *, local: bool = False, kind: str | None = None) -> PolicyError:
    steps = ["Do not send to this address; remove it from the recipients and send to the others."]
    if local:
        steps.append("An operator keeps the local list; lift it only with the person's consent on record.")
    elif kind in CONSENT_KINDS:
        steps.append("Only with the person's renewed consent, email_suppression_remove lifts it (needs approval).")
    elif kind is not None:
        steps.append(f"If the address works again, email_suppression_remove with kind={kind} lifts it.")
    return PolicyError(
        f"{address} is suppressed: {reason}. Nothing was sent.",
        code="policy.email_suppressed",
        remediation=steps,
    )


async def _refuse_sendgrid_suppressed(services: Services, recipients: list[str]) -> None:
    """Look every recipient up on SendGrid's suppression lists; raise for the first one found."""
    found: list[tuple[int, str, str]] = []
    failures: list[SkillError] = []
    limiter = anyio.CapacityLimiter(LOOKUP_CONCURRENCY)

    async def look(index: int, address: str, kind: str) -> None:
        async with limiter:
            if failures:
                return
            try:
                if await services.sendgrid.find_suppression(kind, address) is not None:
                    found.append((index, kind, address))
            except SkillError as exc:  # kept, so the caller gets one error rather than a group
                failures.append(exc)

    unique = list(dict.fromkeys(a.lower() for a in recipients))
    async with anyio.create_task_group() as group:
        for index, address in enumerate(unique):
            for kind in SUPPRESSION_KINDS:
                group.start_soon(look, index, address, kind)
    if failures:
        error = failures[0]
        if error.http_status in (401, 403):
            error.remediation.append(
                "email_send needs mail.send (Mail Send) and read access to Suppressions, "
                "which it checks every recipient against first."
            )
        raise error
    if found:
        index, kind, address = min(found, key=lambda f: (f[0], SUPPRESSION_KINDS.index(f[1])))
        raise _suppressed(address, f"it is on SendGrid's {kind} list ({REASONS[kind]})", kind=kind)


async def send_email(
    services: Services,
    *,
    to: list[str],
    cc: list[str],
    bcc: list[str],
    from_: str,
    reply_to: str | None,
    subject: str | None,
    text: str | None,
    html: str | None,
    template_id: str | None,
    dynamic_template_data: dict[str, Any] | None,
    categories: list[str] | None,
    custom_args: dict[str, Any] | None,
    send_at: datetime | None,
) -> EmailSent:
    """Send one email through SendGrid after the local checks and a lookup of SendGrid's suppressions.

    Raises:
        InputError: bad addresses or no content.
        PolicyError: policy.email_suppressed, naming the list; nothing was sent.
        UpstreamError: SendGrid refused the request (sendgrid.<status>).
    """
    recipients = check_send(
        services, to=to, cc=cc, bcc=bcc, from_=from_, reply_to=reply_to, subject=subject, text=text, html=html,
        template_id=template_id, dynamic_template_data=dynamic_template_data, custom_args=custom_args,
    )  # fmt: skip
    await _refuse_sendgrid_suppressed(services, recipients)
    personalization: dict[str, Any] = {"to": [{"email": a.strip()} for a in to]}
    if cc:
        personalization["cc"] = [{"email": a.strip()} for a in cc]
    if bcc:
        personalization["bcc"] = [{"email": a.strip()} for a in bcc]
    if dynamic_template_data:
        personalization["dynamic_template_data"] = dynamic_template_data
    payload: dict[str, Any] = {"personalizations": [personalization], "from": {"email": from_.strip()}}
    if reply_to:
        payload["reply_to"] = {"email": reply_to.strip()}
    if subject:
        payload["subject"] = subject
    content = [{"type": kind, "value": value} for kind, value in (("text/plain", text), ("text/html", html)) if value]
    if content:
        payload["content"] = content
    if template_id:
        payload["template_id"] = template_id
    if categories:
        payload["categories"] = categories
    if custom_args:
        payload["custom_args"] = custom_args
    scheduled = unix_seconds(send_at) if send_at is not None else None
    if scheduled is not None:
        payload["send_at"] = scheduled
    sent = await services.sendgrid.send_mail(payload)
    return EmailSent(
        accepted=sent.status_code == 202,
        status_code=sent.status_code,
        message_id=sent.message_id,
        recipients=len(recipients),
        send_at=iso_timestamp(scheduled) if scheduled is not None else None,
    )


async def send_impact(
    services: Services, *, from_: str, recipients: int, subject: str | None, template_id: str | None
) -> Impact:
    """What a gated send would do; a template it names must exist, so no approval is asked for a send
    that SendGrid would refuse.

    Raises:
        UpstreamError: sendgrid.404 when the template does not exist.
    """
    facts = [Fact(label="from", value=from_)]
    if template_id:
        template = await services.sendgrid.get_template(template_id)
        active = next((v for v in template.versions if v.active), None)
        facts.append(Fact(label="template", value=f"{template.name} ({template.sid})"))
        if active is not None and active.subject:
            facts.append(Fact(label="subject (active version)", value=active.subject))
    elif subject:
        facts.append(Fact(label="subject", value=subject))
    return Impact(
        resource=f"an email from {from_} to {recipients} recipient(s)",
        facts=facts,
        blast_radius=[Fact(label="recipients", value=f"{recipients} address(es) in to, cc and bcc")],
        reversibility="not reversible",
    )


def _changed_between(after: datetime | None, before: datetime | None, template: Template) -> bool:
    changed = parse_iso(template.updated_at)
    if changed is None:
        return False
    return (after is None or changed >= as_utc(after)) and (before is None or changed < as_utc(before))


async def list_templates(
    services: Services,
    *,
    after: datetime | None,
    before: datetime | None,
    limit: int,
    cursor: str | None,
) -> Page[Template]:
    """Templates of both generations (dynamic and legacy), most recently changed first. SendGrid has no
    date filter here, so after/before are matched on updated_at over at most DATE_SCAN templates per
    call (the page says how many it scanned).

    Raises:
        InputError: the cursor is not one of ours, or was made for other filters.
        UpstreamError: SendGrid refused.
    """
    dated = after is not None or before is not None
    return await services.sendgrid.list_templates(
        limit=limit,
        cursor=cursor,
        keep=(lambda template: _changed_between(after, before, template)) if dated else None,
        scan=DATE_SCAN,
        kept_by={"after": as_utc(after) if after else None, "before": as_utc(before) if before else None},
    )


async def get_template(services: Services, template_id: str) -> Template:
    """Raises:
    UpstreamError: sendgrid.404 when there is no such template.
    """
    return await services.sendgrid.get_template(template_id)


async def list_suppressions(
    services: Services,
    *,
    kind: str,
    email: str | None,
    after: datetime | None,
    before: datetime | None,
    limit: int,
    cursor: str | None,
) -> Page[Suppression]:
    """One SendGrid suppression list, newest first; after/before are SendGrid's start_time/end_time.

    Raises:
        InputError: the cursor is not one of ours, or was made for other filters.
        UpstreamError: SendGrid refused.
    """
    # SendGrid's times are whole seconds and both ends inclusive; before is exclusive here.
    start = math.ceil(as_utc(after).timestamp()) if after else None
    end = math.ceil(as_utc(before).timestamp()) - 1 if before else None
    return await services.sendgrid.list_suppressions(
        kind, email=email, start_time=start, end_time=end, limit=limit, cursor=cursor
    )


async def suppression_impact(services: Services, *, kind: str, email: str) -> Impact:
    """What lifting a suppression would do; the address must be on the list.

    Raises:
        InputError: the address is not valid.
        NotFoundError: not_found.suppression when the address is not on that list.
        UpstreamError: SendGrid refused the lookup.
    """
    address = check_address(email, "email")
    entry = await services.sendgrid.find_suppression(kind, address)
    if entry is None:
        raise NotFoundError(
            f"{address} is not on SendGrid's {kind} list; there is nothing to remove.",
            code="not_found.suppression",
            remediation=[f"Check the list with email_suppressions_list (kind={kind}, email={address})."],
        )
    return Impact(
        resource=f"{entry.email} on SendGrid's {kind} list",
        facts=[
            Fact(label="list", value=f"{kind}: {REASONS[kind]}"),
            Fact(label="added", value=entry.created or "unknown"),
        ],
        blast_radius=[Fact(label="email", value=f"sends to {entry.email} are no longer held back")],
        reversibility="reversible",
    )


async def remove_suppression(services: Services, *, kind: str, email: str) -> SuppressionRemoval:
    """Take an address off one of SendGrid's suppression lists; says whether it was on it.

    Raises:
        InputError: the address is not valid.
        UpstreamError: SendGrid refused (e.g. the key lacks the delete scope).
    """
    address = check_address(email, "email")
    was_listed = await services.sendgrid.find_suppression(kind, address) is not None
    if was_listed:
        await services.sendgrid.remove_suppression(kind, address)
    return SuppressionRemoval(kind=kind, email=address, was_listed=was_listed, removed=was_listed)
