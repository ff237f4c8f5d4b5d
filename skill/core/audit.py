"""The account audit: one pass over the account that lists what should be fixed, most serious first.

Each check runs on its own; one that fails becomes an info finding and the others go on.
"""

from __future__ import annotations

import logging
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from functools import partial
from typing import Any

import anyio

from skill.catalog import brief
from skill.config import Settings
from skill.core.context import Services
from skill.core.monitor import group_by_code
from skill.core.timeutil import parse_iso, upstream_now
from skill.core.urls import WEB_SCHEMES, host_of, try_split
from skill.errors import SkillError
from skill.records.account_audit import SEVERITIES, AuditReport, CheckRun, Finding, Severity, SeverityCounts

log = logging.getLogger("twilio_skill.audit")

KEY_MAX_AGE_DAYS = 90
IDLE_DAYS = 90
SUBACCOUNT_LIMIT = 100
# Usage categories that mean real traffic (rented numbers alone cost money but are not traffic).
TRAFFIC_CATEGORIES = ("sms", "mms", "calls")
HOST_TIMEOUT = 2.0
RESOLVE_BUDGET = 5.0
# Error alerts of the last 24 hours counted at most; more are reported, not silently dropped.
ALERT_SCAN = 1000

# A resolver answers True (resolves), False (does not exist) or None (could not tell in time).
Resolver = Callable[[list[str]], Awaitable[dict[str, bool | None]]]


@dataclass(frozen=True)
class AuditContext:
    """What every check shares: the time on the upstream clock, the balance threshold, the DNS resolver."""

    now: datetime
    threshold: Decimal
    resolver: Resolver


def finding(
    check: str, severity: Severity, resource: str, text: str, remediation: list[str], fix_tool: str | None = None
) -> Finding:
    return Finding(
        check=check, severity=severity, resource=resource, finding=text, remediation=remediation, fix_tool=fix_tool
    )


async def resolve_host(
    host: str, *, timeout: float = HOST_TIMEOUT, lookup: Callable[..., Any] = socket.getaddrinfo
) -> bool | None:
    """Whether a host name resolves; never waits longer than timeout.

    Names under .invalid never resolve (RFC 2606), so they are answered without asking DNS.
    """
    name = host.lower().rstrip(".")
    if name == "invalid" or name.endswith(".invalid"):
        return False
    try:
        with anyio.fail_after(timeout):
            await anyio.to_thread.run_sync(partial(lookup, name, 443, type=socket.SOCK_STREAM), abandon_on_cancel=True)
    except TimeoutError:
        return None
    except socket.gaierror as exc:
        # Only "no such name" is an answer; a failing resolver says nothing about the host.
        return False if exc.errno in (socket.EAI_NONAME, getattr(socket, "EAI_NODATA", socket.EAI_NONAME)) else None
    except OSError:
        return None
    return True


async def resolve_hosts(hosts: list[str], *, budget: float = RESOLVE_BUDGET) -> dict[str, bool | None]:
    """Resolve several hosts at once, all within one time budget; unanswered ones map to None."""
    answers: dict[str, bool | None] = dict.fromkeys(hosts)
    limiter = anyio.CapacityLimiter(8)

    async def one(host: str) -> None:
        async with limiter:
            answers[host] = await resolve_host(host)

    with anyio.move_on_after(budget):
        async with anyio.create_task_group() as group:
            for host in hosts:
                group.start_soon(one, host)
    return answers


def auth_token_finding(settings: Settings) -> Finding | None:
    """Live mode on the account's auth token rather than an API key: a finding, else None."""
    if settings.mode != "live" or not settings.auth_token or (settings.api_key and settings.api_secret):
        return None
    return finding(
        "auth_method",
        "high",
        f"account {settings.account_sid}",
        "The skill authenticates with the account's auth token, which cannot be scoped or revoked on its own.",
        [
            "Create an API key with apikey_create (its secret goes to the local secret sink).",
            "Set TWILIO_API_KEY and TWILIO_API_SECRET from it, unset TWILIO_AUTH_TOKEN, and restart the skill.",
        ],
        "apikey_create",
    )


async def check_account_type(services: Services, context: AuditContext) -> list[Finding]:
    account = await services.twilio.accounts.get()
    if account.kind != "Trial":
        return []
    return [
        finding(
            "account_type",
            "medium",
            f"account {account.sid}",
            "This is a trial account: it can only reach verified numbers and its messages carry a trial prefix.",
            ["Upgrade the account in the Twilio Console (Billing) before sending to real customers."],
        )
    ]


async def check_auth_method(services: Services, context: AuditContext) -> list[Finding]:
    if services.scope is not None:
        return []  # another account is reached with the profile's own credentials, judged on its own audit
    found = auth_token_finding(services.settings)
    return [found] if found else []


