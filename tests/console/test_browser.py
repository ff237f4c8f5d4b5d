"""The console in headless Chromium: log in, live list, approve, deny, log out, audit, and a cross-origin form."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select

from skill.config import ALL_TOOLSETS, Settings
from skill.console.app import build_console_app
from skill.core.operators import create_operator, revoke_operator
from skill.stores.sqlite import Stores
from tests.console.browser import (
    WIDTHS,
    LiveServer,
    check_both_widths,
    overflow,
    page_server,
    set_width,
    shoot,
    start_chromium,
    wait,
)
from tests.console.conftest import IMPACT, decision_events, open_request
from tests.e2e.support import free_port


@pytest.fixture(scope="module")
def chromium(tmp_path_factory: pytest.TempPathFactory) -> Iterator[webdriver.Chrome]:
    driver = start_chromium(tmp_path_factory.mktemp("chromium-profile"))
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture
def browser(chromium: webdriver.Chrome) -> webdriver.Chrome:
    """The module's Chromium with no cookies left from an earlier test, at laptop width."""
    chromium.execute_cdp_cmd("Network.clearBrowserCookies", {})
    set_width(chromium, WIDTHS[1])
    return chromium


@pytest.fixture
def live_stores(tmp_path: Path) -> Iterator[Stores]:
    stores = Stores.open(tmp_path / "home" / "sandbox.db")
    yield stores
    stores.close()


@pytest.fixture
def console(tmp_path: Path, live_stores: Stores) -> Iterator[str]:
    """The console on a free loopback port; yields its base URL."""
    settings = Settings(home=tmp_path / "home", toolsets=ALL_TOOLSETS)
    with LiveServer(build_console_app(settings, live_stores), free_port()) as server:
        yield server.base


def log_in(browser: webdriver.Chrome, console: str, credential: str) -> None:
    browser.get(console + "/login")
    field = browser.find_element(By.ID, "credential")
    field.send_keys(credential)
    field.send_keys(Keys.ENTER)
    wait(browser).until(lambda driver: driver.find_elements(By.ID, "operator-name"))


def text_of(browser: webdriver.Chrome, element_id: str) -> str:
    return str(browser.find_element(By.ID, element_id).text)


def test_the_login_page_fits_a_phone_and_a_wrong_credential_is_explained(
    browser: webdriver.Chrome, console: str, live_stores: Stores
) -> None:
    create_operator(live_stores.operators, "dana")
    browser.get(console + "/")
    assert browser.current_url == console + "/login?next=%2F"
    check_both_widths(browser, "login")
    field = browser.find_element(By.ID, "credential")
    assert field.get_attribute("type") == "password"
    field.send_keys("tsop_0000000000000000_guess" + Keys.ENTER)
    wait(browser).until(lambda driver: driver.find_elements(By.ID, "problem"))
    assert "not a valid operator credential" in text_of(browser, "problem")


def test_an_operator_sees_a_request_arrive_live_and_approves_it_after_seeing_the_arguments(
    browser: webdriver.Chrome, console: str, live_stores: Stores
) -> None:
    _, credential = create_operator(live_stores.operators, "dana")
    log_in(browser, console, credential)
    assert "No pending requests" in browser.find_element(By.ID, "approval-rows").text
    browser.execute_script("window.keptSinceLoad = true;")

    request = open_request(
        live_stores,
        "Release +1415***0199 (Main line); it stops taking calls and messages",
        arguments={"sid": "PN" + "1" * 32, "friendly_name": "Main line"},
        impact=IMPACT,
    )
    row = wait(browser).until(lambda driver: driver.find_elements(By.CSS_SELECTOR, f'tr[data-id="{request.id}"]'))[0]
    assert browser.execute_script("return window.keptSinceLoad === true"), "the page reloaded"
    for shown in ("Phone number +1415***0199 (Main line)", "not reversible", "number_release", "in 59 min"):
        assert shown in row.text
    assert "1 request shown" in text_of(browser, "live-status")
    check_both_widths(browser, "pending-list")

    row.find_element(By.LINK_TEXT, "Approve…").click()
    wait(browser).until(lambda driver: driver.find_elements(By.ID, "confirm"))
    assert '"friendly_name": "Main line"' in text_of(browser, "arguments")
    assert live_stores.approvals.get(request.id).status == "pending"
    check_both_widths(browser, "confirm-approve")

    browser.find_element(By.ID, "confirm").click()
    wait(browser).until(lambda driver: driver.find_elements(By.ID, "flash"))
    assert f"Approved {request.id} (number_release) as dana" in text_of(browser, "flash")
    assert text_of(browser, "status") == "approved"
    assert text_of(browser, "decided-by") == "dana"
    decided = live_stores.approvals.get(request.id)
    assert (decided.status, decided.decided_by) == ("approved", "dana")
    check_both_widths(browser, "approved-request")


def test_an_operator_opens_a_request_and_denies_it_with_a_reason_from_the_keyboard(
    browser: webdriver.Chrome, console: str, live_stores: Stores
) -> None:
    _, credential = create_operator(live_stores.operators, "dana")
    request = open_request(live_stores, "Suspend subaccount staging", tool="subaccount_set_status", impact=IMPACT)
    log_in(browser, console, credential)
    browser.find_element(By.LINK_TEXT, "Suspend subaccount staging").click()
    wait(browser).until(lambda driver: driver.find_elements(By.ID, "deny"))
    check_both_widths(browser, "request-detail")

    reason = browser.find_element(By.ID, "reason-input")
    reason.send_keys("not during the sale")
    reason.send_keys(Keys.TAB)
    assert browser.switch_to.active_element.get_attribute("id") == "deny"
    browser.switch_to.active_element.send_keys(Keys.ENTER)
    wait(browser).until(lambda driver: driver.find_elements(By.ID, "flash"))
    assert f"Denied {request.id}" in text_of(browser, "flash")
    assert text_of(browser, "reason") == "not during the sale"
    denied = live_stores.approvals.get(request.id)
    assert (denied.status, denied.reason, denied.decided_by) == ("denied", "not during the sale", "dana")


