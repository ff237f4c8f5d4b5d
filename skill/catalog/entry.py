"""The shape of one curated catalogue entry."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CatalogEntry:
    """One Twilio error code, explained in our own words.

    `title` keeps the meaning of Twilio's own title for the code; `remediation` is ordered,
    first step first; `retryable` is True when repeating the same request later may succeed.
    """

    code: int
    title: str
    meaning: str
    causes: tuple[str, ...]
    remediation: tuple[str, ...]
    retryable: bool = False
