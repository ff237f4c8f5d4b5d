"""Result models shared by every tool: the base result, the error shape, and an error code explained."""

from __future__ import annotations

from typing import Any, Generic, Literal, Self, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from skill.records.errors import ErrorBrief
from skill.records.page import Page

__all__ = ["ErrorBrief"]

Environment = Literal["sandbox", "live"]


class Model(BaseModel):
    """Base for input and output models: no schema titles, aliases used on the wire."""

    model_config = ConfigDict(populate_by_name=True, extra="forbid", defer_build=True)


class ToolResult(Model):
    """Every tool result says which environment answered it."""

    environment: Environment = Field(
        default="live", description="'sandbox' when the embedded sandbox answered, else 'live'."
    )


T = TypeVar("T")


class ListResult(ToolResult, Generic[T]):
    """The envelope of every list tool: the items of one page, and how to get the next."""

    items: list[T] = Field(description="This page's items.")
    count: int = Field(description="Number of items on this page.")
    has_more: bool = Field(description="True when there are more; pass next_cursor to get them.")
    next_cursor: str | None = Field(default=None, description="Cursor of the next page.")
    scanned: int | None = Field(default=None, description="Rows looked through, when filtered after fetching.")

    @classmethod
    def of(cls, page: Page[Any]) -> Self:
        return cls(
            items=page.items,
            count=len(page.items),
            has_more=page.has_more,
            next_cursor=page.next_cursor,
            scanned=page.scanned,
        )


class Deleted(ToolResult):
    """What every delete tool returns."""

    sid: str = Field(description="SID of the deleted resource.")
    deleted: bool = Field(description="True: it is gone.")


class ApprovalInfo(Model):
    id: str = Field(description="Approval request id; pass it back as approval_id once approved.")
    status: str | None = Field(default=None, description="pending, approved, denied, used or expired.")
    summary: str = Field(description="What the call will do once approved.")
    impact: dict[str, Any] | None = Field(default=None, description="The resource, cost, blast radius.")
    expires_at: str | None = Field(default=None, description="ISO 8601 time after which the request lapses.")
    approve_command: str | None = Field(default=None, description="The command an operator runs to approve it.")
    console_url: str | None = Field(default=None, description="Web console page for this request.")
    note: str | None = Field(default=None, description="What happened to the approval this call used.")


class Error(Model):
    code: str = Field(description="Stable code, e.g. twilio.21211, policy.approval_required.")
    message: str = Field(description="What went wrong, in one or two sentences.")
    twilio_code: int | None = Field(default=None, description="Twilio's numeric error code, if any.")
    http_status: int | None = Field(default=None, description="HTTP status from the provider, if any.")
    retryable: bool = Field(default=False, description="True when the same call may succeed if repeated.")
    remediation: list[str] = Field(default_factory=list, description="Ordered steps that fix it.")
    docs_url: str | None = Field(default=None, description="Where the provider documents this error.")
    approval: ApprovalInfo | None = Field(default=None, description="Set for gated calls.")


class ErrorResult(Model):
    error: Error
    environment: Environment = "live"


def error_payload(error: dict[str, Any], environment: Environment) -> dict[str, Any]:
    """The structured content of an error result, validated through the model."""
    return ErrorResult(error=Error.model_validate(error), environment=environment).model_dump(
        mode="json", exclude_none=False
    )
