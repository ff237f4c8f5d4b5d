"""Why an X-Twilio-Signature fails: the request as given, then the ways a proxy, a typo or the wrong
account changes what Twilio signed, until one matches. Tokens are used, never returned."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import SplitResult, urlunsplit

from skill.core.context import Services
from skill.core.signing import HMAC_SHA1, HMAC_SHA256, body_sha256, verify_twilio
from skill.core.urls import split_url
from skill.errors import InputError
from skill.records.webhooks import SignatureVerdict

MAX_PARAMETERS = 200
MAX_VALUES = 50


def _not_form(reason: str) -> InputError:
    return InputError(
        f"parameters must map each form field to its text (or a list of texts for a repeated field): {reason}.",
        code="input.invalid_parameters",
        remediation=['Pass a JSON object such as {"MessageSid": "SM...", "MessageStatus": "delivered"}.'],
    )


def form_parameters(given: Mapping[str, object]) -> dict[str, list[str]]:
    """A form post's fields from a JSON object: each name to its text, or to a list of texts when
    Twilio repeated the name; numbers and booleans are taken as the text Twilio would have sent.

    Raises:
        InputError: input.invalid_parameters for nested objects, nulls, or too many fields or values.
    """
    if len(given) > MAX_PARAMETERS:
        raise _not_form(f"more than {MAX_PARAMETERS} fields")
    form: dict[str, list[str]] = {}
    for name, value in given.items():
        values = value if isinstance(value, list) else [value]
        if len(values) > MAX_VALUES:
            raise _not_form(f"{name} has more than {MAX_VALUES} values")
        texts = []
        for item in values:
            if isinstance(item, bool):
                texts.append("true" if item else "false")
            elif isinstance(item, str | int | float):
                texts.append(str(item))
            else:
                raise _not_form(f"{name} holds {type(item).__name__}")
        form[name] = texts
    return form


def _url_variants(parts: SplitResult) -> list[tuple[str, str]]:
    """(description, url) for the ways a proxy or a configuration typo changes the URL Twilio signed."""
    variants: list[tuple[str, str]] = []
    other = {"https": "http", "http": "https"}.get(parts.scheme)
    if other:
        variants.append((f"scheme {other} instead of {parts.scheme}", urlunsplit(parts._replace(scheme=other))))
    if parts.port is not None:
        host = parts.netloc.rsplit(":", 1)[0]
        variants.extend(
            (f"{scheme} without port {parts.port}", urlunsplit(parts._replace(scheme=scheme, netloc=host)))
            for scheme in dict.fromkeys((parts.scheme, other or parts.scheme))
        )
    segments = [s for s in parts.path.split("/") if s]
    for cut in range(1, len(segments)):
        prefix = "/" + "/".join(segments[:cut])
        path = "/" + "/".join(segments[cut:])
        variants.append((f"path prefix {prefix} removed (proxy rewrite)", urlunsplit(parts._replace(path=path))))
    toggled = parts.path[:-1] if parts.path.endswith("/") else parts.path + "/"
    variants.append(("trailing slash toggled", urlunsplit(parts._replace(path=toggled))))
    if parts.query:
        variants.append(("query string dropped", urlunsplit(parts._replace(query=""))))
    return variants


def check_signature(
    services: Services,
    *,
    url: str,
    parameters: dict[str, list[str]] | None,
    body: str | None,
    signature: str,
    account_sid: str,
) -> SignatureVerdict:
    """Whether a Twilio signature is valid for this request and, when not, which variant would match.

    Tokens are used, never returned: a wrong-account match names the account SID only.

    Raises:
        InputError: input.parameters_and_body when both are given; input.invalid_url when the URL
            cannot be parsed.
    """
    if parameters is not None and body is not None:
        raise InputError(
            "Give parameters (form posts) or body (JSON posts), not both.",
            code="input.parameters_and_body",
            remediation=["Form posts: pass parameters. JSON posts whose URL has bodySHA256: pass body."],
        )
    parts = split_url(url)
    tokens = services.webhook_tokens
    raw = body.encode() if body is not None else None
    own = tokens(account_sid)
    known = own is not None
    secrets: list[tuple[str, str, str]] = []  # (description, secret, algorithm)
    if own:
        secrets.append((f"auth token of {account_sid}", own, HMAC_SHA1))
    shared = services.settings.webhook_shared_key
    if shared:
        secrets.append(("shared key (HMAC-SHA256)", shared, HMAC_SHA256))
    for _, secret, algorithm in secrets[:1]:
        if verify_twilio(secret, url, parameters, signature, raw_body=raw, algorithm=algorithm):
            return SignatureVerdict(valid=True, token_known=True, variants_tried=0)
    tried = 0
    candidates = [("the URL as given", url), *_url_variants(parts)]
    for description, secret, algorithm in secrets:
        for variant, candidate in candidates:
            if description.startswith("auth token") and variant == "the URL as given":
                continue
            tried += 1
            if verify_twilio(secret, candidate, parameters, signature, raw_body=raw, algorithm=algorithm):
                return _mismatch(f"{variant}, signed with the {description}", candidate, tried, known)
    for other in tokens.accounts():
        token = tokens(other)
        if other == account_sid or not token:
            continue
        tried += 1
        if verify_twilio(token, url, parameters, signature, raw_body=raw):
            return _mismatch(f"signed with the auth token of another account, {other}", url, tried, known)
    if raw is not None and "bodySHA256" in url:
        expected = body_sha256(raw)
        if expected not in url:
            reason = f"the body does not hash to the URL's bodySHA256 (it hashes to {expected})"
            return _mismatch(reason, None, tried, known)
    return SignatureVerdict(valid=False, token_known=known, variants_tried=tried)


def _mismatch(reason: str, url: str | None, tried: int, token_known: bool) -> SignatureVerdict:
    return SignatureVerdict(
        valid=False, matched=reason, matching_url=url, token_known=token_known, variants_tried=tried
    )