def test_logging_out_ends_the_session(browser: webdriver.Chrome, console: str, live_stores: Stores) -> None:
    _, credential = create_operator(live_stores.operators, "dana")
    log_in(browser, console, credential)
    browser.find_element(By.XPATH, "//button[normalize-space()='Log out']").click()
    wait(browser).until(lambda driver: driver.find_elements(By.ID, "credential"))
    browser.get(console + "/audit")
    assert browser.current_url.startswith(console + "/login")


def test_revoking_an_operator_logs_their_open_console_out_at_once(
    browser: webdriver.Chrome, console: str, live_stores: Stores
) -> None:
    _, credential = create_operator(live_stores.operators, "dana")
    log_in(browser, console, credential)
    revoke_operator(live_stores.operators, "dana")
    # The list's next refresh is refused, and the page goes back to the login form by itself.
    wait(browser).until(lambda driver: driver.find_elements(By.ID, "credential"))
    assert "/login" in browser.current_url


def test_the_audit_log_filters_pages_shows_detail_and_exports(
    browser: webdriver.Chrome, console: str, live_stores: Stores
) -> None:
    _, credential = create_operator(live_stores.operators, "dana")
    for index in range(12):
        live_stores.audit.record("tool.call", outcome="ok", tool="account_get", detail={"n": index})
    live_stores.audit.record(
        "approval.denied", outcome="ok", tool="number_release", approval_id="apr_1", detail={"operator": "dana"}
    )
    live_stores.audit.record("tool.call", outcome="error", tool="message_send", detail={"to": "+14155550100"})
    log_in(browser, console, credential)
    browser.get(console + "/audit?n=5")
    rows = browser.find_elements(By.CSS_SELECTOR, "#audit-rows tr[data-id]")
    assert [row.find_element(By.CSS_SELECTOR, '[data-label="Tool"]').text for row in rows[:2]] == [
        "message_send",
        "number_release",
    ]
    rows[0].find_element(By.TAG_NAME, "summary").click()
    assert "+1415***0100" in rows[0].find_element(By.TAG_NAME, "pre").text
    rows[1].find_element(By.TAG_NAME, "summary").click()
    assert '"operator": "dana"' in rows[1].find_element(By.TAG_NAME, "pre").text
    check_both_widths(browser, "audit")

    browser.find_element(By.ID, "older").click()
    wait(browser).until(lambda driver: driver.find_elements(By.ID, "newest"))
    assert len(browser.find_elements(By.CSS_SELECTOR, "#audit-rows tr[data-id]")) == 5

    browser.get(console + "/audit")
    Select(browser.find_element(By.NAME, "tool")).select_by_value("account_get")
    browser.find_element(By.XPATH, "//button[normalize-space()='Filter']").click()
    wait(browser).until(lambda driver: "tool=account_get" in driver.current_url)
    tools = {row.text for row in browser.find_elements(By.CSS_SELECTOR, '#audit-rows td[data-label="Tool"]')}
    assert tools == {"account_get"}
    exported = browser.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "fetch(document.getElementById('export').href).then(r => r.text()).then(done);"
    )
    lines = str(exported).splitlines()
    assert len(lines) == 12
    assert all('"tool": "account_get"' in line for line in lines)


def test_a_form_on_another_loopback_port_is_refused_and_decides_nothing(
    browser: webdriver.Chrome, console: str, live_stores: Stores
) -> None:
    _, credential = create_operator(live_stores.operators, "dana")
    request = open_request(live_stores)
    log_in(browser, console, credential)
    # The worst case: the other page even knows the session's CSRF token; only the origin check is left.
    csrf = browser.find_element(By.NAME, "csrf").get_attribute("value")
    attack = (
        "<!doctype html><title>prize</title>"
        f"<form method='post' action='{console}/approvals/{request.id}/approve'>"
        f"<input type='hidden' name='csrf' value='{csrf}'><button id='claim'>Claim your prize</button></form>"
    )
    with page_server(attack, free_port()) as url:
        browser.get(url)
        browser.find_element(By.ID, "claim").click()
        wait(browser).until(lambda driver: "Cross-origin requests are refused" in driver.page_source)
        shoot(browser, "cross-origin-refused-1280")
    assert live_stores.approvals.get(request.id).status == "pending"
    assert decision_events(live_stores) == []
    # The same session still decides from the console's own page.
    browser.get(f"{console}/approvals/{request.id}")
    browser.find_element(By.ID, "approve").click()
    wait(browser).until(lambda driver: driver.find_elements(By.ID, "flash"))
    assert live_stores.approvals.get(request.id).status == "approved"


def test_pages_fit_a_phone_with_long_hostile_values(
    browser: webdriver.Chrome, console: str, live_stores: Stores
) -> None:
    _, credential = create_operator(live_stores.operators, "dana")
    long_word = "W" * 300
    request = open_request(
        live_stores,
        f"<b>{long_word}</b>\u202e",
        arguments={"body": long_word, "nested": {"list": [long_word]}},
        impact={**IMPACT, "resource": long_word},
    )
    log_in(browser, console, credential)
    for path in ("/", f"/approvals/{request.id}", "/?status=all"):
        browser.get(console + path)
        for width in WIDTHS:
            set_width(browser, width)
            scroll, inner = overflow(browser)
            assert scroll <= inner, f"{path} overflows at {width} px"
        assert not browser.find_elements(By.TAG_NAME, "b")
