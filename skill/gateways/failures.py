"""The errors for a request that could not be sent, or that may or may not have been carried out.

Both gateways raise them, so an agent gets the same codes and the same advice whichever provider failed.
"""

from __future__ import annotations

from skill.errors import UpstreamError


def outcome_unknown(
    what: str,
    reason: str,
    *,
    provider: str,
    check: str,
    http_status: int | None = None,
    retry_after: float | None = None,
) -> UpstreamError:
    """A write that may have reached the provider: not retryable, since repeating it may do it twice.

    `check` is the provider's own step for finding out whether the write took effect; `http_status`
    and `retry_after` are the provider's answer when it gave one (a 5xx).
    """
    return UpstreamError(
        f"{what}: the request may or may not have reached {provider} ({reason}).",
        code="upstream.outcome_unknown",
        retryable=False,
        http_status=http_status,
        retry_after=retry_after,
        remediation=[
            "Do not resend blindly: the first request may have been carried out.",
            check,
            "Only if it did not, make the call again (with a new idempotency_key where the tool takes one).",
        ],
    )


def unreachable(what: str, reason: str, *, provider: str, host: str) -> UpstreamError:
    """A request that never reached the provider (`host` is its API host): safe to retry."""
    return UpstreamError(
        f"{what}: {provider} could not be reached ({reason}). Nothing was sent.",
        code="upstream.unreachable",
        retryable=True,
        remediation=[f"Check network access to {host}, then retry.", "Run `twilio-skill doctor`."],
    )
