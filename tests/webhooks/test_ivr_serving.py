"""Deployed IVR menus served by the receiver: routing, retries, the invalid-entry cap, retried steps."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any
from xml.etree import ElementTree

import anyio
import httpx
import pytest
from mcp import Client

from skill.config import SANDBOX_ACCOUNT_SID
from skill.core.context import Services
from skill.stores.sqlite import Stores
from skill.webhooks.app import build_webhooks_app
from tests.conftest import call
from tests.webhooks.support import RECEIVER_HOST, signed_form

pytestmark = pytest.mark.anyio
HOST = "https://receiver.test"
BASE_URL = f"{HOST}/twilio/voice/ivr"
CALL = "CA" + "ab" * 16


def menu(**overrides: Any) -> dict[str, Any]:
    """Three levels: main -> support -> billing, with dial, queue, voicemail and hangup ends."""
    return {
        "name": "ignored",
        "base_url": BASE_URL,
        "start": "main",
        "nodes": [
            {
                "id": "main",
                "prompt": "For sales press 1. For support press 2.",
                "options": [{"digits": "1", "goto": "sales"}, {"digits": "2", "speech": "support", "goto": "support"}],
            },
            {"id": "sales", "prompt": "Connecting you to sales.", "action": {"kind": "dial", "number": "+14155550142"}},
            {
                "id": "support",
                "prompt": "For billing press 1. For technical help press 2.",
                "options": [{"digits": "1", "goto": "billing"}, {"digits": "2", "goto": "tech"}],
            },
            {"id": "tech", "prompt": "Please hold.", "action": {"kind": "enqueue", "queue": "tech"}},
            {
                "id": "billing",
                "prompt": "To leave a message press 1. To end the call press 2.",
                "options": [{"digits": "1", "goto": "voicemail"}, {"digits": "2", "goto": "bye"}],
            },
            {"id": "voicemail", "prompt": "Leave a message after the tone.", "action": {"kind": "voicemail"}},
            {"id": "bye", "prompt": "Thank you for calling.", "action": {"kind": "hangup"}},
        ],
        **overrides,
    }


async def deploy(client: Client, max_invalid: int = 3, **overrides: Any) -> dict[str, Any]:
    args = {"name": "front", "menu": json.dumps(menu(**overrides)), "max_invalid": max_invalid}
    result = await call(client, "ivr_deploy", args)
    assert not result.is_error, result
    return result.data


def receiver_for(stores: Stores, services: Services) -> Any:
    return build_webhooks_app(services.settings, stores, run_worker=False, allowed_hosts=[RECEIVER_HOST])


@pytest.fixture
async def web(services: Services) -> AsyncIterator[httpx.AsyncClient]:
    app = receiver_for(services.stores, services)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=HOST, timeout=10) as client:
        yield client


async def post(web: httpx.AsyncClient, url: str, call_sid: str = CALL, **inputs: str) -> httpx.Response:
    """A signed request as Twilio makes it to an IVR URL, with the caller's input."""
    params = {"AccountSid": SANDBOX_ACCOUNT_SID, "CallSid": call_sid, "From": "+14155550100", **inputs}
    body, headers = signed_form(url, params)
    with anyio.fail_after(10):
        response = await web.post(url, content=body, headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/xml")
    return response


def gather_action(response: httpx.Response) -> str:
    gather = ElementTree.fromstring(response.text).find("Gather")
    assert gather is not None, response.text
    return str(gather.get("action"))


def said(response: httpx.Response) -> list[str]:
    return [str(say.text) for say in ElementTree.fromstring(response.text).iter("Say")]


def verbs(response: httpx.Response) -> list[str]:
    return [child.tag for child in ElementTree.fromstring(response.text)]


async def test_deploying_a_menu_reports_where_to_point_the_number(client: Client, services: Services) -> None:
    deployed = await deploy(client)
    assert deployed["start_url"] == f"{BASE_URL}/front/main"
    assert (deployed["name"], deployed["nodes"], deployed["replaced"]) == ("front", 7, False)
    assert (await deploy(client))["replaced"] is True
    assert services.stores.ivr_menus.names() == ["front"]


async def test_a_menu_served_elsewhere_than_the_receivers_path_is_refused(client: Client) -> None:
    result = await call(
        client, "ivr_deploy", {"name": "front", "menu": json.dumps(menu(base_url="https://receiver.test/voice"))}
    )
    assert result.error["code"] == "input.ivr_base_url"
    broken = menu()
    broken["nodes"][0]["options"][0]["goto"] = "nowhere"
    result = await call(client, "ivr_deploy", {"name": "front", "menu": json.dumps(broken)})
    assert result.error["code"] == "input.invalid_menu"


async def test_a_caller_walks_three_levels_by_keys_and_speech(
    client: Client, services: Services, web: httpx.AsyncClient
) -> None:
    await deploy(client)
    start = await post(web, f"{BASE_URL}/front/main")
    assert said(start) == ["For sales press 1. For support press 2."]
    assert gather_action(start) == f"{BASE_URL}/front/main?step=1"
    support = await post(web, gather_action(start), SpeechResult="Support please")
    assert said(support) == ["For billing press 1. For technical help press 2."]
    billing = await post(web, gather_action(support), Digits="1")
    assert gather_action(billing) == f"{BASE_URL}/front/billing?step=3"
    voicemail = await post(web, gather_action(billing), Digits="1")
    assert verbs(voicemail) == ["Say", "Record", "Hangup"]
    record = ElementTree.fromstring(voicemail.text).find("Record")
    assert record is not None and record.get("action") == f"{BASE_URL}/front/voicemail/recorded?step=4"
    recorded = await post(web, str(record.get("action")), RecordingUrl="https://api.twilio.com/rec")
    assert verbs(recorded) == ["Say", "Hangup"]
    state = services.stores.ivr_menus.call_state(CALL)
    assert state is not None and (state.node, state.step, state.invalid_total) == ("voicemail", 5, 0)


async def test_no_input_and_invalid_input_get_their_retry_documents(client: Client, web: httpx.AsyncClient) -> None:
    await deploy(client)
    start = await post(web, f"{BASE_URL}/front/main")
    redirect = ElementTree.fromstring(start.text).find("Redirect")
    assert redirect is not None and redirect.text == f"{BASE_URL}/front/main/no-input?step=1"
    no_input = await post(web, redirect.text)
    assert said(no_input)[0] == "Sorry, I did not get a choice."
    invalid = await post(web, gather_action(no_input), Digits="7")
    assert said(invalid)[0] == "Sorry, that is not one of the choices."
    chosen = await post(web, gather_action(invalid), Digits="1")
    assert verbs(chosen) == ["Say", "Dial", "Hangup"]


async def test_wrong_keys_over_the_whole_call_are_capped(
    client: Client, services: Services, web: httpx.AsyncClient
) -> None:
    await deploy(client, max_invalid=2, max_retries=5, operator="+14155550142")
    response = await post(web, f"{BASE_URL}/front/main")
    response = await post(web, gather_action(response), Digits="2")  # on to support
    answers = []
    for _ in range(3):
        response = await post(web, gather_action(response), Digits="9")
        answers.append(said(response)[0])
    assert answers[:2] == ["Sorry, that is not one of the choices."] * 2
    assert answers[2] == "Connecting you to an operator."
    assert verbs(response) == ["Say", "Dial", "Hangup"]
    state = services.stores.ivr_menus.call_state(CALL)
    assert state is not None and state.invalid_total == 3


async def test_retries_at_one_node_are_capped_by_max_retries(client: Client, web: httpx.AsyncClient) -> None:
    await deploy(client, max_invalid=10, max_retries=1)
    response = await post(web, f"{BASE_URL}/front/main")
    first = await post(web, gather_action(response), Digits="9")
    second = await post(web, gather_action(first), Digits="9")
    assert said(first)[0] == "Sorry, that is not one of the choices."
    assert said(second) == ["Goodbye."] and verbs(second) == ["Say", "Hangup"]


async def test_a_retried_step_gets_the_same_twiml_and_counts_once(
    client: Client, services: Services, web: httpx.AsyncClient
) -> None:
    await deploy(client)
    start = await post(web, f"{BASE_URL}/front/main")
    wrong = await post(web, gather_action(start), Digits="8")
    again = await post(web, gather_action(start), Digits="8")
    assert again.text == wrong.text
    state = services.stores.ivr_menus.call_state(CALL)
    assert state is not None and (state.step, state.invalid_total) == (2, 1)
    # The same key from the newer document is a new entry, and counts.
    await post(web, gather_action(wrong), Digits="8")
    state = services.stores.ivr_menus.call_state(CALL)
    assert state is not None and state.invalid_total == 2


async def test_call_state_and_answers_survive_reopening_the_store(client: Client, services: Services) -> None:
    await deploy(client)
    first_stores = Stores.open(services.settings.database)
    transport = httpx.ASGITransport(app=receiver_for(first_stores, services))
    async with httpx.AsyncClient(transport=transport, base_url=HOST) as web:
        start = await post(web, f"{BASE_URL}/front/main")
        support = await post(web, gather_action(start), Digits="2")
    first_stores.close()
    reopened = Stores.open(services.settings.database)
    try:
        transport = httpx.ASGITransport(app=receiver_for(reopened, services))
        async with httpx.AsyncClient(transport=transport, base_url=HOST) as web:
            repeated = await post(web, gather_action(start), Digits="2")
            billing = await post(web, gather_action(support), Digits="1")
        state = reopened.ivr_menus.call_state(CALL)
    finally:
        reopened.close()
    assert repeated.text == support.text
    assert said(billing)[0].startswith("To leave a message")
    assert state is not None and (state.node, state.step) == ("billing", 3)


async def test_unsigned_requests_unknown_menus_and_unknown_paths_are_refused(
    client: Client, web: httpx.AsyncClient
) -> None:
    await deploy(client)
    forged = await web.post(f"{BASE_URL}/front/main/invalid", data={"AccountSid": SANDBOX_ACCOUNT_SID, "CallSid": CALL})
    assert forged.status_code == 403
    for path in ("other/main", "front/nowhere", "front/main/elsewhere", "front/sales/no-input"):
        url = f"{BASE_URL}/{path}"
        body, headers = signed_form(url, {"AccountSid": SANDBOX_ACCOUNT_SID, "CallSid": CALL})
        assert (await web.post(url, content=body, headers=headers)).status_code == 404, path


async def test_a_menu_stored_before_actions_were_named_kind_is_still_served(
    services: Services, web: httpx.AsyncClient
) -> None:
    legacy = menu(name="front")
    for node in legacy["nodes"]:
        if "action" in node:
            node["action"] = {("type" if key == "kind" else key): value for key, value in node["action"].items()}
    services.stores.ivr_menus.save("front", legacy, 3)
    start = await post(web, f"{BASE_URL}/front/main")
    sales = await post(web, gather_action(start), Digits="1")
    assert verbs(sales) == ["Say", "Dial", "Hangup"]
    dial = ElementTree.fromstring(sales.text).find("Dial/Number")
    assert dial is not None and dial.text == "+14155550142"
