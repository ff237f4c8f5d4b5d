"""The contract checker itself: it finds each response's spec, and it fails on what it is there to catch."""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import pytest

from skill.sandbox.app import Sandbox
from tests.contract import (
    DROPPED_KEYWORDS,
    SCHEMA_EXCEPTIONS,
    assert_matches,
    contract,
    load_spec,
    response_schema,
    spec_for,
)
from tests.reference import openapi_specs

MESSAGES = "/2010-04-01/Accounts/{AccountSid}/Messages.json"
MESSAGE = "/2010-04-01/Accounts/{AccountSid}/Messages/{Sid}.json"


def served(path: str, status: int, body: Any, method: str = "GET", host: str = "api.twilio.com") -> dict[str, Any]:
    return {"host": host, "method": method, "path": path, "status": status, "body": json.dumps(body).encode()}


def twilio_error(status: int, code: int, **extra: Any) -> dict[str, Any]:
    more_info = f"https://www.twilio.com/docs/errors/{code}"
    return {"code": code, "message": "refused", "more_info": more_info, "status": status, **extra}


def empty_page() -> dict[str, Any]:
    return {"messages": [], "page": 0, "page_size": 50, "start": 0, "end": 0, "uri": "/x", "first_page_uri": "/x"}


def test_each_response_is_matched_to_its_spec_by_host_and_path() -> None:
    assert spec_for("api.twilio.com", "GET", MESSAGE) == "twilio-oai/twilio_api_v2010.json"
    assert spec_for("verify.twilio.com", "POST", "/v2/Services/VA1/Verifications") == "twilio-oai/twilio_verify_v2.json"
    assert spec_for("studio.twilio.com", "POST", "/v2/Flows/Validate") == "twilio-oai/twilio_studio_v2.json"
    assert spec_for("api.sendgrid.com", "POST", "/v3/mail/send") == "sendgrid-oai/tsg_mail_v3.json"
    with pytest.raises(AssertionError, match="no spec is served from"):
        spec_for("api.example.com", "GET", "/v1/Things")
    with pytest.raises(AssertionError, match="0 specs have it"):
        spec_for("api.twilio.com", "GET", "/2010-04-01/Nowhere.json")


def test_a_body_that_breaks_the_schema_fails_the_block(sandbox: Sandbox) -> None:
    with pytest.raises(AssertionError, match="page_size"), contract(sandbox):
        sandbox.served.append(served(MESSAGES, 200, {**empty_page(), "page_size": "fifty"}))


def test_a_body_that_meets_the_schema_passes_and_is_recorded(sandbox: Sandbox) -> None:
    with contract(sandbox, routes={("GET", MESSAGES)}, statuses={200}) as recorded:
        sandbox.served.append(served(MESSAGES, 200, empty_page()))
    assert recorded.bodies("GET", MESSAGES) == [empty_page()]
    assert sandbox.record_responses


def test_an_error_answer_fails_a_block_that_expects_none(sandbox: Sandbox) -> None:
    with pytest.raises(AssertionError, match="unexpected error answer"), contract(sandbox):
        sandbox.served.append(served(MESSAGE, 404, twilio_error(404, 20404)))


def test_twilio_errors_must_have_exactly_twilios_keys_unless_more_are_allowed(sandbox: Sandbox) -> None:
    with contract(sandbox, errors="twilio"):
        sandbox.served.append(served(MESSAGE, 404, twilio_error(404, 20404)))
    with pytest.raises(AssertionError), contract(sandbox, errors="twilio"):
        sandbox.served.append(served(MESSAGE, 400, twilio_error(400, 21211, details={})))
    sandbox.served.clear()
    with contract(sandbox, errors="twilio+"):
        sandbox.served.append(served(MESSAGE, 400, twilio_error(400, 21211, details={})))
    sandbox.served.clear()
    with pytest.raises(AssertionError), contract(sandbox, errors="twilio"):
        sandbox.served.append(served(MESSAGE, 400, twilio_error(404, 21211)))  # status disagrees


