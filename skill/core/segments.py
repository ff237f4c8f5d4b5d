"""How an SMS body is encoded and split into segments, the unit carriers bill by.

GSM-7 (3GPP TS 23.038 default alphabet) fits 160 septets in one segment, 153 per segment once
the body is split (the rest carries the concatenation header). Characters of the extension table
cost two septets (an escape plus the character), and an escape pair is never split across
segments. Any character outside both tables forces UCS-2: 70 UTF-16 code units alone, 67 per
segment when split, and a surrogate pair (most emoji) is kept whole too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Encoding = Literal["GSM-7", "UCS-2"]

# The default alphabet, in table order (0x1B, the escape, is left out).
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# The extension table: each costs an escape septet plus its own.
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")

LIMITS: dict[Encoding, tuple[int, int]] = {"GSM-7": (160, 153), "UCS-2": (70, 67)}
UNIT_NAMES: dict[Encoding, str] = {"GSM-7": "septets", "UCS-2": "UTF-16 code units"}


@dataclass(frozen=True)
class SegmentInfo:
    encoding: Encoding
    segments: int
    units: int  # septets for GSM-7, UTF-16 code units for UCS-2
    characters: int
    ucs2_characters: tuple[str, ...] = field(default=())  # what forced UCS-2, first occurrence order

    @property
    def unit_name(self) -> str:
        return UNIT_NAMES[self.encoding]

    @property
    def single_limit(self) -> int:
        return LIMITS[self.encoding][0]

    @property
    def per_segment(self) -> int:
        """Units each segment holds: the single limit for one segment, less once split."""
        single, multi = LIMITS[self.encoding]
        return single if self.segments <= 1 else multi


def non_gsm_characters(body: str) -> tuple[str, ...]:
    """Characters of body that GSM-7 cannot carry, each once, in order of appearance."""
    return tuple(dict.fromkeys(ch for ch in body if ch not in GSM7_BASIC and ch not in GSM7_EXTENSION))


def _unit_costs(body: str, encoding: Encoding) -> list[int]:
    """The cost of each indivisible piece of body: one char, an escape pair, or a surrogate pair."""
    if encoding == "GSM-7":
        return [2 if ch in GSM7_EXTENSION else 1 for ch in body]
    return [2 if ord(ch) > 0xFFFF else 1 for ch in body]


def _count_segments(costs: list[int], single: int, multi: int) -> int:
    total = sum(costs)
    if total == 0:
        return 0
    if total <= single:
        return 1
    segments, used = 1, 0
    for cost in costs:
        # A piece that would straddle the boundary moves whole into the next segment.
        if used + cost > multi:
            segments += 1
            used = 0
        used += cost
    return segments


def analyze(body: str) -> SegmentInfo:
    """The encoding, segment count and length in units of an SMS body."""
    forcing = non_gsm_characters(body)
    encoding: Encoding = "UCS-2" if forcing else "GSM-7"
    costs = _unit_costs(body, encoding)
    single, multi = LIMITS[encoding]
    return SegmentInfo(
        encoding=encoding,
        segments=_count_segments(costs, single, multi),
        units=sum(costs),
        characters=len(body),
        ucs2_characters=forcing,
    )


def segment_count(body: str | None) -> int:
    """Segments for body; an empty or missing body (media only) counts as one."""
    return max(analyze(body or "").segments, 1)
