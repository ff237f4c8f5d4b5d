"""SendGrid email: send (refusing suppressed recipients), read templates, read and lift suppressions."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import anyio

from skill.core.context import Services
from skill.core.timeutil import iso_timestamp, unix_seconds
from skill.errors import InputError, PolicyError, SkillError

# Simple on purpose: one @, no spaces or brackets, a dotted domain. SendGrid has the last word.
EMAIL = re.compile(r"^[^@\s<>(),;:\"\[\]%]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")
MAX_RECIPIENTS = 1000
LOCAL_SCOPE = "email"  # scope of email addresses on the local suppression list
SUPPRESSION_KINDS = ("bounces", "blocks", "spam_reports", "invalid_emails", "global_unsubscribes")
# Kinds that record a person saying no; lifting them needs an operator (built-in policy rules).
CONSENT_KINDS = ("spam_reports", "global_unsubscribes")
LOOKUP_CONCURRENCY = 8
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
) -> list[str]:
    """Every local rule of a send, before any request or approval: the recipients, trimmed.

    Raises:
        InputError: an invalid address, no content, or too many recipients.
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
                if await services.sendgrid.is_suppressed(kind, address):
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
    custom_args: dict[str, str] | None,
    send_at: int | datetime | None,
) -> dict[str, Any]:
    """Send one email through SendGrid after the local checks and a lookup of SendGrid's suppressions.

    Raises:
        InputError: bad addresses or no content.
        PolicyError: policy.email_suppressed, naming the list; nothing was sent.
        UpstreamError: SendGrid refused the request (sendgrid.<status>).
    """
    recipients = check_send(
        services, to=to, cc=cc, bcc=bcc, from_=from_, reply_to=reply_to, subject=subject, text=text, html=html,
        template_id=template_id, dynamic_template_data=dynamic_template_data,
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
    scheduled = send_at if send_at is None or isinstance(send_at, int) else unix_seconds(send_at)
    if scheduled is not None:
        payload["send_at"] = scheduled
    sent = await services.sendgrid.send_mail(payload)
    return {
        "accepted": sent["status_code"] == 202,
        "status_code": sent["status_code"],
        "message_id": sent["message_id"],
        "recipients": len(recipients),
        "send_at": iso_timestamp(scheduled) if scheduled is not None else None,
    }


def _version(raw: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": raw.get("id"),
        "name": raw.get("name"),
        "subject": raw.get("subject"),
        "active": raw.get("active") == 1,
        "updated_at": raw.get("updated_at"),
    }


def public_template(raw: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": raw.get("id"),
        "name": raw.get("name"),
        "generation": raw.get("generation"),
        "updated_at": raw.get("updated_at"),
        "versions": [_version(v) for v in raw.get("versions") or [] if isinstance(v, dict)],
    }


async def list_templates(services: Services, *, generations: str, limit: int) -> list[dict[str, Any]]:
    raw = await services.sendgrid.list_templates(generations=generations, page_size=limit)
    return [public_template(item) for item in raw]


async def get_template(services: Services, template_id: str) -> dict[str, Any]:
    return public_template(await services.sendgrid.get_template(template_id))


def _suppression(raw: dict[str, Any]) -> dict[str, Any]:
    created = raw.get("created")
    return {
        "email": raw.get("email"),
        "created": iso_timestamp(float(created)) if created is not None else None,
        "reason": raw.get("reason"),
        "status": raw.get("status"),
        "ip": raw.get("ip"),
    }


async def list_suppressions(services: Services, *, kind: str, email: str | None, limit: int) -> list[dict[str, Any]]:
    raw = await services.sendgrid.list_suppressions(kind, email=email, limit=limit)
    return [_suppression(item) for item in raw if isinstance(item, dict)]


async def remove_suppression(services: Services, *, kind: str, email: str) -> dict[str, Any]:
    """Take an address off one of SendGrid's suppression lists; says whether it was on it.

    Raises:
        InputError: the address is not valid.
        UpstreamError: SendGrid refused (e.g. the key lacks the delete scope).
    """
    address = check_address(email, "email")
    was_listed = await services.sendgrid.is_suppressed(kind, address)
    if was_listed:
        await services.sendgrid.remove_suppression(kind, address)
    return {"kind": kind, "email": address, "was_listed": was_listed, "removed": was_listed}
