"""Approval requests someone is waiting on, read back from the store until they change.

An operator decides in another process (the CLI, the console) or on another replica, so nothing in
this process hears of it: the only way to know is to read the store. While at least one request is
watched (a client subscribed to its resource, or a notification target waits for its decision),
`run` reads the watched requests every `interval` seconds and calls the listeners with each one
whose state changed. A request that reached an end (denied, used, expired) is dropped after its
listeners heard of it. Nothing is read while nothing is watched.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import anyio

from skill.errors import PolicyError
from skill.records.approvals import Approval

if TYPE_CHECKING:
    from skill.ports.clock import Clock
    from skill.ports.stores import ApprovalStore

log = logging.getLogger("twilio_skill.approval_watch")

Listener = Callable[[Approval, str], Awaitable[None]]  # (the request now, its effective status)
FINAL = frozenset({"denied", "used", "expired"})
MIN_INTERVAL = 0.2
MAX_INTERVAL = 10.0


def _state(approval: Approval | None, now: float) -> tuple[object, ...]:
    if approval is None:
        return ("missing",)
    return (approval.effective_status(now), approval.decided_at, approval.used_at)


@dataclass
class ApprovalWatch:
    store: ApprovalStore
    clock: Clock
    interval: float = 1.0
    max_watched: int = 1000
    _watchers: dict[str, set[object]] = field(default_factory=dict)
    _seen: dict[str, tuple[object, ...]] = field(default_factory=dict)
    _listeners: list[Listener] = field(default_factory=list)
    _wakes: set[anyio.Event] = field(default_factory=set)  # one per running loop

    def __post_init__(self) -> None:
        self.interval = min(max(self.interval, MIN_INTERVAL), MAX_INTERVAL)

    def on_change(self, listener: Listener) -> None:
        self._listeners.append(listener)

    @property
    def watched(self) -> frozenset[str]:
        return frozenset(self._watchers)

    def keys_of(self, approval_id: str) -> frozenset[object]:
        """Who watches a request."""
        return frozenset(self._watchers.get(approval_id, ()))

    def watch(self, approval_id: str, key: object, seen: Approval | None = None) -> None:
        """Watch a request on behalf of `key` (a subscriber); its state now is the baseline.

        Raises:
            PolicyError: too many requests are watched already.
        """
        if approval_id not in self._watchers:
            if len(self._watchers) >= self.max_watched:
                raise PolicyError(
                    f"This server already watches {self.max_watched} approval requests.",
                    code="policy.too_many_subscriptions",
                    retryable=True,
                    remediation=["Poll approval_status with wait_seconds instead, or retry later."],
                )
            current = seen if seen is not None else self.store.get(approval_id)
            self._seen[approval_id] = _state(current, self.clock.now())
            self._watchers[approval_id] = set()
        self._watchers[approval_id].add(key)
        for wake in self._wakes:
            wake.set()

    def unwatch(self, approval_id: str, key: object) -> None:
        keys = self._watchers.get(approval_id)
        if keys is None:
            return
        keys.discard(key)
        if not keys:
            self._drop(approval_id)

    def _drop(self, approval_id: str) -> None:
        self._watchers.pop(approval_id, None)
        self._seen.pop(approval_id, None)

    async def poll_once(self) -> list[Approval]:
        """Read every watched request once; tell the listeners of those that changed. Returns them."""
        changed: list[Approval] = []
        for approval_id in list(self._watchers):
            current = await anyio.to_thread.run_sync(self.store.get, approval_id)
            state = _state(current, self.clock.now())
            if approval_id not in self._watchers or state == self._seen.get(approval_id):
                continue
            self._seen[approval_id] = state
            if current is None:
                self._drop(approval_id)
                continue
            status = str(state[0])
            changed.append(current)
            for listener in list(self._listeners):
                try:
                    await listener(current, status)
                except Exception:
                    # One listener (a closed session, a full queue) must not keep the others from hearing.
                    log.exception("an approval listener failed for %s", approval_id)
            if status in FINAL:
                self._drop(approval_id)
        return changed

    async def run(self) -> None:
        """Poll while anything is watched; sleep until something is, otherwise. Runs until cancelled."""
        wake = anyio.Event()
        self._wakes.add(wake)
        try:
            while True:
                if self._watchers:
                    try:
                        await self.poll_once()
                    except Exception:
                        # The store may be briefly locked by another process; the next round tries again.
                        log.exception("could not read watched approval requests")
                with anyio.move_on_after(self.interval if self._watchers else None):
                    await wake.wait()
                self._wakes.discard(wake)
                wake = anyio.Event()
                self._wakes.add(wake)
        finally:
            self._wakes.discard(wake)
