from __future__ import annotations

import json

import pytest
from mcp import Client

from skill.sandbox.app import Sandbox
from skill.sandbox.content import APPROVAL_SECONDS
from skill.sandbox.state import make_sid
from tests.conftest import call

pytestmark = pytest.mark.anyio

ORDER_UPDATE = make_sid("HX", "seed", "order_update")
SPRING_SALE = make_sid("HX", "seed", "spring_sale")
TEXT = {"twilio/text": {"body": "Hi {{1}}, your table for {{2}} is ready."}}


def create_args(**overrides: object) -> dict[str, object]:
    args: dict[str, object] = {
        "friendly_name": "table_ready",
        "language": "en",
        "types": json.dumps(TEXT),
        "variables": json.dumps({"1": "Alex", "2": "four"}),
    }
    args.update(overrides)
    return {key: value for key, value in args.items() if value is not None}


async def test_templates_list_in_pages_with_their_variables_and_whatsapp_status(client: Client) -> None:
    first = await call(client, "content_templates_list", {"limit": 1})
    assert not first.is_error, first
    assert first.data["count"] == 1 and first.data["has_more"] is True
    rest = await call(client, "content_templates_list", {"limit": 10, "cursor": first.data["next_cursor"]})
    templates = {item["sid"]: item for item in first.data["items"] + rest.data["items"]}
    assert set(templates) == {ORDER_UPDATE, SPRING_SALE} and rest.data["has_more"] is False
    assert templates[ORDER_UPDATE]["variables"] == {"1": "Alex", "2": "A-1001"}
    assert templates[ORDER_UPDATE]["types"]["twilio/text"]["body"] == "Hi {{1}}, your order {{2}} has shipped."
    assert templates[ORDER_UPDATE]["whatsapp"] == {
        "status": "approved", "name": "order_update", "category": "UTILITY", "content_type": "twilio/text",
    }  # fmt: skip
    assert templates[SPRING_SALE]["whatsapp"] == {"status": "unsubmitted"}


async def test_template_get_says_whether_whatsapp_approved_it(client: Client) -> None:
    approved = await call(client, "content_template_get", {"sid": ORDER_UPDATE})
    assert not approved.is_error, approved
    assert approved.data["whatsapp"]["status"] == "approved"
    assert approved.data["whatsapp"]["category"] == "UTILITY"
    never = await call(client, "content_template_get", {"sid": SPRING_SALE})
    assert never.data["whatsapp"]["status"] == "unsubmitted"


async def test_an_unknown_template_is_twilios_not_found(client: Client) -> None:
    missing = await call(client, "content_template_get", {"sid": make_sid("HX", "none")})
    assert missing.error["code"] == "twilio.20404"


async def test_create_makes_a_template_with_its_samples(client: Client, sandbox: Sandbox) -> None:
    created = await call(client, "content_template_create", create_args())
    assert not created.is_error, created
    sid = created.data["sid"]
    assert created.data["variables"] == {"1": "Alex", "2": "four"}
    assert created.data["types"] == TEXT and created.data["whatsapp"]["status"] == "unsubmitted"
    assert sandbox.state.contents[sid]["friendly_name"] == "table_ready"


async def test_a_content_type_keeps_fields_the_sdk_does_not_model(client: Client, sandbox: Sandbox) -> None:
    quick = {"twilio/quick-reply": {"body": "Coming {{1}}?", "actions": [{"title": "Yes", "id": "yes"}]}}
    created = await call(client, "content_template_create", create_args(types=json.dumps(quick), variables='{"1":"x"}'))
    assert not created.is_error, created
    assert sandbox.state.contents[created.data["sid"]]["types"] == quick


async def test_submitting_to_whatsapp_moves_from_received_to_approved(client: Client, sandbox: Sandbox) -> None:
    created = await call(client, "content_template_create", create_args(whatsapp_category="UTILITY"))
    assert not created.is_error, created
    assert created.data["whatsapp"]["status"] == "received"
    sandbox.clock.advance(APPROVAL_SECONDS)
    later = await call(client, "content_template_get", {"sid": created.data["sid"]})
    assert later.data["whatsapp"] == {
        "status": "approved",
        "name": "table_ready",
        "category": "UTILITY",
        "content_type": "twilio/text",
    }


async def test_a_rejected_template_says_why(client: Client, sandbox: Sandbox) -> None:
    created = await call(
        client, "content_template_create", create_args(friendly_name="reject_me", whatsapp_category="MARKETING")
    )
    sandbox.clock.advance(APPROVAL_SECONDS)
    later = await call(client, "content_template_get", {"sid": created.data["sid"]})
    assert later.data["whatsapp"]["status"] == "rejected"
    assert later.data["whatsapp"]["rejection_reason"] == "INVALID_FORMAT"


@pytest.mark.parametrize(
    ("overrides", "words"),
    [
        ({"types": json.dumps({"twilio/text": {"body": "Hi {{ 1 }}"}}), "variables": '{"1":"x"}'}, "Malformed"),
        ({"types": json.dumps({"twilio/text": {"body": "Hi {{1}"}}), "variables": '{"1":"x"}'}, "Malformed"),
        ({"types": json.dumps({"twilio/text": {"body": "Hi {1}"}}), "variables": "{}"}, "Malformed"),
        ({"types": json.dumps({"twilio/text": {"body": "Hi {{name}}"}}), "variables": '{"name":"x"}'}, "Malformed"),
        ({"types": json.dumps({"twilio/text": {"body": "{{1}} and {{3}}"}}), "variables": '{"1":"a","3":"c"}'}, "gaps"),
        ({"variables": json.dumps({"1": "Alex"})}, "no sample value for {{2}}"),
        ({"variables": json.dumps({"1": "Alex", "2": "  "})}, "no sample value for {{2}}"),
        ({"variables": json.dumps({"1": "Alex", "2": "four", "3": "x"})}, "unused: {{3}}"),
        ({"variables": None}, "no sample value for {{1}}, {{2}}"),
        ({"types": json.dumps({"twilio/textual": {"body": "Hi"}})}, "unknown: 'twilio/textual'"),
        ({"types": "{}"}, "none given"),
        ({"types": json.dumps({"twilio/text": "Hi"}), "variables": "{}"}, "must be an object"),
        ({"friendly_name": "Table Ready", "whatsapp_category": "UTILITY"}, "lowercase letters"),
    ],
)
async def test_create_refuses_a_broken_template_before_any_request(
    client: Client, sandbox: Sandbox, overrides: dict[str, object], words: str
) -> None:
    before = dict(sandbox.state.contents)
    refused = await call(client, "content_template_create", create_args(**overrides))
    assert refused.error["code"] == "input.invalid_template"
    assert words in refused.error["message"] and refused.error["remediation"], refused.error
    assert sandbox.state.contents == before


async def test_types_that_are_not_a_json_object_are_refused(client: Client) -> None:
    refused = await call(client, "content_template_create", create_args(types='["twilio/text"]'))
    assert refused.error["code"].startswith("input.")
    assert "JSON object" in refused.error["message"]
