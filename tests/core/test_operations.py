"""Checking a call against the operation index before anything is sent, and shaping what comes back."""

from __future__ import annotations

import pytest

from skill.core.operations import REDACTED, next_page, operation, prepare, shape
from skill.errors import InputError
from skill.specs import load_index

ACCOUNT = "AC" + "a" * 32
WORKSPACE = "WS" + "0" * 32


def test_an_unknown_operation_is_refused_naming_the_closest_ids() -> None:
    with pytest.raises(InputError, match="taskrouter_v1.ListWorker") as caught:
        operation("taskrouter_v1.ListWorkers")
    assert caught.value.code == "input.invalid"
    assert "twilio_api_find" in " ".join(caught.value.remediation)


def test_a_bare_operation_id_resolves_only_when_one_spec_has_it() -> None:
    assert operation("CreateSink").id == "events_v1.CreateSink"
    with pytest.raises(InputError, match="chat_v2.CreateMessage") as caught:
        operation("CreateMessage")  # 136 operationIds repeat across specs
    assert "api_v2010.CreateMessage" in caught.value.message


def test_a_call_is_built_with_path_query_and_form_parameters_where_the_spec_puts_them() -> None:
    worker = operation("taskrouter_v1.CreateWorker")
    prepared = prepare(
        worker,
        {"WorkspaceSid": WORKSPACE},
        {"FriendlyName": "Ana", "Attributes": '{"skills":["es"]}'},
        account_sid=ACCOUNT,
    )
    assert prepared.url == f"https://taskrouter.twilio.com/v1/Workspaces/{WORKSPACE}/Workers"
    assert prepared.form == {"FriendlyName": "Ana", "Attributes": '{"skills":["es"]}'} and prepared.query == {}
    calls = prepare(operation("api_v2010.ListQueue"), {}, {"PageSize": 20}, account_sid=ACCOUNT)
    assert calls.url == f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT}/Queues.json"  # AccountSid defaulted
    assert calls.query == {"PageSize": 20}
    content = prepare(
        operation("content_v1.CreateContent"),
        {},
        {"friendly_name": "promo", "language": "en", "types": {"twilio/text": {"body": "Hi"}}},
        account_sid=ACCOUNT,
    )
    assert content.json_body == {"friendly_name": "promo", "language": "en", "types": {"twilio/text": {"body": "Hi"}}}


def test_unknown_and_missing_parameters_are_named_with_the_fix() -> None:
    worker = operation("taskrouter_v1.CreateWorker")
    with pytest.raises(InputError) as caught:
        prepare(worker, {"WorkspaceSid": WORKSPACE}, {"FriendlyNam": "Ana"}, account_sid=ACCOUNT)
    message = caught.value.message
    assert "'FriendlyNam' is not a parameter" in message and "did you mean FriendlyName" in message
    assert "missing FriendlyName (string)" in message
    assert "FriendlyName (string)*" in caught.value.remediation[0]
    with pytest.raises(InputError, match=r"missing WorkspaceSid \(string\)"):
        prepare(worker, {}, {"FriendlyName": "Ana"}, account_sid=ACCOUNT)


@pytest.mark.parametrize(
    ("op_id", "path", "parameters", "problem"),
    [
        ("sync_v1.CreateDocument", {"ServiceSid": "IS" + "0" * 32}, {"Ttl": "soon"}, "Ttl must be a whole number"),
        ("taskrouter_v1.CreateWorkspace", {}, {"FriendlyName": "x", "MultiTaskEnabled": "maybe"}, "true or false"),
        ("taskrouter_v1.CreateWorkspace", {}, {"FriendlyName": "x", "PrioritizeQueueOrder": "RANDOM"}, "FIFO, LIFO"),
        ("taskrouter_v1.FetchWorkspace", {"Sid": "not-a-sid"}, {}, r"Sid must match \^WS"),
        (
            "events_v1.CreateSink",
            {},
            {"Description": "d", "SinkConfiguration": 7, "SinkType": "webhook"},
            "JSON object",
        ),
        ("taskrouter_v1.CreateWorkspace", {}, {"FriendlyName": ["a", "b"]}, "FriendlyName must be a string"),
        ("taskrouter_v1.CreateWorkspace", {}, {"FriendlyName": "x" * 20_001}, "at most 20000 characters"),
    ],
)
def test_wrong_types_enum_values_and_patterns_are_refused_before_anything_is_sent(
    op_id: str, path: dict[str, object], parameters: dict[str, object], problem: str
) -> None:
    with pytest.raises(InputError, match=problem):
        prepare(operation(op_id), path, parameters, account_sid=ACCOUNT)


