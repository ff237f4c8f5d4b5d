"""Curated error codes (to be filled)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CatalogEntry:
    code: int
    title: str
    meaning: str
    causes: tuple[str, ...]
    remediation: tuple[str, ...]
    retryable: bool = False


CURATED: dict[int, CatalogEntry] = {}
