"""Signature checks on Twilio's published vectors, SendGrid's ECDSA scheme, and tampered variants."""

from __future__ import annotations

import time

import pytest

from skill.core.signing import (
    HMAC_SHA256,
    body_sha256,
    compute_signature,
    signature_algorithm,
    verify_sendgrid,
    verify_twilio,
)
from tests.webhooks.support import ec_key_pair, sendgrid_headers

# Twilio's documented example request and its signatures (twilio-python's validator tests).
URL = "https://mycompany.com/myapp.php?foo=1&bar=2"
TOKEN = "12345"
PARAMS = {
    "CallSid": ["CA1234567890ABCDE"],
    "Digits": ["1234"],
    "From": ["+14158675309"],
    "To": ["+18005551212"],
    "Caller": ["+14158675309"],
}
EXPECTED = "RSOYDt4T1cUTdK1PDd93/VVr8B8="
JSON_BODY = b'{"property": "value", "boolean": true}'
JSON_HASH = "0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620"
JSON_SIGNATURE = "a9nBmqA0ju/hNViExpshrM61xv4="


def test_the_published_example_request_has_the_published_signature() -> None:
    assert compute_signature(TOKEN, URL, PARAMS) == EXPECTED
    assert verify_twilio(TOKEN, URL, PARAMS, EXPECTED)


def test_repeated_parameters_are_signed_sorted_by_value() -> None:
    params = {"Sid": ["CA123"], "SidAccount": ["AC123"], "Digits": ["5678", "1234"]}
    assert compute_signature(TOKEN, URL, params) == "IK+Dwps556ElfBT0I3Rgjkr1wJU="


@pytest.mark.parametrize(
    ("url", "signature"),
    [
        (URL.replace(".com", ".com:1234"), EXPECTED),  # port present, signed without
        (URL.replace(".com", ".com:1234").replace("https", "http"), "Zmvh+3yNM1Phv2jhDCwEM3q5ebU="),
        (URL, "kvajT1Ptam85bY51eRf/AJRuM3w="),  # signed with :443 added
        (URL.replace("https", "http"), "0ZXoZLH/DfblKGATFgpif+LLRf4="),  # signed with :80 added
    ],
)
def test_the_url_is_tried_with_and_without_its_port(url: str, signature: str) -> None:
    assert verify_twilio(TOKEN, url, PARAMS, signature)


@pytest.mark.parametrize(
    "tamper",
    ["value", "extra parameter", "missing parameter", "url", "token", "empty signature", "scheme"],
)
def test_a_tampered_request_does_not_verify(tamper: str) -> None:
    params = {name: list(values) for name, values in PARAMS.items()}
    url, token, signature = URL, TOKEN, EXPECTED
    if tamper == "value":
        params["Digits"] = ["1235"]
    elif tamper == "extra parameter":
        params["Extra"] = ["1"]
    elif tamper == "missing parameter":
        del params["Caller"]
    elif tamper == "url":
        url = URL.replace("foo=1", "foo=2")
    elif tamper == "token":
        token = "54321"
    elif tamper == "empty signature":
        signature = ""
    elif tamper == "scheme":
        url = URL.replace("https", "http")
    assert not verify_twilio(token, url, params, signature)


def test_a_json_body_is_checked_against_the_signed_body_hash() -> None:
    assert body_sha256(JSON_BODY) == JSON_HASH
    url = f"{URL}&bodySHA256={JSON_HASH}"
    assert verify_twilio(TOKEN, url, None, JSON_SIGNATURE, raw_body=JSON_BODY)
    assert not verify_twilio(TOKEN, url, None, JSON_SIGNATURE, raw_body=JSON_BODY.replace(b"true", b"false"))
    assert not verify_twilio(TOKEN, url, None, JSON_SIGNATURE, raw_body=None)
    assert not verify_twilio(TOKEN, url.replace("0a1f", "0a1e"), None, JSON_SIGNATURE, raw_body=JSON_BODY)


def test_the_shared_key_variant_uses_hmac_sha256_over_the_same_string() -> None:
    assert signature_algorithm("key=webhooks_sharedkey_1,algorithm=HMAC_SHA256") == HMAC_SHA256
    assert signature_algorithm(None) == "HMAC_SHA1"
    signature = compute_signature("shared-secret", URL, PARAMS, HMAC_SHA256)
    assert signature != compute_signature("shared-secret", URL, PARAMS)
    assert verify_twilio("shared-secret", URL, PARAMS, signature, algorithm=HMAC_SHA256)
    assert not verify_twilio("shared-secret", URL, PARAMS, signature)
    assert not verify_twilio("shared-secret", URL, PARAMS, signature, algorithm="HMAC_MD5")


def test_a_sendgrid_signature_verifies_with_its_public_key_and_fails_when_anything_changes() -> None:
    private, public = ec_key_pair()
    _, other_public = ec_key_pair()
    body = b'[{"email":"a@example.com","event":"delivered","sg_event_id":"e1"}]'
    now = time.time()
    headers = sendgrid_headers(private, body, int(now))
    signature = headers["X-Twilio-Email-Event-Webhook-Signature"]
    stamp = headers["X-Twilio-Email-Event-Webhook-Timestamp"]
    assert verify_sendgrid(public, signature, stamp, body, now=now)
    assert not verify_sendgrid(public, signature, stamp, body.replace(b"delivered", b"bounce"), now=now)
    assert not verify_sendgrid(public, signature, str(int(stamp) + 1), body, now=now)
    assert not verify_sendgrid(other_public, signature, stamp, body, now=now)
    assert not verify_sendgrid(public, None, stamp, body, now=now)
    assert not verify_sendgrid(public, "not base64!", stamp, body, now=now)


