"""Verify v2: services, verifications and the checks of their codes. A code itself is never part of a
record: Twilio never returns one, and the code an agent passes stays an argument."""

from __future__ import annotations

from pydantic import Field

from skill.records.base import Record


class VerifyService(Record):
    sid: str = Field(description="Service SID (VA...).")
    friendly_name: str | None = Field(default=None, description="Name shown in the messages.")
    code_length: int | None = Field(default=None, description="Digits per code.")
    lookup_enabled: bool | None = Field(default=None, description="Whether numbers are looked up first.")
    date_created: str | None = Field(default=None, description="When it was created.")
    date_updated: str | None = Field(default=None, description="When it last changed.")


class Verification(Record):
    sid: str = Field(description="Verification SID (VE...).")
    service_sid: str | None = Field(default=None, description="Verify service used.")
    to: str | None = Field(default=None, description="Destination, normalised.")
    channel: str | None = Field(default=None, description="Channel of the latest send.")
    status: str | None = Field(default=None, description="pending until checked.")
    send_attempts: int = Field(default=0, description="Codes sent in this verification so far (Twilio allows 5).")
    date_created: str | None = Field(default=None, description="When it started.")
    date_updated: str | None = Field(default=None, description="Last change.")


class VerificationCheck(Record):
    sid: str = Field(description="Verification SID (VE...).")
    service_sid: str | None = Field(default=None, description="Verify service used.")
    to: str | None = Field(default=None, description="Destination.")
    channel: str | None = Field(default=None, description="Channel the code went by.")
    status: str | None = Field(
        default=None, description="approved, pending (wrong code, may retry) or max_attempts_reached."
    )
    date_created: str | None = Field(default=None, description="When the verification started.")
    date_updated: str | None = Field(default=None, description="Last change.")


class CodeCheck(VerificationCheck):
    approved: bool = Field(description="True when the code was right.")