def test_a_route_or_status_that_was_never_served_fails_the_block(sandbox: Sandbox) -> None:
    with pytest.raises(AssertionError, match="never served"), contract(sandbox, routes={("DELETE", MESSAGE)}):
        sandbox.served.append(served(MESSAGES, 200, empty_page()))
    with pytest.raises(AssertionError, match="never answered"), contract(sandbox, statuses={201}):
        pass
    sandbox.served.clear()
    with pytest.raises(AssertionError, match="served nothing"), contract(sandbox):
        pass


def test_a_host_filter_checks_only_that_hosts_responses(sandbox: Sandbox) -> None:
    with contract(sandbox, host="verify.twilio.com", routes={("GET", "/v2/Services")}) as recorded:
        sandbox.served.append(served(MESSAGES, 200, {"not": "checked"}))
        page = {"services": [], "meta": {"page": 0, "page_size": 50, "key": "services"}}
        sandbox.served.append(served("/v2/Services", 200, page, host="verify.twilio.com"))
    assert recorded.routes == {("GET", "/v2/Services")}


def test_a_recorded_schema_exception_admits_null_only_where_it_is_recorded() -> None:
    lookup = "twilio-oai/twilio_lookups_v2.json"
    assert (lookup, "CallerNameInfo", "caller_name") in SCHEMA_EXCEPTIONS
    route = "/v2/PhoneNumbers/{PhoneNumber}"
    body = {"phone_number": "+14155550100", "valid": True, "caller_name": None, "line_type_intelligence": None}
    assert_matches(lookup, "GET", route, 200, body)
    with pytest.raises(AssertionError, match="phone_number"):
        assert_matches(lookup, "GET", route, 200, {**body, "phone_number": 14155550100})


@pytest.mark.parametrize(
    ("spec_name", "schema_name", "prop"),
    sorted({*SCHEMA_EXCEPTIONS, *DROPPED_KEYWORDS}),
)
def test_every_recorded_exception_names_a_property_the_vendored_spec_has(
    spec_name: str, schema_name: str, prop: str
) -> None:
    assert prop in load_spec(spec_name)["components"]["schemas"][schema_name]["properties"]


@pytest.mark.slow
def test_every_response_of_every_vendored_operation_turns_into_a_valid_json_schema() -> None:
    checked = 0
    for spec_name, spec in openapi_specs().items():
        for template, item in spec["paths"].items():
            for method, operation in item.items():
                for status in operation["responses"]:
                    if not status.isdigit():
                        continue
                    schema = response_schema(spec_name, method, template, int(status))
                    if schema is not None:
                        # Draft 7's meta-schema covers every keyword these use, and checks 4x faster than 2020-12's.
                        jsonschema.Draft7Validator.check_schema(schema)
                        checked += 1
    assert checked > 1400


def test_an_answer_that_leaves_out_a_schema_property_fails_the_block(sandbox: Sandbox) -> None:
    usage_trigger = "/2010-04-01/Accounts/{AccountSid}/Usage/Triggers/{Sid}.json"
    schema = response_schema("twilio-oai/twilio_api_v2010.json", "GET", usage_trigger, 200)
    assert schema is not None
    full = dict.fromkeys(schema["properties"])
    full.update(recurring="daily", trigger_by="count")
    with contract(sandbox):
        sandbox.served.append(served(usage_trigger, 200, full))
    sandbox.served.clear()
    partial = {key: value for key, value in full.items() if key != "friendly_name"}
    with pytest.raises(AssertionError, match="leaves out friendly_name"), contract(sandbox):
        sandbox.served.append(served(usage_trigger, 200, partial))


def test_a_list_item_that_leaves_out_a_schema_property_fails_the_block(sandbox: Sandbox) -> None:
    with pytest.raises(AssertionError, match=r"leaves out .*messages\[\]\.body"), contract(sandbox):
        sandbox.served.append(served(MESSAGES, 200, {**empty_page(), "messages": [{"status": "queued"}]}))
