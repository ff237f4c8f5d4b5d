"""Programmable Voice resources (API v2010): a call, its notifications, a recording, a conference."""

from __future__ import annotations

from pydantic import Field

from skill.records.base import Record
from skill.records.errors import ErrorBrief


class Call(Record):
    sid: str = Field(description="Call SID.")
    status: str | None = Field(default=None, description="queued, ringing, in-progress, completed, busy, ...")
    to: str | None = Field(default=None, description="Who was called.")
    from_: str | None = Field(default=None, alias="from", description="Caller ID used.")
    direction: str | None = Field(default=None, description="outbound-api, inbound, ...")
    answered_by: str | None = Field(default=None, description="human or machine_*, with machine_detection.")
    parent_call_sid: str | None = Field(default=None, description="The call that created this one, if any.")
    start_time: str | None = Field(default=None, description="When it was dialled.")
    end_time: str | None = Field(default=None, description="When it ended.")
    duration: int | None = Field(default=None, description="Seconds connected, once ended.")
    price: str | None = Field(default=None, description="Cost (negative), once ended.")
    price_unit: str | None = Field(default=None, description="Currency of price.")
    date_created: str | None = Field(default=None, description="When it was created.")
    date_updated: str | None = Field(default=None, description="Last change.")


class CallReport(Call):
    error: ErrorBrief | None = Field(default=None, description="Why it failed, explained, when it failed.")


class Notification(Record):
    """A log entry Twilio keeps for a call: where a failed call's error code is found."""

    sid: str = Field(description="Notification SID.")
    call_sid: str | None = Field(default=None, description="The call it is about.")
    error_code: int | None = Field(default=None, description="Twilio error code.")
    message_text: str | None = Field(default=None, description="Twilio's text about it.")
    date_created: str | None = Field(default=None, description="When it was logged.")


class Recording(Record):
    sid: str = Field(description="Recording SID.")
    call_sid: str | None = Field(default=None, description="Call it belongs to.")
    conference_sid: str | None = Field(default=None, description="Conference it belongs to, if any.")
    status: str | None = Field(default=None, description="processing, completed, absent, ...")
    source: str | None = Field(default=None, description="How it was made: OutboundAPI, RecordVerb, ...")
    duration: int | None = Field(default=None, description="Length in seconds.")
    channels: int | None = Field(default=None, description="1 mono, 2 dual-channel.")
    price: str | None = Field(default=None, description="Cost (negative).")
    price_unit: str | None = Field(default=None, description="Currency of price.")
    start_time: str | None = Field(default=None, description="When recording started.")
    date_created: str | None = Field(default=None, description="When it was created.")
    media_url: str | None = Field(default=None, description="Where the audio is (needs account credentials).")


class Conference(Record):
    sid: str = Field(description="Conference SID.")
    friendly_name: str | None = Field(default=None, description="Name given in <Conference>.")
    status: str | None = Field(default=None, description="init, in-progress or completed.")
    region: str | None = Field(default=None, description="Where it is mixed.")
    reason_conference_ended: str | None = Field(default=None, description="Why it ended, once completed.")
    date_created: str | None = Field(default=None, description="When it started.")
    date_updated: str | None = Field(default=None, description="Last change.")
