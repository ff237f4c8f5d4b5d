"""An approval request's impact: read back as stored, listed in reading order, bounded in size."""

from __future__ import annotations

from skill.records.approvals import MAX_FACTS, MAX_TEXT, Cost, Impact

IMPACT = {
    "resource": "Phone number +1415***0199",
    "facts": [{"label": "Voice URL", "value": "https://example.com/voice"}],
    "cost": {"amount": "1.15", "currency": "USD", "basis": "per month", "estimate": True},
    "blast_radius": [{"label": "Messaging service", "value": "Support"}],
    "reversibility": "not reversible",
}


def test_an_impact_round_trips_through_json_and_lists_its_rows_in_reading_order() -> None:
    impact = Impact.model_validate(IMPACT)
    assert Impact.model_validate_json(impact.model_dump_json()) == impact
    assert impact.rows() == [
        ("resource", "Phone number +1415***0199"),
        ("Voice URL", "https://example.com/voice"),
        ("cost", "about 1.15 USD per month"),
        ("affects: Messaging service", "Support"),
        ("reversibility", "not reversible"),
    ]
    assert Cost(amount="0.0075", currency="USD", basis="per message", estimate=False).text() == "0.0075 USD per message"


def test_an_oversized_impact_is_bounded() -> None:
    huge = Impact.model_validate({"resource": "x" * 10_000, "facts": [{"label": "l", "value": "v"}] * 1000})
    assert len(huge.resource) == MAX_TEXT
    assert len(huge.facts) == MAX_FACTS
