from __future__ import annotations

import pytest

from skill.core.segments import GSM7_BASIC, GSM7_EXTENSION, analyze, segment_count


def test_the_gsm7_tables_have_their_standard_sizes() -> None:
    # 128 positions less the escape; ten extension characters including form feed.
    assert len(GSM7_BASIC) == 127
    assert frozenset("\f^{}\\[~]|€") == GSM7_EXTENSION
    assert not GSM7_BASIC & GSM7_EXTENSION


@pytest.mark.parametrize(
    "body, segments",
    [
        ("", 0),
        ("a" * 160, 1),
        ("a" * 161, 2),
        ("a" * 459, 3),
        ("a" * 460, 4),
        ("[" * 80, 1),
        ("\f" * 81, 2),
        # 152 septets, then an escape pair that cannot start in the last free septet.
        ("a" * 152 + "~" + "a" * 152, 3),
    ],
)
def test_gsm7_segments_hold_160_alone_and_153_when_split_without_breaking_escapes(body: str, segments: int) -> None:
    info = analyze(body)
    assert info.encoding == "GSM-7"
    assert info.segments == segments


@pytest.mark.parametrize(
    "body, segments, units",
    [
        ("ä" * 70 + "ç", 2, 71),
        ("ç" * 70, 1, 70),
        ("ç" * 134, 2, 134),
        ("ç" * 135, 3, 135),
        ("👍" * 35, 1, 70),
        ("ç" * 66 + "👍" + "ç", 1, 69),
        ("ç" * 66 + "👍" + "ç" * 3, 2, 71),
        ("ç" * 66 + "👍" + "ç" * 66, 3, 134),
    ],
)
def test_ucs2_counts_utf16_code_units_and_keeps_surrogate_pairs_whole(body: str, segments: int, units: int) -> None:
    info = analyze(body)
    assert (info.encoding, info.segments, info.units) == ("UCS-2", segments, units)


def test_the_characters_that_forced_ucs2_are_listed_once_in_order() -> None:
    info = analyze("Café ç ok ☕ ç")
    assert info.ucs2_characters == ("ç", "☕")
    assert analyze("Café").ucs2_characters == ()


def test_a_media_only_message_still_counts_as_one_segment() -> None:
    assert segment_count(None) == 1
    assert segment_count("a" * 161) == 2
