"""Retention applied by the workers: each bulk worker (in `webhooks`, `worker`, and `serve` with the
bulk toolset) prunes what the policy's [retention] keeps no longer, on its first round and then once
a day by the wall clock, so records age out without anyone running `twilio-skill db prune`.

Opt-outs are never pruned. Workers sharing one database each prune daily; a prune removes only
what is past its age, so whichever runs first does the work and the others find nothing left.
"""

from __future__ import annotations

import logging

from skill.core.context import Services

log = logging.getLogger("twilio_skill.retention")

DAY = 86400.0
RETRY_SECONDS = 3600.0  # a prune that failed is tried again this much later, not a day later


class DailyPrune:
    """When this worker last pruned, and the prune itself."""

    def __init__(self, services: Services, *, every: float = DAY) -> None:
        self.services = services
        self.every = every
        self.last: float | None = None

    @property
    def configured(self) -> bool:
        return any(days is not None for days in self.services.policy.retention.describe().values())

    def due(self) -> bool:
        if not self.configured:
            return False
        return self.last is None or self.services.clock.now() - self.last >= self.every

    def run_if_due(self) -> dict[str, int] | None:
        """Prune when due; what was removed by kind, or None when it was not due. Anything removed is
        written to the audit log (counts only).

        Raises:
            Exception: whatever the store raised (the worker logs it and carries on; tried again
                after RETRY_SECONDS).
        """
        if not self.due():
            return None
        services = self.services
        now = services.clock.now()
        try:
            done = services.stores.retention.prune(services.policy.retention, now)
        except Exception:
            self.last = now - self.every + RETRY_SECONDS
            raise
        self.last = now
        if any(done.values()):
            services.stores.audit.record("retention.prune", outcome="ok", detail={"removed": done})
            log.info("retention: removed %s", ", ".join(f"{n} {kind}" for kind, n in done.items() if n))
        return done
