"""A small local search over the operation index: BM25 over each operation's words.

An operation's words are its summary, its resource's description, its path's segments, its
operationId split at capitals, its product, and its parameters' names; the id and path count twice.
Query words are lower-cased, split the same way, and stemmed crudely (plurals), and a few operator
words are mapped to Twilio's (sms -> message). Nothing leaves the machine.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from functools import cache

from skill.specs import Operation, load_index

K1 = 1.2
B = 0.75
NAME_WEIGHT = 0.6
PRODUCT_WEIGHT = 1.3
STOP = frozenset(
    {
        "a",
        "an",
        "the",
        "of",
        "for",
        "to",
        "in",
        "on",
        "by",
        "and",
        "or",
        "my",
        "our",
        "all",
        "me",
        "is",
        "are",
        "be",
        "with",
        "from",
        "its",
        "this",
        "that",
        "it",
    }
)
# Operator words -> the words Twilio's specs use for the same thing.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "sms": ("message",),
    "text": ("message",),
    "texts": ("message",),
    "get": ("fetch",),
    "show": ("fetch", "list"),
    "read": ("fetch", "list"),
    "remove": ("delete",),
    "add": ("create",),
    "send": ("create",),
    "start": ("create",),
    "register": ("create", "registration"),
    "new": ("create",),
    "change": ("update",),
    "edit": ("update",),
    "modify": ("update",),
    "a2p": ("a2p", "brand", "usapptoperson"),
    "10dlc": ("a2p", "usapptoperson", "brand"),
    "agent": ("worker",),
    "queue": ("queue",),
    "summary": ("summary",),
    "number": ("phone", "number"),
    "numbers": ("phone", "number"),
    "sink": ("sink",),
}
ACTIONS = {"fetch": "GET", "list": "GET", "create": "POST", "update": "POST", "delete": "DELETE"}


def words(text: str) -> list[str]:
    """Lower-case words of text, CamelCase and snake_case split, plurals folded."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", " ", text)
    out = []
    for word in re.findall(r"[a-z0-9]+", spaced.lower()):
        if word in STOP:
            continue
        out.append(_stem(word))
    return out


def _stem(word: str) -> str:
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def _document(op: Operation) -> list[str]:
    path = re.sub(r"\{[^}]*\}", " ", op.path)
    name = op.operation_id
    return [
        *words(op.summary),
        *words(op.resource),
        *words(path) * 2,
        *words(name) * 2,
        op.product,
        *words(op.spec),
        *(word for param in op.params for word in words(param.name)),
    ]


@dataclass(frozen=True)
class SearchIndex:
    ids: tuple[str, ...]
    docs: tuple[Counter[str], ...]
    lengths: tuple[int, ...]
    idf: dict[str, float]
    average: float
    names: dict[str, frozenset[str]]  # the words of each operationId


@cache
def search_index() -> SearchIndex:
    operations = load_index().operations
    ids = tuple(operations)
    docs = tuple(Counter(_document(operations[op_id])) for op_id in ids)
    frequency: Counter[str] = Counter()
    for doc in docs:
        frequency.update(doc.keys())
    total = len(docs)
    idf = {word: math.log(1 + (total - n + 0.5) / (n + 0.5)) for word, n in frequency.items()}
    lengths = tuple(sum(doc.values()) for doc in docs)
    names = {op_id: frozenset(words(operations[op_id].operation_id)) for op_id in ids}
    return SearchIndex(ids, docs, lengths, idf, sum(lengths) / max(total, 1), names)


@cache
def products() -> frozenset[str]:
    return frozenset(op.product for op in load_index().operations.values())


def query_words(query: str) -> list[str]:
    out: list[str] = []
    for token in re.findall(r"[A-Za-z0-9]+", query):
        if token.lower() in products():
            # "TaskRouter" is the product, not "task" and "router"; "conversations" is also the resource.
            out.extend(dict.fromkeys((token.lower(), _stem(token.lower()))))
            continue
        for word in words(token):
            out.append(word)
            out.extend(_stem(w) for w in SYNONYMS.get(word, ()))
    return out


def search(query: str, product: str | None = None, limit: int = 10) -> list[tuple[Operation, float]]:
    """The best-matching operations for query (optionally of one product or spec), best first."""
    index = search_index()
    operations = load_index().operations
    terms = query_words(query)
    wanted_methods = {ACTIONS[word] for word in words(query) if word in ACTIONS}
    asked = set(terms)
    scored: list[tuple[float, str]] = []
    for op_id, doc, length in zip(index.ids, index.docs, index.lengths, strict=True):
        op = operations[op_id]
        if product and product not in (op.product, op.spec):
            continue
        score = 0.0
        for term in terms:
            tf = doc.get(term, 0)
            if tf:
                score += index.idf[term] * tf * (K1 + 1) / (tf + K1 * (1 - B + B * length / index.average))
        if score <= 0:
            continue
        if op.product in asked:
            score *= PRODUCT_WEIGHT  # the question names the product: its operations first
        if wanted_methods and op.method in wanted_methods:
            score *= 1.15  # "list workers" prefers the GET over a POST on the same path
        own = index.names[op_id]
        if own:
            # The more of the operation's own name the question says, the closer it is to what was asked.
            score *= 1 + NAME_WEIGHT * len(own & asked) / len(own)
        scored.append((score, op_id))
    scored.sort(key=lambda item: (-item[0], item[1]))
    return [(operations[op_id], score) for score, op_id in scored[:limit]]
