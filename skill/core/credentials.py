"""API keys: list them, create one (its secret goes to the secret sink, never to the caller), revoke one."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from skill.core.context import Services
from skill.core.secret_sink import SecretSink
from skill.errors import ConfigError, InputError, UpstreamError

log = logging.getLogger("twilio_skill.credentials")


def public_key(raw: dict[str, Any], current_key: str | None) -> dict[str, Any]:
    """The fields of a key that may be shown: never its secret."""
    sid = raw.get("sid")
    return {
        "sid": sid,
        "friendly_name": raw.get("friendly_name"),
        "date_created": raw.get("date_created"),
        "date_updated": raw.get("date_updated"),
        "in_use_by_skill": bool(current_key and sid and sid.lower() == current_key.lower()),
    }


async def list_keys(services: Services, limit: int) -> list[dict[str, Any]]:
    raw = await services.twilio.keys.list(limit)
    return [public_key(item, services.settings.api_key) for item in raw]


def _sink_error(path: str, exc: OSError, *, key_sid: str | None, revoked: bool) -> ConfigError:
    steps = [
        f"Make {path} writable by this user (its folder must exist and allow writing), then call apikey_create again."
    ]
    if key_sid and not revoked:
        steps.insert(0, f"Key {key_sid} was created but its secret could not be kept: revoke it with apikey_revoke.")
    what = f"Key {key_sid} was created and then revoked again" if key_sid and revoked else "No key was created"
    return ConfigError(
        f"The secret sink {path} cannot be written ({exc.strerror or exc.__class__.__name__}). {what}.",
        code="config.secret_sink_unwritable",
        remediation=steps,
    )


def check_sink(services: Services) -> SecretSink:
    """The secret sink, proven writable before any key exists.

    Raises:
        ConfigError: config.secret_sink_unwritable.
    """
    path = services.settings.secrets_path
    sink = SecretSink(path)
    try:
        sink.ensure_writable()
    except OSError as exc:
        raise _sink_error(str(path), exc, key_sid=None, revoked=False) from None
    return sink


async def create_key(services: Services, friendly_name: str) -> dict[str, Any]:
    """Create a standard API key, store its secret in the sink, and confirm the key authenticates.

    Raises:
        ConfigError: the secret sink cannot be written (checked before the key is created).
        UpstreamError: Twilio refused to create the key.
    """
    path = services.settings.secrets_path
    sink = check_sink(services)
    created = await services.twilio.keys.create(friendly_name)
    secret = created.pop("secret", None)
    sid = str(created.get("sid"))
    if not secret:
        raise UpstreamError(
            f"Twilio created key {sid} but returned no secret, so it cannot be used.",
            code="upstream.key_without_secret",
            remediation=[f"Revoke key {sid} with apikey_revoke.", "Create a new key with apikey_create."],
        )
    try:
        env_var = sink.store(sid, secret, friendly_name=created.get("friendly_name"), now=datetime.now(UTC))
    except OSError as exc:
        # A key whose secret is lost is only a liability: take it back at once.
        revoked = True
        try:
            await services.twilio.keys.delete(sid)
        except UpstreamError:
            revoked = False
        raise _sink_error(str(path), exc, key_sid=sid, revoked=revoked) from None
    try:
        verified = await services.twilio.keys.verify(sid, secret)
    except UpstreamError as exc:
        log.warning("new API key %s did not authenticate yet (%s)", sid, exc.code)
        verified = False
    log.info("API key %s created; secret stored in %s", sid, path)
    return {
        **public_key(created, services.settings.api_key),
        "secret_stored_in": str(path),
        "env_var": env_var,
        "verified": verified,
    }


def refuse_own_key(services: Services, sid: str) -> None:
    """Raises:
    InputError: input.own_key when sid is the key this skill authenticates with.
    """
    current = services.settings.api_key
    if current and sid.lower() == current.lower():
        raise InputError(
            f"Key {sid} is the key this skill is authenticated with; revoking it would cut the skill off.",
            code="input.own_key",
            remediation=[
                "Create a replacement with apikey_create and switch TWILIO_API_KEY/TWILIO_API_SECRET to it.",
                "Restart the skill with the new key, then revoke this one.",
            ],
        )


async def revoke_key(services: Services, sid: str) -> dict[str, Any]:
    """Delete a key so its secret stops working, and drop its line from the secret sink.

    Raises:
        InputError: the key is the one this skill authenticates with.
        UpstreamError: the key does not exist (twilio.20404) or Twilio refused.
    """
    refuse_own_key(services, sid)
    current = services.settings.api_key
    key = await services.twilio.keys.fetch(sid)
    await services.twilio.keys.delete(sid)
    try:
        forgotten = SecretSink(services.settings.secrets_path).forget(sid)
    except OSError:
        # The key is already dead at Twilio; a stale line in the sink is harmless but worth a warning.
        log.warning("revoked key %s but could not remove it from the secret sink", sid)
        forgotten = False
    return {**public_key(key, current), "revoked": True, "removed_from_sink": forgotten}
