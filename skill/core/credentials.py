"""API keys: list them, create one (its secret goes to the secret sink, never to the caller), revoke
one, and what a revocation would cut off, for the operator who approves it."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from skill.core.context import Services
from skill.core.display import quoted
from skill.core.secret_sink import SecretSink
from skill.core.timeutil import as_utc, parse_iso
from skill.errors import ConfigError, InputError, UpstreamError
from skill.records.approvals import Fact, Impact
from skill.records.credentials import ApiKey, CreatedKey, RevokedKey
from skill.records.page import Page

log = logging.getLogger("twilio_skill.credentials")

# Twilio cannot filter keys by date: at most this many are looked through per call.
KEY_SCAN = 1000


def own_key(services: Services, sid: str | None) -> bool:
    """Whether sid is the key this server authenticates with."""
    current = services.settings.api_key
    return bool(current and sid and sid.lower() == current.lower())


def marked(services: Services, key: ApiKey) -> ApiKey:
    return key.model_copy(update={"in_use_by_skill": own_key(services, key.sid)})


async def list_keys(
    services: Services, *, after: datetime | None, before: datetime | None, limit: int, cursor: str | None
) -> Page[ApiKey]:
    """The account's keys, the one this server uses marked. Creation dates are matched here, over at
    most KEY_SCAN keys per call.

    Raises:
        InputError: the cursor is not one of ours, or was made for other filters.
    """
    start = as_utc(after) if after else None
    end = as_utc(before) if before else None

    def created_between(key: ApiKey) -> bool:
        created = parse_iso(key.date_created)
        return created is not None and (start is None or created >= start) and (end is None or created < end)

    page = await services.twilio.keys.list_page(
        local={"after": start, "before": end},
        limit=limit,
        cursor=cursor,
        keep=created_between if start or end else None,
        scan=KEY_SCAN,
    )
    return page.model_copy(update={"items": [marked(services, key) for key in page.items]})


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


async def create_key(services: Services, friendly_name: str) -> CreatedKey:
    """Create a standard API key, store its secret in the sink, and confirm the key authenticates.

    Raises:
        ConfigError: the secret sink cannot be written (checked before the key is created).
        UpstreamError: Twilio refused to create the key.
    """
    path = services.settings.secrets_path
    sink = check_sink(services)
    created, secret = await services.twilio.keys.create(friendly_name)
    sid = created.sid
    if not secret:
        raise UpstreamError(
            f"Twilio created key {sid} but returned no secret, so it cannot be used.",
            code="upstream.key_without_secret",
            remediation=[f"Revoke key {sid} with apikey_revoke.", "Create a new key with apikey_create."],
        )
    try:
        env_var = sink.store(sid, secret, friendly_name=created.friendly_name, now=datetime.now(UTC))
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
    return CreatedKey(
        **marked(services, created).model_dump(), secret_stored_in=str(path), env_var=env_var, verified=verified
    )


def refuse_own_key(services: Services, sid: str) -> None:
    """Raises:
    InputError: input.own_key when sid is the key this skill authenticates with.
    """
    if own_key(services, sid):
        raise InputError(
            f"Key {sid} is the key this skill is authenticated with; revoking it would cut the skill off.",
            code="input.own_key",
            remediation=[
                "Create a replacement with apikey_create and switch TWILIO_API_KEY/TWILIO_API_SECRET to it.",
                "Restart the skill with the new key, then revoke this one.",
            ],
        )


async def revoke_key(services: Services, sid: str) -> RevokedKey:
    """Delete a key so its secret stops working, and drop its line from the secret sink.

    Raises:
        InputError: the key is the one this skill authenticates with.
        UpstreamError: the key does not exist (twilio.20404) or Twilio refused.
    """
    refuse_own_key(services, sid)
    key = await services.twilio.keys.fetch(sid)
    await services.twilio.keys.delete(sid)
    try:
        forgotten = SecretSink(services.settings.secrets_path).forget(sid)
    except OSError:
        # The key is already dead at Twilio; a stale line in the sink is harmless but worth a warning.
        log.warning("revoked key %s but could not remove it from the secret sink", sid)
        forgotten = False
    return RevokedKey(**marked(services, key).model_dump(), revoked=True, removed_from_sink=forgotten)


def key_facts(services: Services, key: ApiKey) -> list[Fact]:
    """What an operator needs to know of a key before it is revoked or replaced."""
    sink = SecretSink(services.settings.secrets_path)
    return [
        Fact(label="created", value=key.date_created or "unknown"),
        Fact(label="last changed", value=key.date_updated or "unknown"),
        Fact(label="used by this server", value="yes" if own_key(services, key.sid) else "no"),
        Fact(label="secret in this server's sink", value="yes" if sink.holds(key.sid) else "no"),
    ]


async def revoke_impact(services: Services, sid: str) -> Impact:
    """What revoking a key would do; raises when there is no such key, so nothing is asked of an operator.

    Raises:
        UpstreamError: twilio.20404 when the key does not exist.
    """
    key = await services.twilio.keys.fetch(sid)
    return Impact(
        resource=f"API key {quoted(key.friendly_name or '')} ({key.sid})",
        facts=key_facts(services, key),
        blast_radius=[Fact(label="anything using it", value="stops authenticating at once")],
        reversibility="not reversible",
    )
