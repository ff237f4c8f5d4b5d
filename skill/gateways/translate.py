"""From the Twilio SDK's objects and exceptions to ours: resources as plain dicts under the API's own
names (which records are made from), and refusals as UpstreamError."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from skill.errors import UpstreamError, twilio_docs_url


def to_plain(value: Any) -> Any:
    """SDK values (datetimes, decimals, nested instances) as JSON-ready values."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {key: to_plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [to_plain(item) for item in value]
    return value


def record(instance: Any) -> dict[str, Any]:
    """An SDK resource instance as a dict of its API properties, under the API's own names."""
    out: dict[str, Any] = {}
    for name, value in vars(instance).items():
        # `from` is a keyword: most instances keep it as `from_`, a Call keeps it as `_from`.
        if name in ("from_", "_from"):
            out["from"] = to_plain(value)
        elif not name.startswith("_"):
            out[name] = to_plain(value)
    return out


def translate_page_error(exc: Exception, what: str) -> UpstreamError | None:
    """The UpstreamError for a list page Twilio refused, or None when exc carries no response."""
    from twilio.base.exceptions import TwilioRestException

    response = exc.args[1] if len(exc.args) > 1 else None
    status = getattr(response, "status_code", None)
    if not isinstance(status, int):
        return None
    try:
        body = json.loads(getattr(response, "text", "") or "{}")
    except ValueError:
        body = {}
    body = body if isinstance(body, dict) else {}
    code = body.get("code")
    rest = TwilioRestException(
        status, "", msg=str(body.get("message") or ""), code=code if isinstance(code, int) else None
    )
    return translate_rest_error(rest, what)


def translate_rest_error(exc: Any, what: str) -> UpstreamError:
    code = exc.code if isinstance(exc.code, int) else None
    status = exc.status if isinstance(exc.status, int) else None
    message = str(exc.msg or "Twilio returned an error")
    if isinstance(exc.details, dict) and exc.details:
        message = f"{message} ({json.dumps(exc.details)[:200]})"
    # 5xx only reaches here for reads (a write's 5xx is "outcome unknown"), and a read can be repeated.
    retryable = status == 429 or (status is not None and status >= 500) or code in (20429, 14107, 30022)
    return UpstreamError(
        f"{what}: {message}",
        code=f"twilio.{code}" if code else f"twilio.http_{status}",
        twilio_code=code,
        http_status=status,
        retryable=retryable,
        docs_url=twilio_docs_url(code) if code else None,
    )
