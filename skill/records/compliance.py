"""Sender compliance as compliance_status reports it: per Messaging Service, its A2P 10DLC campaign
and senders, the numbers in no service, and the findings that block or risk sends."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from skill.records.base import Record

SenderKind = Literal["us_long_code", "toll_free", "other"]
Severity = Literal["error", "warning"]


class Campaign(Record):
    sid: str | None = Field(default=None, description="Campaign SID (QE...).")
    status: str | None = Field(default=None, description="VERIFIED, IN_PROGRESS, PENDING, FAILED or SUSPENDED.")
    use_case: str | None = Field(default=None, description="Campaign use case.")
    campaign_id: str | None = Field(default=None, description="The Campaign Registry id.")
    brand_registration_sid: str | None = Field(default=None, description="Brand SID (BN...).")
    brand_status: str | None = Field(default=None, description="APPROVED, PENDING, IN_REVIEW, FAILED, SUSPENDED...")


class SenderCompliance(Record):
    sid: str = Field(description="Phone number SID (PN...).")
    phone_number: str = Field(description="The number in E.164 form.")
    kind: SenderKind = Field(description="Which registration applies.")
    registration: str = Field(
        description="registered, unregistered, campaign_pending, campaign_suspended (long codes); verified, "
        "verification_pending, verification_rejected, unverified (toll-free); not_applicable."
    )
    tollfree_verification_status: str | None = Field(default=None, description="Toll-free verification status.")


class ServiceCompliance(Record):
    sid: str = Field(description="Messaging Service SID.")
    friendly_name: str | None = Field(default=None, description="Display name.")
    campaign: Campaign | None = Field(default=None, description="Its A2P 10DLC campaign, if any.")
    senders: list[SenderCompliance] = Field(description="Its phone number senders.")


class Finding(Record):
    code: str = Field(description="Stable code, e.g. a2p.unregistered_number.")
    severity: Severity = Field(description="error: sends are blocked; warning: at risk.")
    twilio_code: int | None = Field(default=None, description="The Twilio error sends would get.")
    title: str = Field(description="Short name of the problem.")
    subject: str = Field(description="The number or SID it concerns.")
    message: str = Field(description="What is wrong.")
    remediation: list[str] = Field(description="Ordered steps that fix it.")
    tools: list[str] = Field(description="Tools that help.")


class ComplianceReport(Record):
    ok: bool = Field(description="True when no finding blocks sends.")
    services: list[ServiceCompliance] = Field(description="Per Messaging Service.")
    unassigned_numbers: list[SenderCompliance] = Field(description="Account numbers in no service.")
    findings: list[Finding] = Field(description="Problems, most severe first.")
