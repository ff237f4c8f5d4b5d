"""Every failure the skill reports, as one small tree of exceptions.

    SkillError                  base; carries everything the `Error` result model needs
    ├── InputError              input.*    bad arguments, caught before any request leaves
    ├── PolicyError             policy.*   refused by the policy (deny, limits, opt-outs)
    │   └── ApprovalRequired    policy.approval_required, with the approval block
    ├── ConfigError             config.*   missing or unusable settings and credentials
    ├── NotFoundError           not_found.* a local record (approval, catalogue entry) is absent
    └── UpstreamError           twilio.<code>, sendgrid.*, upstream.*   the provider said no,
                                or the outcome of a request is unknown

Core and gateway code raise these; the server turns them into `is_error` results, so an
agent never sees a traceback.
"""

from __future__ import annotations

from typing import Any


class SkillError(Exception):
    """A failure with a stable code and ordered remediation steps."""

    default_code = "skill.error"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        remediation: list[str] | None = None,
        retryable: bool = False,
        http_status: int | None = None,
        twilio_code: int | None = None,
        docs_url: str | None = None,
        approval: dict[str, Any] | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code or self.default_code
        self.remediation = list(remediation or [])
        self.retryable = retryable
        self.http_status = http_status
        self.twilio_code = twilio_code
        self.docs_url = docs_url
        self.approval = approval
        self.retry_after = retry_after  # seconds the provider asked to wait (Retry-After), for retrying callers

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "message": self.message,
            "twilio_code": self.twilio_code,
            "http_status": self.http_status,
            "retryable": self.retryable,
            "remediation": self.remediation,
            "docs_url": self.docs_url,
            "approval": self.approval,
        }


class InputError(SkillError):
    default_code = "input.invalid"


class PolicyError(SkillError):
    default_code = "policy.denied"


class ApprovalRequired(PolicyError):
    default_code = "policy.approval_required"


class ConfigError(SkillError):
    default_code = "config.invalid"


class NotFoundError(SkillError):
    default_code = "not_found"


class UpstreamError(SkillError):
    default_code = "upstream.error"


def twilio_docs_url(code: int) -> str:
    return f"https://www.twilio.com/docs/errors/{code}"