@pytest.mark.parametrize("value", ["../Accounts", "a/b", "x?y=1", "%2e%2e", "..", "a#b", "https://evil.example", ""])
def test_a_path_value_cannot_leave_its_segment_or_name_another_host(value: str) -> None:
    overrides = operation("lookups_v2.FetchLookupPhoneNumberOverrides")  # its placeholders have no pattern
    assert prepare(overrides, {"PhoneNumber": "+14155550100", "Field": "line_type"}, {}, account_sid=ACCOUNT).url == (
        "https://lookups.twilio.com/v2/PhoneNumbers/+14155550100/Overrides/line_type"
    )
    with pytest.raises(InputError, match="cannot be part of a URL path"):
        prepare(overrides, {"PhoneNumber": value, "Field": "line_type"}, {}, account_sid=ACCOUNT)


def test_every_prepared_url_is_on_the_operations_own_host() -> None:
    hosts = {op.host for op in load_index().operations.values()}
    assert all(host.endswith(".twilio.com") for host in hosts)
    prepared = prepare(operation("sync_v1.FetchService"), {"Sid": "IS" + "1" * 32}, {}, account_sid=ACCOUNT)
    assert prepared.url.startswith("https://sync.twilio.com/v1/Services/")


def test_a_resource_is_cut_to_its_default_output_unless_fields_ask_for_more() -> None:
    worker = operation("taskrouter_v1.FetchWorker")
    body = {"sid": "WK1", "friendly_name": "Ana", "available": True, "activity_name": "Idle", "attributes": "{}"}
    assert shape(worker, body, ()) == {
        "sid": "WK1",
        "friendly_name": "Ana",
        "available": True,
        "omitted": ["activity_name", "attributes"],
    }
    assert shape(worker, body, ("activity_name",))["activity_name"] == "Idle"
    assert set(shape(worker, body, ("*",))) == set(body)


def test_sensitive_pii_and_secrets_are_redacted_whatever_fields_ask() -> None:
    worker = operation("taskrouter_v1.FetchWorker")
    shown = shape(worker, {"sid": "WK1", "attributes": '{"ssn": "1"}'}, ("*",))
    assert shown["attributes"] == REDACTED
    key = operation("api_v2010.FetchKey")
    nested = shape(key, {"sid": "SK1", "friendly_name": "k", "links": {"secret": "s3cr3t", "auth_token": "t"}}, ("*",))
    assert nested["links"] == {"secret": REDACTED, "auth_token": REDACTED}
    assert "s3cr3t" not in repr(nested)
    camel = shape(key, {"sid": "SK1", "meta": {"sessionToken": "tok", "clientSecret": "cs", "tokenSid": "x"}}, ("*",))
    assert camel["meta"] == {"sessionToken": REDACTED, "clientSecret": REDACTED, "tokenSid": "x"}


def test_a_list_answer_gives_its_items_and_the_next_page_from_either_paging_style() -> None:
    workers = operation("taskrouter_v1.ListWorker")
    body = {
        "workers": [{"sid": "WK1", "friendly_name": "Ana", "available": True, "attributes": "{}"}],
        "meta": {
            "next_page_url": "https://taskrouter.twilio.com/v1/Workspaces/WS1/Workers?PageSize=1&Page=1&PageToken=PA1"
        },
    }
    assert shape(workers, body, ()) == {"items": [{"sid": "WK1", "friendly_name": "Ana", "available": True}]}
    assert next_page(workers, body) == {"Page": "1", "PageSize": "1", "PageToken": "PA1"}
    assert next_page(workers, {"workers": [], "meta": {"next_page_url": None}}) is None
    queues = operation("api_v2010.ListQueue")
    assert next_page(
        queues, {"queues": [], "next_page_uri": "/2010-04-01/Accounts/AC1/Queues.json?Page=2&PageSize=5"}
    ) == {
        "Page": "2",
        "PageSize": "5",
    }


def test_a_delete_answers_deleted() -> None:
    assert shape(operation("taskrouter_v1.DeleteWorker"), None, ()) == {"deleted": True}
