"""The curated catalogue: every entry written for this skill, indexed by code.

The entries live in one module per area; this module only gathers them.
"""

from __future__ import annotations

from skill.catalog.curated_calls import CALLS
from skill.catalog.curated_delivery import DELIVERY
from skill.catalog.curated_messaging import MESSAGING
from skill.catalog.curated_platform import PLATFORM
from skill.catalog.curated_verify import VERIFY
from skill.catalog.entry import CatalogEntry

__all__ = ["ALL_ENTRIES", "CURATED", "CatalogEntry"]

ALL_ENTRIES: tuple[CatalogEntry, ...] = (*PLATFORM, *CALLS, *MESSAGING, *DELIVERY, *VERIFY)

CURATED: dict[int, CatalogEntry] = {entry.code: entry for entry in ALL_ENTRIES}
