"""The error-code catalogue: curated entries in our own words, and Twilio's full list as a fallback."""

from __future__ import annotations


def remediation_for(code: int) -> list[str]:
    """Ordered steps for a Twilio error code; a generic pointer when it is not curated."""
    from skill.catalog.curated import CURATED

    entry = CURATED.get(code)
    if entry is not None:
        return list(entry.remediation)
    return [
        f"Look up error {code} with the error_explain tool.",
        f"Read https://www.twilio.com/docs/errors/{code}.",
    ]
