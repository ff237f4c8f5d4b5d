from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

import pytest

from skill.core.ivr import Menu, build_ivr, route_input
from skill.core.twiml_lint import lint
from skill.errors import InputError

BASE = "https://ivr.example.com/voice"


def three_level_menu(**overrides: Any) -> Menu:
    """Main menu -> billing menu -> disputes menu, with every kind of terminal action."""
    spec: dict[str, Any] = {
        "name": "acme",
        "base_url": BASE,
        "start": "main",
        "timeout": 6,
        "max_retries": 2,
        "nodes": [
            {
                "id": "main",
                "prompt": "For billing press 1 or say billing. For sales press 2. To leave a message press 3.",
                "voice": "Polly.Joanna",
                "language": "en-US",
                "options": [
                    {"digits": "1", "speech": "billing", "goto": "billing"},
                    {"digits": "2", "speech": "sales", "goto": "sales"},
                    {"digits": "3", "goto": "voicemail"},
                ],
            },
            {
                "id": "billing",
                "prompt": "For a dispute press 1. To hear the main menu again press star.",
                "options": [{"digits": "1", "goto": "disputes"}, {"digits": "*", "goto": "main"}],
            },
            {
                "id": "disputes",
                "prompt": "Press 1 to talk to an agent, 2 to wait in the queue, or pound to hang up.",
                "options": [
                    {"digits": "1", "goto": "agent"},
                    {"digits": "2", "goto": "queue"},
                    {"digits": "#", "goto": "bye"},
                ],
            },
            {
                "id": "sales",
                "prompt": "Connecting you to sales.",
                "action": {"kind": "dial", "number": "(415) 555-0123"},
            },
            {
                "id": "agent",
                "prompt": "Connecting you to an agent.",
                "action": {"kind": "dial", "number": "+14155550124"},
            },
            {"id": "queue", "prompt": "Please hold.", "action": {"kind": "enqueue", "queue": "disputes"}},
            {"id": "voicemail", "prompt": "Leave a message after the beep.", "action": {"kind": "voicemail"}},
            {"id": "bye", "prompt": "Thank you for calling.", "action": {"kind": "hangup"}},
        ],
    }
    spec.update(overrides)
    return Menu.model_validate(spec)


def urls_in(xml: str) -> list[str]:
    """Every URL a document makes Twilio request next: action attributes and Redirect targets."""
    root = ET.fromstring(xml)
    found = [element.attrib["action"] for element in root.iter() if "action" in element.attrib]
    found += [element.text or "" for element in root.iter("Redirect")]
    return found


def test_every_url_of_a_three_level_menu_leads_to_a_generated_document() -> None:
    plan = build_ivr(three_level_menu(), "US")
    served = {document.url for document in plan.documents}
    assert plan.start_url == f"{BASE}/acme/main" and plan.start_url in served
    followed = [url for document in plan.documents for url in urls_in(document.xml)]
    followed += [route.url for route in plan.routes]
    assert followed and set(followed) <= served
    targets = {"billing", "sales", "voicemail", "disputes", "main", "agent", "queue", "bye"}
    assert {route.url for route in plan.routes} == {f"{BASE}/acme/{node}" for node in targets}


def test_every_menu_node_has_its_no_input_and_invalid_documents() -> None:
    plan = build_ivr(three_level_menu(), "US")
    roles: dict[str, set[str]] = {}
    for document in plan.documents:
        roles.setdefault(document.node_id, set()).add(document.role)
    for menu_node in ("main", "billing", "disputes"):
        assert roles[menu_node] == {"node", "no-input", "invalid"}
        no_input = next(d for d in plan.documents if d.url == f"{BASE}/acme/{menu_node}/no-input")
        node = ET.fromstring(next(d for d in plan.documents if d.url == f"{BASE}/acme/{menu_node}").xml)
        assert node[-1].tag == "Redirect" and node[-1].text == no_input.url
    assert roles["voicemail"] == {"node", "recorded"}
    assert roles["sales"] == roles["queue"] == roles["bye"] == {"node"}


def test_every_document_lints_without_errors_or_warnings() -> None:
    for document in build_ivr(three_level_menu(), "US").documents:
        findings = lint(document.xml, "voice").findings
        assert [f.severity for f in findings] == ["info"], (document.url, findings)


def test_retry_documents_reprompt_max_retries_times_then_give_up() -> None:
    plan = build_ivr(three_level_menu(max_retries=3), "US")
    for suffix, first in (("/no-input", "Sorry, I did not get a choice."), ("/invalid", "Sorry, that is not one")):
        root = ET.fromstring(next(d for d in plan.documents if d.url == f"{BASE}/acme/main{suffix}").xml)
        assert [child.tag for child in root].count("Gather") == 3
        assert (root[0].text or "").startswith(first)
        assert [child.tag for child in root][-2:] == ["Say", "Hangup"]
        assert all(gather.attrib["action"] == f"{BASE}/acme/main" for gather in root.iter("Gather"))


