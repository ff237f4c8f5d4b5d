"""Helpers for receiver tests: sign requests as Twilio and SendGrid do, and post them to an app."""

from __future__ import annotations

import base64
import time
from typing import Any
from urllib.parse import urlencode

import httpx

from skill.config import SANDBOX_ACCOUNT_SID, SANDBOX_AUTH_TOKEN
from skill.core.signing import compute_signature

# Not a loopback name: receivers in tests are told to answer to it (allowed_hosts), as an operator would.
RECEIVER_HOST = "receiver.test"
BASE = f"http://{RECEIVER_HOST}"
STAGING_SUB = "sub-token-staging-" + "1" * 14


def message_sid(n: int) -> str:
    return "SM" + f"{n:032x}"


def status_params(sid: str, status: str, *, account: str = SANDBOX_ACCOUNT_SID, **extra: str) -> dict[str, str]:
    return {
        "AccountSid": account,
        "MessageSid": sid,
        "SmsSid": sid,
        "MessageStatus": status,
        "SmsStatus": status,
        "From": "+15005550006",
        "To": "+14155550100",
        "ApiVersion": "2010-04-01",
        **extra,
    }


def inbound_params(body: str, sender: str = "+14155550100", n: int = 1, **extra: str) -> dict[str, str]:
    return {
        "AccountSid": SANDBOX_ACCOUNT_SID,
        "MessageSid": message_sid(10_000 + n),
        "SmsStatus": "received",
        "Body": body,
        "From": sender,
        "To": "+15005550006",
        "NumMedia": "0",
        **extra,
    }


def signed_form(
    url: str, params: dict[str, str], token: str = SANDBOX_AUTH_TOKEN, **headers: str
) -> tuple[bytes, dict[str, str]]:
    """The body and headers of a form post signed with token for url."""
    signature = compute_signature(token, url, {k: [v] for k, v in params.items()})
    return urlencode(params).encode(), {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Twilio-Signature": signature,
        **headers,
    }


async def post_signed(
    client: httpx.AsyncClient, path: str, params: dict[str, str], token: str = SANDBOX_AUTH_TOKEN, **headers: str
) -> httpx.Response:
    url = f"{BASE}{path}"
    body, sent = signed_form(url, params, token, **headers)
    return await client.post(url, content=body, headers=sent)


def ec_key_pair() -> tuple[Any, str]:
    """A P-256 private key and its public key as SendGrid shows it (base64 DER)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    private = ec.generate_private_key(ec.SECP256R1())
    der = private.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return private, base64.b64encode(der).decode()


def sendgrid_headers(private: Any, body: bytes, timestamp: int | None = None) -> dict[str, str]:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec

    stamp = str(int(time.time()) if timestamp is None else timestamp)
    signature = private.sign(stamp.encode() + body, ec.ECDSA(hashes.SHA256()))
    return {
        "Content-Type": "application/json",
        "X-Twilio-Email-Event-Webhook-Signature": base64.b64encode(signature).decode(),
        "X-Twilio-Email-Event-Webhook-Timestamp": stamp,
    }
