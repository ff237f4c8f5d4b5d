"""Phone number lookups (Lookup v2 PhoneNumber resource), and what a lookup means for sending SMS."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from skill.records.base import Record


class LineTypeInfo(Record):
    kind: str | None = Field(default=None, description="mobile, landline, fixedVoip, nonFixedVoip, tollFree...")
    carrier_name: str | None = Field(default=None, description="Carrier serving the number.")
    mobile_country_code: str | None = Field(default=None, description="MCC of the carrier.")
    mobile_network_code: str | None = Field(default=None, description="MNC of the carrier.")
    error_code: int | None = Field(default=None, description="Twilio error code when this package failed.")


class CallerNameInfo(Record):
    caller_name: str | None = Field(default=None, description="Registered caller name (CNAM).")
    caller_type: str | None = Field(default=None, description="CONSUMER or BUSINESS.")
    error_code: int | None = Field(default=None, description="Twilio error code when this package failed.")


class Lookup(Record):
    """Lookup v2's answer for one number, with the data packages that were asked for."""

    phone_number: str | None = Field(default=None, description="The number in E.164 form.")
    valid: bool | None = Field(default=None, description="Whether Twilio considers it a valid number.")
    validation_errors: list[str] | None = Field(default=None, description="Why it is invalid, if it is.")
    country_code: str | None = Field(default=None, description="ISO country of the number.")
    national_format: str | None = Field(default=None, description="The number as dialled in its country.")
    line_type_intelligence: LineTypeInfo | None = Field(default=None, description="Line type package.")
    caller_name: CallerNameInfo | None = Field(default=None, description="Caller name package.")


class PackageErrors(Record):
    line_type_intelligence: int | None = Field(default=None, description="Error code of the line type package.")
    caller_name: int | None = Field(default=None, description="Error code of the caller name package (60600: US only).")


class NumberLookup(Record):
    phone_number: str = Field(description="The number in E.164 form.")
    valid: bool = Field(description="Whether Twilio considers it a valid number.")
    validation_errors: list[str] = Field(default_factory=list, description="Why it is invalid, if it is.")
    country_code: str | None = Field(default=None, description="ISO country of the number.")
    national_format: str | None = Field(default=None, description="The number as dialled in its country.")
    line_type: str | None = Field(
        default=None, description="mobile, landline, fixedVoip, nonFixedVoip, tollFree, personal, pager, voicemail..."
    )
    carrier_name: str | None = Field(default=None, description="Carrier serving the number.")
    mobile_country_code: str | None = Field(default=None, description="MCC of the carrier.")
    mobile_network_code: str | None = Field(default=None, description="MNC of the carrier.")
    caller_name: str | None = Field(default=None, description="Registered caller name (CNAM).")
    caller_type: str | None = Field(default=None, description="CONSUMER or BUSINESS.")
    package_errors: PackageErrors = Field(
        default_factory=PackageErrors, description="Twilio error code per package it could not answer."
    )
    sms_reachable: Literal["yes", "no", "maybe", "unknown"] = Field(description="Can it receive SMS?")
    sms_advice: str = Field(description="What the line type means for sending SMS to it.")
    expected_error: int | None = Field(default=None, description="Twilio error a message to it would likely get.")