async def check_key_age(services: Services, context: AuditContext) -> list[Finding]:
    cutoff = context.now - timedelta(days=KEY_MAX_AGE_DAYS)
    current = (services.settings.api_key or "").lower()
    out = []
    for key in await services.twilio.keys.all(1000):
        created = parse_iso(key.date_created)
        if created is None or created >= cutoff:
            continue
        sid = key.sid
        days = (context.now - created).days
        steps = [f"Rotate it with credentials_rotate(old_key_sid={sid}); the new secret goes to the secret sink."]
        if sid.lower() == current:
            steps.append("This is the skill's own key: restart the skill with the new key after rotating.")
        text = f"API key '{key.friendly_name or sid}' is {days} days old (over {KEY_MAX_AGE_DAYS})."
        out.append(finding("api_key_age", "medium", f"key {sid}", text, steps, "credentials_rotate"))
    return out


def _webhook_problem(url: str | None, resolved: dict[str, bool | None], mode: str) -> tuple[Severity, str] | None:
    if not url:
        return "low", "is empty"
    parts = try_split(url)
    if parts is None or parts.scheme not in WEB_SCHEMES or not parts.hostname:
        return "high", "is not an absolute http(s) URL Twilio can call"
    if resolved.get(parts.hostname) is False:
        return "high", f"points at {parts.hostname}, which does not resolve"
    if parts.scheme == "http":
        return ("high" if mode == "live" else "medium"), "uses plain http"
    return None


async def check_number_webhooks(services: Services, context: AuditContext) -> list[Finding]:
    numbers = await services.twilio.numbers.all(1000)
    hooks = [(n, field, getattr(n, field) or None) for n in numbers for field in ("sms_url", "voice_url")]
    hosts = sorted({h for _, _, url in hooks if url and (h := host_of(url))})
    resolved = await context.resolver(hosts) if hosts else {}
    out = []
    for number, field, url in hooks:
        problem = _webhook_problem(url, resolved, services.settings.mode)
        if problem is None:
            continue
        severity, what = problem
        label = "SMS" if field == "sms_url" else "voice"
        phone, sid = number.phone_number, number.sid
        effect = "incoming messages go unanswered" if label == "SMS" else "incoming calls cannot be answered"
        out.append(
            finding(
                "number_webhooks",
                severity,
                f"number {phone} ({sid})",
                f"The {label} webhook of {phone} {what}, so {effect}.",
                [f"Set an https {field} that answers with TwiML, using number_configure(sid={sid}, {field}=...)."],
                "number_configure",
            )
        )
    return out


async def check_service_callbacks(services: Services, context: AuditContext) -> list[Finding]:
    out = []
    for service in (await services.twilio.messaging_services.list(limit=200)).items:
        if service.status_callback:
            continue
        sid = service.sid
        out.append(
            finding(
                "messaging_service_callbacks",
                "low",
                f"messaging service {sid} ({service.friendly_name})",
                "The messaging service has no status callback, so delivery failures are only seen by polling.",
                [f"Set status_callback on {sid} to an https URL that records delivery statuses."],
                "messaging_service_update",
            )
        )
    return out


async def check_campaigns(services: Services, context: AuditContext) -> list[Finding]:
    from skill.core.compliance import compliance_status

    report = await compliance_status(services)
    out = []
    for item in report.findings:
        if item.code != "a2p.unregistered_number":
            continue
        out.append(
            finding(
                "us_campaigns",
                "high",
                f"number {item.subject}",
                item.message,
                list(item.remediation) or ["Add it to a Messaging Service with a VERIFIED campaign."],
                "messaging_service_sender_add",
            )
        )
    return out


async def check_balance(services: Services, context: AuditContext) -> list[Finding]:
    balance = await services.twilio.accounts.get_balance()
    try:
        amount = Decimal(str(balance.balance))
    except InvalidOperation:
        return []
    threshold = context.threshold
    if amount >= threshold:
        return []
    currency = balance.currency or ""
    return [
        finding(
            "balance",
            "high" if amount <= 0 else "medium",
            f"account {balance.account_sid or services.twilio.account_sid}",
            f"The balance is {amount} {currency}, under the threshold of {threshold}; sends stop when it runs out.",
            [
                "Add funds or turn on auto-recharge in the Twilio Console (Billing).",
                "Set a spend alarm with usage_trigger_create(usage_category=totalprice, trigger_by=price).",
            ],
        )
    ]


async def check_recent_errors(services: Services, context: AuditContext) -> list[Finding]:
    since = context.now - timedelta(hours=24)
    page = await services.twilio.monitor.alerts(log_level="error", start_date=since, limit=ALERT_SCAN)
    out = []
    for group in group_by_code(page.items, services):
        code, count = group.error_code, group.count
        explained = brief(code, services.settings)
        title = group.title or f"error {code}"
        steps = [f"See them with alerts_list(error_code={code}) and open one with alert_get."]
        steps.extend(explained.remediation)
        text = f"{count} error alert(s) with code {code} ({title}) in the last 24 hours."
        if group.meaning:
            text += f" {group.meaning}"
        out.append(finding("recent_errors", "high" if count >= 10 else "medium", f"error {code}", text, steps))
    if page.has_more:
        out.append(
            finding(
                "recent_errors",
                "info",
                "alerts",
                f"Only the latest {ALERT_SCAN} error alerts of the last 24 hours were counted.",
                ["Count the rest with alerts_list(log_level=error, group_by_code=true) and its next_cursor."],
            )
        )
    return out


