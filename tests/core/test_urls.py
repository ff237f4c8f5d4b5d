from __future__ import annotations

import pytest

from skill.core.urls import (
    MAX_URL_LENGTH,
    address_literal,
    check_fetch_url,
    check_twilio_url,
    check_webhook_url,
    is_local_host,
    pinned_target,
    public_address,
    split_url,
    try_split,
    url_problem,
    webhook_warnings,
)
from skill.errors import InputError


@pytest.mark.parametrize("url", ["https://[bad/hook", "https://example.com:99999/hook", "http://host:port/x"])
def test_a_url_that_cannot_be_parsed_is_an_input_error_not_a_crash(url: str) -> None:
    assert try_split(url) is None
    with pytest.raises(InputError) as refused:
        split_url(url, field="sms_url")
    assert refused.value.code == "input.invalid_url"
    assert "sms_url" in refused.value.message
    with pytest.raises(InputError) as checked:
        check_webhook_url(url, field="sms_url", mode="sandbox")
    assert checked.value.code == "input.invalid_url"


def test_webhook_urls_need_https_in_live_mode_and_get_a_warning_for_http_in_the_sandbox() -> None:
    assert check_webhook_url("https://example.com/sms", field="sms_url", mode="live") is None
    warning = check_webhook_url("http://example.com/sms", field="sms_url", mode="sandbox")
    assert warning is not None and "plain http" in warning
    with pytest.raises(InputError) as refused:
        check_webhook_url("http://example.com/sms", field="sms_url", mode="live")
    assert refused.value.code == "input.insecure_url"
    for relative in ("/sms", "example.com/sms", "ftp://example.com/sms"):
        with pytest.raises(InputError) as invalid:
            check_webhook_url(relative, field="sms_url", mode="sandbox")
        assert invalid.value.code == "input.invalid_url"


def test_webhook_warnings_skip_fields_that_are_not_given() -> None:
    urls = {"sms_url": "http://example.com/sms", "voice_url": None, "status_callback": "https://example.com/s"}
    assert webhook_warnings(urls, "sandbox") == [
        "sms_url uses plain http: allowed in the sandbox, refused in live mode. Switch to https before going live."
    ]


LOCAL = ["localhost", "LOCALHOST", "127.0.0.1", "127.1.2.3", "::1", "0.0.0.0", "app.localhost"]


@pytest.mark.parametrize("host", LOCAL)
def test_names_and_addresses_of_this_machine_are_local(host: str) -> None:
    assert is_local_host(host)


@pytest.mark.parametrize("host", ["example.com", "10.0.0.1", "", None])
def test_other_hosts_are_not_local(host: str | None) -> None:
    assert not is_local_host(host)


@pytest.mark.parametrize(
    "address",
    [
        "10.1.2.3",
        "192.168.0.10",
        "172.16.5.4",
        "100.64.0.1",  # shared address space (carrier-grade NAT)
        "100.127.255.254",
        "169.254.169.254",
        "224.0.0.1",
        "0.0.0.0",
        "198.18.0.1",
        "fd00::1",
        "fe80::1%eth0",
        "::ffff:10.0.0.1",
    ],
)
def test_addresses_that_are_not_global_are_refused_for_probes(address: str) -> None:
    assert not public_address(address, allow_loopback=True)


def test_loopback_is_allowed_only_when_asked_and_public_addresses_always() -> None:
    assert public_address("127.0.0.1", allow_loopback=True)
    assert not public_address("127.0.0.1", allow_loopback=False)
    assert not public_address("::1", allow_loopback=False)
    assert public_address("93.184.216.34", allow_loopback=False)
    assert public_address("2606:2800:220:1:248:1893:25c8:1946", allow_loopback=False)


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("https://e.com/" + "a" * MAX_URL_LENGTH, "characters long"),
        ("https://e.com/\x1b[2J", "\\x1b"),
        ("https://e.com/a b", '" "'),
        ("https://e.com/\u202e", "\\u202e"),
        ("https://e\u200bxample.com/", "\\u200b"),
        ("ftp://e.com/x", "absolute http(s)"),
        ("https:///x", "absolute http(s)"),
        ("https://[x/", "cannot be read"),
    ],
)
def test_url_problem_names_why_a_url_is_refused(url: str, reason: str) -> None:
    problem = url_problem(url)
    assert problem is not None and reason in problem
    with pytest.raises(InputError) as refused:
        check_twilio_url(url, field="status_callback")
    assert refused.value.code == "input.invalid_url" and "status_callback" in refused.value.message
    assert "\x1b" not in refused.value.message and "\u202e" not in refused.value.message


def test_ordinary_urls_pass_with_queries_ports_and_encoded_characters() -> None:
    for url in ("https://e.com/a?b=1&c=%20d", "http://127.0.0.1:8080/x", "https://[2001:db8::1]/x", "HTTPS://E.COM/"):
        assert url_problem(url) is None, url


def test_webhook_urls_get_the_same_checks_as_every_url_handed_to_twilio() -> None:
    with pytest.raises(InputError) as refused:
        check_webhook_url("https://e.com/\x1b[2J", field="sms_url", mode="sandbox")
    assert refused.value.code == "input.invalid_url"


def test_a_url_the_server_fetches_may_not_carry_credentials() -> None:
    for url in ("https://u:p@e.com/", "https://u@e.com/", "https://:p@e.com/"):
        with pytest.raises(InputError) as refused:
            check_fetch_url(url)
        assert refused.value.code == "input.url_credentials", url
    assert check_fetch_url("https://e.com/x").hostname == "e.com"


@pytest.mark.parametrize(
    ("host", "address"),
    [
        ("10.0.0.1", "10.0.0.1"),
        ("167772161", "10.0.0.1"),
        ("012.0.0.1", "10.0.0.1"),
        ("0xa.0.0.1", "10.0.0.1"),
        ("10.1", "10.0.0.1"),
        ("::ffff:a00:1", "::ffff:a00:1"),
        ("example.com", None),
        ("1.2.3.4.example", None),
        (None, None),
    ],
)
def test_address_literal_reads_every_spelling_the_resolver_reads_as_an_address(
    host: str | None, address: str | None
) -> None:
    assert address_literal(host) == address


def test_a_pinned_target_connects_to_the_checked_address_and_keeps_the_name_for_host_and_tls() -> None:
    parts = check_fetch_url("https://hooks.example.com:8443/sms?a=1")
    assert pinned_target(parts, "93.184.216.34") == (
        "https://93.184.216.34:8443/sms?a=1",
        "hooks.example.com:8443",
        "hooks.example.com",
    )
    assert pinned_target(check_fetch_url("http://e.com/x"), "2001:db8::1") == (
        "http://[2001:db8::1]/x",
        "e.com",
        "e.com",
    )
