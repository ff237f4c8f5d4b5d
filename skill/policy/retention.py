"""How long stored records are kept: the policy's [retention] section, applied by `twilio-skill db prune`
and once a day by every bulk worker (skill.core.daily_prune).

    [retention]
    audit_days = 365            # audit entries older than this are deleted
    webhook_event_days = 30     # processed webhook events older than this are deleted
    message_body_days = 7       # message bodies in stored webhook events are blanked after this

Unset means kept forever. Opt-outs are never pruned, whatever the section says.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from skill.errors import ConfigError

# Ten years: past that a number of days is a typo, not a retention period.
MAX_DAYS = 3650
FIELDS = ("audit_days", "webhook_event_days", "message_body_days")


@dataclass(frozen=True)
class Retention:
    audit_days: int | None = None
    webhook_event_days: int | None = None
    message_body_days: int | None = None

    def describe(self) -> dict[str, int | None]:
        return {name: getattr(self, name) for name in FIELDS}


def parse_retention(section: Any) -> Retention:
    """The [retention] table of a policy file.

    Raises:
        ConfigError: an unknown key, or a value that is not a whole number of days from 1 to 3650.
    """
    if not isinstance(section, dict):
        raise ConfigError("Policy [retention] must be a table.", code="config.policy_invalid")
    unknown = sorted(set(section) - set(FIELDS))
    if unknown:
        raise ConfigError(
            f"Policy [retention] has unknown keys: {', '.join(map(repr, unknown))}.",
            code="config.policy_invalid",
            remediation=[f"Use only {', '.join(FIELDS)}."],
        )
    values: dict[str, int] = {}
    for name, value in section.items():
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_DAYS:
            raise ConfigError(
                f"Policy [retention].{name} must be a whole number of days from 1 to {MAX_DAYS}, not {value!r}.",
                code="config.policy_invalid",
                remediation=[f"Write e.g. {name} = 90 under [retention], or leave it out to keep everything."],
            )
        values[name] = value
    return Retention(**values)