def _count(value: Any) -> Decimal:
    try:
        return Decimal(str(value)) if value not in (None, "") else Decimal(0)
    except InvalidOperation:
        return Decimal(0)


async def check_idle_subaccounts(services: Services, context: AuditContext) -> list[Finding]:
    parent = services.twilio.account_sid
    listed = await services.twilio.accounts.all(status="active", limit=SUBACCOUNT_LIMIT + 2)
    # The Accounts list answers the caller's whole tree; a subaccount's own subaccounts are those it owns.
    subaccounts = [a for a in listed if a.sid != parent and a.owner_account_sid in (None, parent)]
    out = []
    end = context.now.date()
    start = end - timedelta(days=IDLE_DAYS)
    for account in subaccounts[:SUBACCOUNT_LIMIT]:
        sid = account.sid
        records = await services.twilio.usage.records(start_date=start, end_date=end, account_sid=sid)
        traffic = sum((_count(r.count) for r in records if r.category in TRAFFIC_CATEGORIES), Decimal(0))
        if traffic:
            continue
        out.append(
            finding(
                "idle_subaccounts",
                "low",
                f"subaccount {sid} ({account.friendly_name})",
                f"The subaccount is active but sent or received no SMS, MMS or calls in {IDLE_DAYS} days.",
                [
                    "Check with its owner whether it is still needed.",
                    f"Suspend it with subaccount_set_status(sid={sid}, status=suspended); closing is permanent.",
                ],
                "subaccount_set_status",
            )
        )
    if len(subaccounts) > SUBACCOUNT_LIMIT:
        out.append(
            finding(
                "idle_subaccounts",
                "info",
                "subaccounts",
                f"Only the first {SUBACCOUNT_LIMIT} active subaccounts were checked for traffic.",
                ["List the rest with subaccounts_list and check their usage with usage_summary."],
            )
        )
    return out


Check = Callable[[Services, AuditContext], Awaitable[list[Finding]]]
CHECKS: tuple[tuple[str, Check], ...] = (
    ("account_type", check_account_type),
    ("auth_method", check_auth_method),
    ("api_key_age", check_key_age),
    ("number_webhooks", check_number_webhooks),
    ("messaging_service_callbacks", check_service_callbacks),
    ("us_campaigns", check_campaigns),
    ("balance", check_balance),
    ("recent_errors", check_recent_errors),
    ("idle_subaccounts", check_idle_subaccounts),
)
NOTES = (
    "Idle subaccounts are judged by their SMS, MMS and call usage records over the last 90 days.",
    "US long codes are checked against A2P 10DLC campaigns as compliance_status reports them.",
)


async def run_audit(services: Services, *, balance_threshold: Decimal, resolver: Resolver | None = None) -> AuditReport:
    """Run every check; a check that fails is reported as an info finding and the rest go on."""
    context = AuditContext(
        now=datetime.fromtimestamp(upstream_now(services), UTC),
        threshold=balance_threshold,
        resolver=resolver or resolve_hosts,
    )
    findings: list[Finding] = []
    checks: list[CheckRun] = []
    for name, check in CHECKS:
        try:
            found = await check(services, context)
        except SkillError as exc:
            reason = f"{exc.code}: {exc.message}"
        except Exception as exc:
            log.exception("audit check %s failed", name)
            reason = f"unexpected {exc.__class__.__name__}"
        else:
            findings.extend(found)
            checks.append(CheckRun(check=name, ok=True, findings=len(found)))
            continue
        checks.append(CheckRun(check=name, ok=False, findings=1))
        findings.append(
            finding(
                name,
                "info",
                "audit",
                f"check {name} could not run: {reason}",
                ["Fix the cause (often credentials that may not read this resource), then run account_audit again."],
            )
        )
    findings.sort(key=lambda f: SEVERITIES.index(f.severity))
    counts = SeverityCounts(**{severity: sum(1 for f in findings if f.severity == severity) for severity in SEVERITIES})
    return AuditReport(findings=findings, counts=counts, checks=checks, notes=list(NOTES))


async def run_fleet_audit(
    accounts: list[tuple[str | None, Services]], *, balance_threshold: Decimal, resolver: Resolver | None = None
) -> AuditReport:
    """The audit of each account, in one report: every finding and check run carries its account."""
    findings: list[Finding] = []
    checks: list[CheckRun] = []
    for name, scoped in accounts:
        label = f"{name} ({scoped.twilio.account_sid})" if name else scoped.twilio.account_sid
        one = await run_audit(scoped, balance_threshold=balance_threshold, resolver=resolver)
        findings.extend(item.model_copy(update={"account": label}) for item in one.findings)
        checks.extend(item.model_copy(update={"account": label}) for item in one.checks)
    findings.sort(key=lambda f: SEVERITIES.index(f.severity))
    counts = SeverityCounts(**{severity: sum(1 for f in findings if f.severity == severity) for severity in SEVERITIES})
    return AuditReport(findings=findings, counts=counts, checks=checks, notes=list(NOTES))
