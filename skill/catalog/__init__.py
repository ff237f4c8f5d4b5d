"""The error-code catalogue: curated entries in our own words, and Twilio's full list as a fallback.

explain(code, settings)         curated entry, else the local copy of Twilio's catalogue, else None
explain_in_full(code, settings) the same as a record, one that says so for a code known nowhere
remediation_for(code, settings) the ordered steps alone, with a generic pointer as the last resort
brief(code, settings, reported) a short explanation to attach to a failed message or call
sync(settings)                  download Twilio's catalogue into the skill's home (skill.catalog.sync)
"""

from __future__ import annotations

from skill.catalog.lookup import Explanation, brief, explain, explain_in_full, parse_code, remediation_for

__all__ = ["Explanation", "brief", "explain", "explain_in_full", "parse_code", "remediation_for"]
