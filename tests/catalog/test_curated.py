"""The curated catalogue: coverage, completeness, and agreement with Twilio's own titles."""

from __future__ import annotations

import math
import re
from functools import cache

import pytest

from skill.catalog.curated import ALL_ENTRIES, CURATED
from tests.reference import error_titles

REQUIRED_CODES: frozenset[int] = frozenset(
    {
        # authentication, permissions, platform
        20001, 20003, 20005, 20008, 20404, 20429, 20500,
        # request validation: messaging, numbers, calls
        21211, 21212, 21214, 21215, 21216, 21217, 21401, 21402, 21404, 21408, 21421, 21422, 21451,
        21452, 21606, 21608, 21610, 21611, 21612, 21614, 21617, 21620, 21623, 21701,
        # webhooks and TwiML
        11200, 11205, 11750, 12100, 12200, 12300,
        # voice dial and geo permissions
        13223, 13224, 13225, 13227, 13520, 13521,
        # rate limits
        14107, 30022,
        *range(30001, 30036),
        *range(60200, 60213),
    }
)  # fmt: skip

# Every tool a remediation step may name.
KNOWN_TOOLS = frozenset(
    {
        "message_get", "messages_list", "optout_list", "optout_remove", "number_configure", "numbers_list",
        "number_search", "apikeys_list", "apikey_create", "account_get", "subaccounts_list",
        "subaccount_set_status", "error_explain", "message_send", "content_templates_list", "content_template_get",
    }
)  # fmt: skip


# --- title agreement ------------------------------------------------------------------------------
#
# Titles are compared as sets of words: camelCase split, lower case, punctuation dropped, a few
# filler words removed, plural 's' trimmed. Each word weighs by how rare it is across Twilio's
# titles, so 'unregistered' counts for more than 'message'. A curated title agrees with its code
# when (1) the numbers in both titles are the same, (2) the weighted F1 overlap is at least 0.5,
# and (3) no other curated code's Twilio title matches it as well (titles Twilio words the same
# way for several codes excepted). (3) is what catches a swap between near neighbours, such as
# 'From' and 'To' number not verified, or the 50% and 70% T-Mobile warnings.

FILLER = frozenset({"a", "an", "the", "is", "are", "of", "for", "by", "in", "on", "with", "and", "or", "this"})
FILLER |= frozenset({"that", "has", "have", "been", "be", "your", "it", "its"})
MIN_OVERLAP = 0.5


def title_words(title: str) -> frozenset[str]:
    split = re.sub(r"([a-z])([A-Z])", r"\1 \2", title)
    words = set()
    for word in re.findall(r"[a-z0-9]+", split.lower()):
        if word in FILLER:
            continue
        if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
            word = word[:-1]
        words.add(word)
    return frozenset(words)


@cache
def _word_weights() -> dict[str, float]:
    titles = error_titles()
    counts: dict[str, int] = {}
    for title in titles.values():
        for word in title_words(title):
            counts[word] = counts.get(word, 0) + 1
    return {word: math.log((len(titles) + 1) / (1 + count)) + 1 for word, count in counts.items()}


def overlap(ours: str, theirs: str) -> float:
    """Weighted F1 of the two titles' words; 0 when their numbers differ."""
    mine, twilio = title_words(ours), title_words(theirs)
    if {w for w in mine if w.isdigit()} != {w for w in twilio if w.isdigit()}:
        return 0.0
    weights = _word_weights()
    top = max(weights.values())

    def weight(words: frozenset[str]) -> float:
        return sum(weights.get(word, top) for word in words)

    common = weight(mine & twilio)
    if not common:
        return 0.0
    precision, recall = common / weight(mine), common / weight(twilio)
    return 2 * precision * recall / (precision + recall)


def title_problems(titles: dict[int, str]) -> list[str]:
    """Each curated code whose title does not agree with Twilio's title for that code."""
    reference = error_titles()
    problems = []
    for code, title in sorted(titles.items()):
        if code not in reference:
            problems.append(f"{code}: not in Twilio's catalogue")
            continue
        own = overlap(title, reference[code])
        if own < MIN_OVERLAP:
            problems.append(f"{code}: {title!r} does not match Twilio's {reference[code]!r} ({own:.2f})")
            continue
        for other in titles:
            if other == code or title_words(reference[other]) == title_words(reference[code]):
                continue
            if overlap(title, reference[other]) >= own:
                problems.append(f"{code}: {title!r} matches {other}'s {reference[other]!r} at least as well")
    return problems


def curated_titles() -> dict[int, str]:
    return {code: entry.title for code, entry in CURATED.items()}


def test_every_curated_title_agrees_with_twilios_title_for_that_code() -> None:
    assert title_problems(curated_titles()) == []


@pytest.mark.parametrize(
    ("code", "wrong_title"),
    [
        (20003, "Unreachable destination handset"),  # a delivery title on an auth code
        (30007, "Permission denied"),  # an auth title on a delivery code
        (21211, "Queue overflow"),
    ],
)
def test_a_title_from_another_area_is_caught(code: int, wrong_title: str) -> None:
    titles = curated_titles() | {code: wrong_title}
    problems = title_problems(titles)
    assert any(problem.startswith(f"{code}:") for problem in problems), problems


@pytest.mark.parametrize(("first", "second"), [(21210, 21219), (30025, 30026), (60202, 60203), (30012, 30013)])
def test_swapping_the_titles_of_near_neighbours_is_caught(first: int, second: int) -> None:
    titles = curated_titles() | {first: CURATED[second].title, second: CURATED[first].title}
    flagged = {int(problem.split(":")[0]) for problem in title_problems(titles)}
    assert {first, second} <= flagged


def test_every_curated_code_exists_in_twilios_catalogue() -> None:
    assert sorted(set(CURATED) - set(error_titles())) == []


def test_every_messaging_delivery_and_verify_code_twilio_lists_is_curated() -> None:
    wanted = {code for code in error_titles() if 30001 <= code <= 30036 or 60200 <= code <= 60212}
    assert sorted(wanted - set(CURATED)) == []


# --- coverage and completeness --------------------------------------------------------------------


def test_the_catalogue_holds_at_least_eighty_codes_and_no_duplicates() -> None:
    assert len(CURATED) >= 80
    assert len(ALL_ENTRIES) == len(CURATED)


def test_every_required_code_is_curated() -> None:
    assert sorted(REQUIRED_CODES - set(CURATED)) == []


def test_every_entry_has_a_title_meaning_causes_and_remediation() -> None:
    for entry in ALL_ENTRIES:
        assert entry.title.strip(), entry.code
        assert entry.meaning.strip().endswith("."), entry.code
        assert entry.causes and all(cause.strip() for cause in entry.causes), entry.code
        assert entry.remediation and all(step.strip() for step in entry.remediation), entry.code


def test_remediation_names_only_tools_that_exist() -> None:
    named = {
        word
        for entry in ALL_ENTRIES
        for step in entry.remediation
        for word in re.findall(r"\b[a-z]+(?:_[a-z]+)+\b", step)
    }
    assert sorted(named - KNOWN_TOOLS) == []


def test_transient_failures_are_retryable_and_permanent_ones_are_not() -> None:
    for code in (20429, 20500, 20503, 30001, 30017, 30022, 14107, 60212):
        assert CURATED[code].retryable, code
    for code in (20003, 21211, 21610, 30007, 30034, 60202):
        assert not CURATED[code].retryable, code