def test_a_replayed_sendgrid_post_outside_the_tolerance_is_refused() -> None:
    private, public = ec_key_pair()
    body = b"[]"
    old = int(time.time()) - 301
    headers = sendgrid_headers(private, body, old)
    signature = headers["X-Twilio-Email-Event-Webhook-Signature"]
    assert not verify_sendgrid(public, signature, str(old), body, now=time.time())
    assert verify_sendgrid(public, signature, str(old), body, now=old + 299)


# SendGrid's published Event Webhook example (sendgrid-python's event webhook tests): key, signature,
# timestamp and the exact payload bytes, which end with CR LF.
SENDGRID_KEY = (
    "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE83T4O/n84iotIvIW4mdBgQ/7dAfSmpqIM8kF9mN1flpVKS3G"
    "Rqe62gw+2fNNRaINXvVpiglSI8eNEc6wEA3F+g=="
)
SENDGRID_SIGNATURE = "MEUCIGHQVtGj+Y3LkG9fLcxf3qfI10QysgDWmMOVmxG0u6ZUAiEAyBiXDWzM+uOe5W0JuG+luQAbPIqHh89M15TluLtEZtM="
SENDGRID_TIMESTAMP = "1600112502"
SENDGRID_PAYLOAD = (
    b'[{"email":"hello@world.com","event":"dropped","reason":"Bounced Address",'
    b'"sg_event_id":"ZHJvcC0xMDk5NDkxOS1MUnpYbF9OSFN0T0doUTRrb2ZTbV9BLTA",'
    b'"sg_message_id":"LRzXl_NHStOGhQ4kofSm_A.filterdrecv-p3mdw1-756b745b58-kmzbl-18-5F5FC76C-9.0",'
    b'"smtp-id":"<LRzXl_NHStOGhQ4kofSm_A@ismtpd0039p1iad1.sendgrid.net>","timestamp":1600112492}]\r\n'
)


def test_sendgrids_published_example_verifies_and_its_tampered_variants_do_not() -> None:
    at = int(SENDGRID_TIMESTAMP) + 10
    assert verify_sendgrid(SENDGRID_KEY, SENDGRID_SIGNATURE, SENDGRID_TIMESTAMP, SENDGRID_PAYLOAD, now=at)
    assert not verify_sendgrid(SENDGRID_KEY, SENDGRID_SIGNATURE, SENDGRID_TIMESTAMP, b"payload", now=at)
    assert not verify_sendgrid(
        SENDGRID_KEY, SENDGRID_SIGNATURE, SENDGRID_TIMESTAMP, SENDGRID_PAYLOAD.rstrip(b"\r\n"), now=at
    )
    assert not verify_sendgrid(SENDGRID_KEY, SENDGRID_SIGNATURE, "timestamp", SENDGRID_PAYLOAD, now=at)
    other_signature = "MEUCIQCtIHJeH93Y+qpYeWrySphQgpNGNr/U+UyUlBkU6n7RAwIgJTz2C+8a8xonZGi6BpSzoQsbVRamr2nlxFDWYNH3j/0="
    assert not verify_sendgrid(SENDGRID_KEY, other_signature, SENDGRID_TIMESTAMP, SENDGRID_PAYLOAD, now=at)
    other_key = (
        "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEqTxd43gyp8IOEto2LdIfjRQrIbsd4SXZkLW6jDutdhXSJCWH"
        "w8REntlo7aNDthvj+y7GjUuFDb/R1NGe1OPzpA=="
    )
    assert not verify_sendgrid(other_key, SENDGRID_SIGNATURE, SENDGRID_TIMESTAMP, SENDGRID_PAYLOAD, now=at)


def test_port_variants_are_the_same_whether_kept_from_an_earlier_request_or_not() -> None:
    from skill.core import signing

    short = "https://hooks.example.com/twilio/sms/status"
    assert signing.port_variants(short) == signing.port_variants(short) == [short, short.replace(".com/", ".com:443/")]
    # Many distinct URLs (more than are kept) and URLs longer than any kept one all still verify,
    # each only with its own signature: nothing from one URL reaches the check of another.
    long_path = "https://hooks.example.com/" + "a" * (signing._CACHED_URL_CHARS + 10)
    urls = [f"https://hooks.example.com/twilio/{n}" for n in range(200)] + [long_path, long_path + ":x"]
    for url in urls:
        signature = compute_signature(TOKEN, url, PARAMS)
        assert verify_twilio(TOKEN, url, PARAMS, signature)
        assert verify_twilio(TOKEN, url.replace(".com/", ".com:443/", 1), PARAMS, signature)
        assert not verify_twilio(TOKEN, url + "x", PARAMS, signature)
    assert signing._cached_port_variants.cache_info().currsize <= 64


@pytest.mark.parametrize("hostile", ["\r\nX-Injected: 1", "\x00", "é", "%ff%fe", " ", "?bodySHA256=00"])
def test_a_url_with_hostile_characters_verifies_only_its_own_signature(hostile: str) -> None:
    url = "https://hooks.example.com/twilio/sms/status" + hostile
    signature = compute_signature(TOKEN, url, PARAMS)
    if "bodySHA256" in hostile:  # the URL now claims a signed JSON body that is not there
        assert not verify_twilio(TOKEN, url, PARAMS, signature, raw_body=b"{}")
        return
    assert verify_twilio(TOKEN, url, PARAMS, signature)
    assert not verify_twilio(TOKEN, url, PARAMS, compute_signature(TOKEN, url.strip(), {}))
