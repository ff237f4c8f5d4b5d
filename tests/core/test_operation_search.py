"""twilio_api_find's ranking: operator questions find the operation they mean, locally."""

from __future__ import annotations

from skill.core.operation_search import query_words, search, words
from tests.core.operation_questions import QUESTIONS

TOP = 3
ENOUGH = 27


def test_operator_questions_find_the_operation_they_mean_in_the_top_three() -> None:
    misses = []
    for question, expected in QUESTIONS:
        found = [op.id for op, _score in search(question, limit=TOP)]
        if expected not in found:
            misses.append(f"{question!r}: wanted {expected}, got {found}")
    score = len(QUESTIONS) - len(misses)
    print(f"relevance: {score}/{len(QUESTIONS)} questions find their operation in the top {TOP}")
    for miss in misses:
        print("  miss:", miss)
    assert len(QUESTIONS) == 30
    assert score >= ENOUGH, misses


def test_words_are_split_at_capitals_and_plurals_folded() -> None:
    assert words("ListTaskQueues") == ["list", "task", "queue"]
    assert words("event_streams Sinks") == ["event", "stream", "sink"]
    assert words("the Policies of a service") == ["policy", "service"]


def test_operator_words_reach_twilio_words() -> None:
    assert "message" in query_words("send an SMS")
    assert "create" in query_words("register a brand")


def test_a_product_narrows_the_search_and_nonsense_finds_nothing() -> None:
    assert all(op.product == "sync" for op, _ in search("list documents", "sync"))
    assert all(op.spec == "chat_v2" for op, _ in search("list channels", "chat_v2"))
    assert search("zzqx wibble") == []


def test_a_verb_prefers_the_operation_of_its_method() -> None:
    assert search("delete a TaskRouter worker", limit=1)[0][0].id == "taskrouter_v1.DeleteWorker"
    assert search("fetch a TaskRouter worker", limit=1)[0][0].id == "taskrouter_v1.FetchWorker"
