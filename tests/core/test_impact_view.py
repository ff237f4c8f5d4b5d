from __future__ import annotations

import json
from dataclasses import dataclass

from skill.core.impact_view import MAX_CHARS, MAX_ITEMS, Cost, impact_of

IMPACT = {
    "resource": "Phone number +1415***0199",
    "facts": [{"label": "Voice URL", "value": "https://example.com/voice"}],
    "cost": {"amount": "1.15", "currency": "USD", "basis": "per month", "estimate": True},
    "blast_radius": [{"label": "Messaging service", "value": "Support"}],
    "reversibility": "not reversible",
}


@dataclass
class Stored:
    impact_json: str | None


@dataclass
class Carried:
    impact: object


def test_the_impact_is_read_from_stored_json_or_from_an_impact_attribute() -> None:
    from_json = impact_of(Stored(json.dumps(IMPACT)))
    from_attribute = impact_of(Carried(IMPACT))
    assert from_json == from_attribute
    assert from_json is not None
    assert from_json.rows() == [
        ("resource", "Phone number +1415***0199"),
        ("Voice URL", "https://example.com/voice"),
        ("cost", "about 1.15 USD per month"),
        ("affects: Messaging service", "Support"),
        ("reversibility", "not reversible"),
    ]
    assert Cost("0.0075", "USD", "per message", False).text() == "0.0075 USD per message"


def test_a_missing_or_malformed_impact_reads_as_none_or_as_what_is_usable() -> None:
    for value in (None, "", "not json", "[1, 2]", "{}"):
        assert impact_of(Stored(value)) is None
    assert impact_of(object()) is None
    odd = impact_of(
        Carried({"resource": 42, "facts": [{"label": "x"}, "junk", None], "cost": "free", "blast_radius": {"a": 1}})
    )
    assert odd is not None
    assert odd.resource == "42"
    assert [(fact.label, fact.value) for fact in odd.facts] == [("x", "")]
    assert odd.cost is None
    assert odd.blast_radius == ()


def test_an_oversized_impact_is_bounded() -> None:
    huge = impact_of(Carried({"resource": "x" * 10_000, "facts": [{"label": "l", "value": "v"}] * 1000}))
    assert huge is not None
    assert len(huge.resource) == MAX_CHARS
    assert len(huge.facts) == MAX_ITEMS
