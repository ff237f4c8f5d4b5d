"""The URLs a twilio_api_call points Twilio at are found wherever they sit in its parameters."""

from __future__ import annotations

import json

import pytest

from skill.core.operation_urls import MAX_DEPTH, UNREADABLE, pointed_urls
from skill.specs import load_index

OPERATIONS = load_index().operations
SINK = OPERATIONS["events_v1.CreateSink"]


def test_a_url_nested_in_an_object_parameter_is_found() -> None:
    config = {"destination": "https://evil.example.net/e", "method": "POST", "batch_events": False}
    assert pointed_urls({"Description": "d", "SinkType": "webhook", "SinkConfiguration": config}, SINK) == (
        "https://evil.example.net/e",
    )


def test_a_url_nested_in_a_json_string_is_found_at_any_depth_and_in_lists() -> None:
    attributes = json.dumps({"routing": {"targets": [{"fallback": {"href": "HTTPS://evil.example.net/x"}}]}})
    assert pointed_urls({"Attributes": attributes}, OPERATIONS["taskrouter_v1.CreateWorker"]) == (
        "HTTPS://evil.example.net/x",
    )
    inner = json.dumps({"hook": " wss://stream.example.net/a "})
    assert pointed_urls({"Data": {"wrapped": inner}}, None) == ("wss://stream.example.net/a",)


def test_a_value_under_a_url_named_key_counts_whatever_its_scheme() -> None:
    found = pointed_urls({"Configuration": {"webhook_url": "evil.example.net/hook", "sink": {"uri": "x"}}}, None)
    assert found == ("evil.example.net/hook", "x")


@pytest.mark.parametrize(
    ("op_id", "name", "value"),
    [
        ("trunking_v1.CreateOriginationUrl", "SipUrl", "sip:pbx@evil.example.net"),  # named like a URL, not http
        ("voice_v1.CreateConnectionPolicyTarget", "Target", "sip:evil.example.net"),  # typed as a URL
        ("taskrouter_v1.CreateWorkspace", "EventCallbackUrl", "HTTPS://evil.example.net/e"),  # capital scheme
        ("taskrouter_v1.UpdateTaskReservation", "CallTo", "sips:agent@evil.example.net"),  # a SIP contact
        ("frontline_v1.UpdateUser", "Avatar", "  http://evil.example.net/a.png"),
    ],
)
def test_top_level_urls_count_by_name_by_type_or_by_scheme(op_id: str, name: str, value: str) -> None:
    assert pointed_urls({name: value}, OPERATIONS[op_id]) == (value.strip(),)


def test_a_list_of_urls_counts_item_by_item_and_flags_or_plain_words_do_not() -> None:
    verification = OPERATIONS["messaging_v1.CreateTollfreeVerification"]
    images = ["https://a.example.com/1.png", "https://evil.example.net/2.png"]
    assert pointed_urls({"OptInImageUrls": images}, verification) == tuple(images)
    shorten = OPERATIONS["api_v2010.CreateMessage"]  # ShortenUrls is a boolean
    assert pointed_urls({"Body": "urls", "ShortenUrls": "true"}, shorten) == ()
    assert pointed_urls({"Description": "see the docs", "Attributes": '{"skills": ["en"]}'}, None) == ()


def test_nesting_too_deep_to_read_or_broken_json_with_a_url_waits_for_an_operator() -> None:
    deep: object = "https://evil.example.net/"
    for _ in range(MAX_DEPTH + 5):
        deep = {"next": deep}
    assert pointed_urls({"Data": deep}, None) == (UNREADABLE,)
    assert pointed_urls({"Data": "[" * 5000 + '"https://evil.example.net"' + "]" * 5000}, None) == (UNREADABLE,)
    assert pointed_urls({"Data": '{"destination": "https://evil.example.net", '}, None) == (UNREADABLE,)
