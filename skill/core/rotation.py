"""API key rotation: create a replacement, keep its secret in the sink, prove it works, then revoke the old key.

The old key is revoked only after the new one has authenticated. If it does not, the new key is
deleted and its line removed from the sink, so the account ends exactly as it started. Every step
goes to the result and to the audit log; the secret goes to neither.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import anyio

from skill.core.context import Services
from skill.core.credentials import key_facts, own_key
from skill.core.display import quoted
from skill.core.secret_sink import SecretSink
from skill.errors import ConfigError, UpstreamError
from skill.records.approvals import Fact, Impact
from skill.records.credentials import Rotation, RotationStep

log = logging.getLogger("twilio_skill.rotation")

# A new key can take a moment to be accepted everywhere at Twilio; the sandbox accepts it at once.
LIVE_VERIFY_DELAYS = (0.0, 1.0, 2.0)
NAME_LIMIT = 64


class Steps:
    """The steps of one rotation, each recorded in the audit log as it happens."""

    def __init__(self, services: Services, old_key_sid: str) -> None:
        self.services = services
        self.old_key_sid = old_key_sid
        self.new_key_sid: str | None = None
        self.steps: list[RotationStep] = []

    def step(self, name: str, ok: bool, detail: str) -> None:
        self.steps.append(RotationStep(step=name, ok=ok, detail=detail))
        self.services.stores.audit.record(
            f"rotation.{name}",
            outcome="ok" if ok else "error",
            tool="credentials_rotate",
            profile=self.services.profile,
            detail={"old_key_sid": self.old_key_sid, "new_key_sid": self.new_key_sid, "detail": detail},
        )


def check_sink(services: Services) -> None:
    """Raises:
    ConfigError: config.secret_sink_unwritable, before any key exists.
    """
    path = services.settings.secrets_path
    try:
        SecretSink(path).ensure_writable()
    except OSError as exc:
        raise ConfigError(
            f"The secret sink {path} cannot be written ({exc.strerror or exc.__class__.__name__}); nothing changed.",
            code="config.secret_sink_unwritable",
            remediation=[f"Make {path} writable by this user, then call credentials_rotate again."],
        ) from None


def _new_name(old_name: str | None, today: str) -> str:
    base = (old_name or "api key").strip() or "api key"
    suffix = f" (rotated {today})"
    return base[: NAME_LIMIT - len(suffix)] + suffix


async def _verify(services: Services, sid: str, secret: str) -> tuple[bool, str]:
    delays = (0.0,) if services.settings.mode == "sandbox" else LIVE_VERIFY_DELAYS
    reason = "not tried"
    for attempt, delay in enumerate(delays, start=1):
        await anyio.sleep(delay)
        try:
            if await services.twilio.keys.verify(sid, secret):
                return True, f"authenticated on attempt {attempt}"
        except UpstreamError as exc:
            reason = exc.code
    return False, f"did not authenticate after {len(delays)} attempt(s) ({reason})"


async def _undo_new_key(rotation: Steps, sink: SecretSink, sid: str) -> None:
    """Take a new key back: delete it at Twilio and drop its line from the sink."""
    services = rotation.services
    try:
        await services.twilio.keys.delete(sid)
        rotation.step("delete_new", True, f"deleted the new key {sid}")
    except UpstreamError as exc:
        rotation.step("delete_new", False, f"could not delete {sid} ({exc.code}); delete it with apikey_revoke")
    try:
        removed = sink.forget(sid)
        rotation.step("unstore_new", True, "removed its line from the secret sink" if removed else "no line to remove")
    except OSError as exc:
        rotation.step("unstore_new", False, f"could not edit the secret sink ({exc.strerror})")


async def rotate_key(services: Services, old_key_sid: str) -> Rotation:
    """Replace old_key_sid with a new key; the old one is revoked only once the new one works.

    Raises:
        ConfigError: the secret sink cannot be written (nothing was created).
        UpstreamError: the old key does not exist, or Twilio refused to create a key (nothing changed).
    """
    check_sink(services)
    path = services.settings.secrets_path
    sink = SecretSink(path)
    rotation = Steps(services, old_key_sid)
    restart = own_key(services, old_key_sid)
    old = await services.twilio.keys.fetch(old_key_sid)
    rotation.step("check_old", True, f"found {old_key_sid} ('{old.friendly_name or 'no name'}')")
    today = datetime.now(UTC).date().isoformat()
    created, secret = await services.twilio.keys.create(_new_name(old.friendly_name, today))
    sid = created.sid
    rotation.new_key_sid = sid
    rotation.step("create", True, f"created {sid}")

    def outcome(rotated: bool, message: str, *, kept: bool = True, env_var: str | None = None) -> Rotation:
        return Rotation(
            rotated=rotated,
            old_key_sid=old_key_sid,
            new_key_sid=sid if kept else None,
            secret_stored_in=str(path),
            env_var=env_var,
            restart_required=restart and kept,
            steps=rotation.steps,
            message=message,
        )

    if not secret:
        rotation.step("store", False, "Twilio returned no secret for the new key")
        await _undo_new_key(rotation, sink, sid)
        return outcome(False, _failed(old_key_sid), kept=False)
    try:
        env_var = sink.store(sid, secret, friendly_name=created.friendly_name)
    except OSError as exc:
        rotation.step("store", False, f"could not write the secret sink ({exc.strerror})")
        await _undo_new_key(rotation, sink, sid)
        return outcome(False, _failed(old_key_sid), kept=False)
    rotation.step("store", True, f"secret written to {path} as {env_var}")
    verified, how = await _verify(services, sid, secret)
    del secret
    rotation.step("verify", verified, how)
    if not verified:
        await _undo_new_key(rotation, sink, sid)
        return outcome(False, _failed(old_key_sid), kept=False)
    try:
        await services.twilio.keys.delete(old_key_sid)
    except UpstreamError as exc:
        rotation.step("revoke_old", False, f"could not revoke {old_key_sid} ({exc.code})")
        message = (
            f"New key {sid} works and its secret is in {path} ({env_var}), but {old_key_sid} could not be "
            f"revoked: revoke it with apikey_revoke once nothing uses it."
        )
        return outcome(False, message, env_var=env_var)
    rotation.step("revoke_old", True, f"revoked {old_key_sid}")
    try:
        forgotten = sink.forget(old_key_sid)
        rotation.step("unstore_old", True, "removed the old key's line" if forgotten else "the old key had no line")
    except OSError as exc:
        rotation.step("unstore_old", False, f"could not edit the secret sink ({exc.strerror})")
    log.info("API key %s rotated to %s", old_key_sid, sid)
    message = f"{old_key_sid} was replaced by {sid}; its secret is in {path} as {env_var}."
    if restart:
        message += (
            f" This skill was using {old_key_sid}: restart it with TWILIO_API_KEY={sid} and TWILIO_API_SECRET "
            f"set from {env_var}; until then its calls fail."
        )
    return outcome(True, message, env_var=env_var)


async def rotation_impact(services: Services, old_key_sid: str) -> Impact:
    """What rotating a key would do; raises when there is no such key, so nothing is asked of an operator.

    Raises:
        UpstreamError: twilio.20404 when the key does not exist.
    """
    key = await services.twilio.keys.fetch(old_key_sid)
    after = "this server must restart with the new key" if own_key(services, key.sid) else "nothing on this server"
    return Impact(
        resource=f"API key {quoted(key.friendly_name or '')} ({key.sid})",
        facts=[
            *key_facts(services, key),
            Fact(
                label="replacement",
                value="a new key, its secret in this server's sink; checked before the old is revoked",
            ),
        ],
        blast_radius=[
            Fact(label="anything else using it", value="stops authenticating once the new key works"),
            Fact(label="restart", value=after),
        ],
        reversibility="not reversible",
    )


def _failed(old_key_sid: str) -> str:
    return (
        f"Rotation stopped: the new key could not be put to use, so it was taken back and {old_key_sid} "
        "was left untouched and still works. See steps for where it failed."
    )
