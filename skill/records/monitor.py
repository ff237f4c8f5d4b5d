"""A Monitor alert (monitor.twilio.com v1 Alert resource): an error or warning Twilio logged."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self
from urllib.parse import parse_qs

from pydantic import Field

from skill.records.base import Record
from skill.records.errors import ErrorBrief


def alert_text_fields(text: object) -> dict[str, str]:
    """What an alert's alert_text says (it is form-encoded: Msg, httpResponse, url, ...)."""
    if not isinstance(text, str) or not text:
        return {}
    if "=" not in text:
        return {"Msg": text}
    return {key: values[0] for key, values in parse_qs(text, keep_blank_values=True).items() if values}


class Alert(Record):
    sid: str = Field(description="Alert SID (NO...).")
    error_code: int | None = Field(default=None, description="Twilio error code.")
    log_level: str | None = Field(default=None, description="error, warning, notice or debug.")
    message: str | None = Field(default=None, description="What Twilio reported.")
    resource_sid: str | None = Field(default=None, description="The message, call or other resource concerned.")
    request_url: str | None = Field(default=None, description="URL of the request that failed.")
    request_method: str | None = Field(default=None, description="Its HTTP method.")
    date_generated: str | None = Field(default=None, description="When it happened.")

    @classmethod
    def from_api(cls, raw: Mapping[str, Any]) -> Self:
        """The record from Twilio's alert, its message and response status read out of alert_text."""
        fields = alert_text_fields(raw.get("alert_text"))
        status = fields.get("httpResponse", "")
        return super().from_api(
            {
                **raw,
                "message": fields.get("Msg") or raw.get("alert_text") or None,
                "response_status": int(status) if status.isdigit() and len(status) <= 3 else None,
            }
        )


class AlertDetail(Alert):
    """An alert as a single fetch returns it: with the request Twilio made and the answer it got."""

    response_status: int | None = Field(default=None, description="HTTP status the request got, if any.")
    response_body: str | None = Field(default=None, description="Body of that response.")
    response_headers: str | None = Field(default=None, description="Headers of that response.")
    request_variables: str | None = Field(default=None, description="Parameters Twilio sent.")
    more_info: str | None = Field(default=None, description="Twilio's page for the error.")


class AlertReport(AlertDetail):
    explanation: ErrorBrief | None = Field(default=None, description="The error explained, with steps.")


class AlertGroup(Record):
    error_code: int = Field(description="Twilio error code.")
    count: int = Field(description="Alerts with this code.")
    title: str | None = Field(default=None, description="The catalogue's title for the code.")
    meaning: str | None = Field(default=None, description="What the code means.")
    last_seen: str | None = Field(default=None, description="When the latest one happened.")