def test_an_operator_takes_the_call_when_retries_run_out() -> None:
    plan = build_ivr(three_level_menu(operator="+14155550100", max_retries=0), "US")
    root = ET.fromstring(next(d for d in plan.documents if d.url == f"{BASE}/acme/billing/no-input").xml)
    assert [child.tag for child in root] == ["Say", "Say", "Dial", "Hangup"]
    assert root.find("Dial/Number") is not None and root.find("Dial/Number").text == "+14155550100"


def test_gathers_match_the_options() -> None:
    plan = build_ivr(three_level_menu(), "US")
    by_url = {d.url: ET.fromstring(d.xml) for d in plan.documents}
    main = by_url[f"{BASE}/acme/main"].find("Gather")
    assert main is not None
    assert main.attrib["input"] == "dtmf speech" and main.attrib["hints"] == "billing, sales"
    assert main.attrib["numDigits"] == "1" and main.attrib["timeout"] == "6"
    assert main.find("Say") is not None and main.find("Say").attrib["voice"] == "Polly.Joanna"
    disputes = by_url[f"{BASE}/acme/disputes"].find("Gather")
    assert disputes is not None and disputes.attrib["finishOnKey"] == ""  # '#' is a choice there
    assert by_url[f"{BASE}/acme/sales"].find("Dial/Number").text == "+14155550123"


def test_routing_follows_digits_and_speech_and_falls_back_to_retries() -> None:
    menu = three_level_menu()
    assert route_input(menu, "main", digits="1") == f"{BASE}/acme/billing"
    assert route_input(menu, "main", speech="Sales, please.") == f"{BASE}/acme/sales"
    assert route_input(menu, "billing", digits="*") == f"{BASE}/acme/main"
    assert route_input(menu, "main", digits="9") == f"{BASE}/acme/main/invalid"
    assert route_input(menu, "main", speech="pizza") == f"{BASE}/acme/main/invalid"
    assert route_input(menu, "main") == f"{BASE}/acme/main/no-input"
    with pytest.raises(InputError) as caught:
        route_input(menu, "nowhere", digits="1")
    assert caught.value.code == "input.unknown_node"


def test_every_problem_of_a_broken_menu_is_listed_at_once() -> None:
    broken = three_level_menu(
        base_url="http://ivr.example.com",
        start="welcome",
        nodes=[
            {
                "id": "main",
                "prompt": "Pick.",
                "options": [{"digits": "1", "goto": "gone"}, {"digits": "1", "goto": "x"}],
            },
            {"id": "x", "prompt": "Nothing here."},
            {"id": "y", "prompt": "Call.", "action": {"kind": "dial"}},
        ],
    )
    with pytest.raises(InputError) as caught:
        build_ivr(broken, "US")
    error = caught.value
    assert error.code == "input.invalid_menu"
    for expected in (
        "base_url",
        "start 'welcome' is not a node",
        "goes to unknown node 'gone'",
        "uses digits '1' for 2 options",
        "node 'x' has neither options nor an action",
        "node 'y' action dial number is missing",
    ):
        assert expected in error.message
    assert error.remediation


def test_unreachable_nodes_are_a_warning_not_an_error() -> None:
    nodes = three_level_menu().model_dump(by_alias=True)["nodes"]
    nodes.append({"id": "orphan", "prompt": "Never heard.", "action": {"kind": "hangup"}})
    plan = build_ivr(three_level_menu(nodes=nodes), "US")
    assert plan.warnings == ["node 'orphan' cannot be reached from 'main'"]


@pytest.mark.parametrize("base_url", ["http://localhost:8080/ivr", "http://127.0.0.1/ivr"])
def test_plain_http_is_allowed_for_a_local_server(base_url: str) -> None:
    plan = build_ivr(three_level_menu(base_url=base_url), "US")
    assert plan.start_url == f"{base_url}/acme/main"
    assert all(not [f for f in lint(d.xml).findings if f.severity == "error"] for d in plan.documents)


@pytest.mark.parametrize("base_url", ["https://[bad/ivr", "http://ivr.example.com:99999/ivr", "ftp://ivr.example.com"])
def test_a_base_url_that_cannot_be_read_or_served_is_a_menu_problem(base_url: str) -> None:
    with pytest.raises(InputError) as caught:
        build_ivr(three_level_menu(base_url=base_url), "US")
    assert caught.value.code == "input.invalid_menu"
    assert "base_url" in caught.value.message
