"""Which Twilio operations the `api` tools never run, and which a curated tool runs instead.

ALWAYS_DENIED is refused whatever the policy says: promoting or adding auth tokens, and every
operation whose answer carries a credential (an API key's secret, an auth token, an OAuth token).
The specs flag none of those values as PII, so the list was made by scanning every response for
properties named like secrets (`skill.specs.build.is_secret`); a test keeps the two in step.

CURATED maps each tool that does the same job through its own checks (opt-outs, allowed countries,
send caps, impact for approvals) to the operations it covers, by qualified id: the `api` tools refuse
those and name the tool, in every version of the product that has them (Studio v1 and v2, Lookup v1 and
v2). Conversations' or Chat's own CreateMessage are other operations and stay reachable. Tools that
call no Twilio operation (local work, SendGrid, composites) are in LOCAL_TOOLS.
"""

from __future__ import annotations

ALWAYS_DENIED: frozenset[str] = frozenset(
    {
        # the account's auth tokens: promotion and the secondary token
        "accounts_v1.UpdateAuthTokenPromotion",
        "accounts_v1.CreateSecondaryAuthToken",
        "accounts_v1.DeleteSecondaryAuthToken",
        # answers carrying a secret value
        "api_v2010.CreateAccount",  # auth_token of the new subaccount
        "api_v2010.FetchAccount",  # auth_token
        "api_v2010.ListAccount",  # auth_token of every subaccount
        "api_v2010.UpdateAccount",  # auth_token
        "api_v2010.CreateNewKey",  # secret
        "api_v2010.CreateNewSigningKey",  # secret
        "api_v2010.CreateToken",  # password (Network Traversal credentials)
        "iam_v1.CreateNewKey",  # secret
        "iam_v1.CreateOauthAppAccount",  # secret
        "iam_v1.UpdateOauthAppAccount",  # secret
        "iam_v1.CreateToken",  # access, id and refresh tokens
        "iam_organizations.CreateToken",  # access, id and refresh tokens
        "oauth_v1.CreateToken",  # access, id and refresh tokens
        "oauth_v2.CreateOauth2Token",  # access, id and refresh tokens
        "numbers_v1.CreateSenderIdRegistrationEmbeddedSession",  # sessionToken of the embedded session
        "trusthub_v1.CreateComplianceInquiry",  # inquiry_session_token
        "trusthub_v1.UpdateComplianceInquiry",  # inquiry_session_token
        "trusthub_v1.CreateComplianceRegistration",  # inquiry_session_token
        "trusthub_v1.UpdateComplianceRegistration",  # inquiry_session_token
        "trusthub_v1.CreateComplianceTollfreeInquiry",  # inquiry_session_token
        "verify_v2.CreateAccessToken",  # token
        "verify_v2.FetchAccessToken",  # token
    }
)

_A = "api_v2010."
CURATED: dict[str, tuple[str, ...]] = {
    "account_get": (),  # FetchAccount answers the auth token: always denied above
    "subaccounts_list": (),  # ListAccount: always denied above
    "subaccount_create": (),  # CreateAccount: always denied above
    "subaccount_set_status": (),  # UpdateAccount: always denied above
    "apikeys_list": (f"{_A}ListKey", f"{_A}FetchKey"),
    "apikey_create": (),  # CreateNewKey: always denied above
    "apikey_revoke": (f"{_A}DeleteKey", f"{_A}UpdateKey"),
    "credentials_rotate": ("iam_v1.DeleteKey", "iam_v1.UpdateKey"),
    "message_send": (f"{_A}CreateMessage",),
    "message_get": (f"{_A}FetchMessage",),
    "messages_list": (f"{_A}ListMessage",),
    "message_cancel": (f"{_A}UpdateMessage", f"{_A}DeleteMessage"),
    "content_templates_list": tuple(
        f"content_{v}.{name}" for v in ("v1", "v2") for name in ("ListContentAndApprovals", "ListContent")
    ),
    "content_template_get": ("content_v1.FetchContent", "content_v1.FetchApprovalFetch"),
    "content_template_create": ("content_v1.CreateContent", "content_v1.CreateApprovalCreate"),
    "messaging_services_list": ("messaging_v1.ListService",),
    "messaging_service_get": ("messaging_v1.FetchService",),
    "messaging_service_create": ("messaging_v1.CreateService",),
    "messaging_service_update": ("messaging_v1.UpdateService", "messaging_v1.DeleteService"),
    "messaging_service_sender_add": ("messaging_v1.CreatePhoneNumber",),
    "messaging_service_sender_remove": ("messaging_v1.DeletePhoneNumber",),
    "compliance_status": (
        "messaging_v1.ListUsAppToPerson",
        "messaging_v1.FetchBrandRegistrations",
        "messaging_v1.ListTollfreeVerification",
    ),
    "numbers_list": (f"{_A}ListIncomingPhoneNumber", f"{_A}FetchIncomingPhoneNumber"),
    "number_search": tuple(
        f"{_A}ListAvailablePhoneNumber{kind}"
        for kind in ("Local", "Mobile", "TollFree", "National", "Voip", "SharedCost", "MachineToMachine")
    ),
    "number_buy": tuple(f"{_A}CreateIncomingPhoneNumber{kind}" for kind in ("", "Local", "Mobile", "TollFree")),
    "number_configure": (f"{_A}UpdateIncomingPhoneNumber",),
    "number_release": (f"{_A}DeleteIncomingPhoneNumber",),
    "number_lookup": ("lookups_v2.FetchPhoneNumber", "lookups_v1.FetchPhoneNumber"),
    "pricing_get": (
        "pricing_v1.FetchMessagingCountry",
        "pricing_v1.FetchPhoneNumberCountry",
        "pricing_v2.FetchVoiceCountry",
        "pricing_v2.FetchVoiceNumber",
        "pricing_v1.FetchVoiceCountry",
        "pricing_v1.FetchVoiceNumber",
    ),
    "call_create": (f"{_A}CreateCall",),
    "call_get": (f"{_A}FetchCall",),
    "calls_list": (f"{_A}ListCall",),
    "call_update": (f"{_A}UpdateCall",),
    "recordings_list": (f"{_A}ListRecording", f"{_A}FetchRecording"),
    "recording_delete": (f"{_A}DeleteRecording",),
    "conferences_list": (f"{_A}ListConference",),
    "ivr_deploy": (),  # updates numbers through number_configure's operation
    "verify_services_list": ("verify_v2.ListService",),
    "verify_service_create": ("verify_v2.CreateService",),
    "verification_start": ("verify_v2.CreateVerification",),
    "verification_check": ("verify_v2.CreateVerificationCheck",),
    "studio_flows_list": ("studio_v2.ListFlow", "studio_v1.ListFlow"),
    "studio_flow_export": ("studio_v2.FetchFlow", "studio_v1.FetchFlow"),
    "studio_flow_validate": ("studio_v2.UpdateFlowValidate",),
    "studio_flow_deploy": ("studio_v2.CreateFlow", "studio_v2.UpdateFlow"),
    "studio_execution_start": ("studio_v2.CreateExecution", "studio_v1.CreateExecution"),
    "studio_executions_list": ("studio_v2.ListExecution", "studio_v1.ListExecution"),
    "studio_execution_get": tuple(
        f"studio_{v}.{name}" for v in ("v2", "v1") for name in ("FetchExecution", "ListExecutionStep")
    ),
    "studio_execution_stop": ("studio_v2.UpdateExecution", "studio_v1.UpdateExecution"),
    "alerts_list": ("monitor_v1.ListAlert",),
    "alert_get": ("monitor_v1.FetchAlert",),
    "usage_summary": tuple(
        f"{_A}ListUsageRecord{period}"
        for period in ("", "AllTime", "Daily", "LastMonth", "Monthly", "ThisMonth", "Today", "Yearly", "Yesterday")
    ),
    "usage_triggers_list": (f"{_A}ListUsageTrigger",),
    "usage_trigger_create": (f"{_A}CreateUsageTrigger",),
    "usage_trigger_delete": (f"{_A}DeleteUsageTrigger",),
    "webhook_events_list": ("monitor_v1.ListEvent",),
}

# Tools with no Twilio operation of their own: local work, SendGrid, or composites of the tools above.
LOCAL_TOOLS: frozenset[str] = frozenset(
    {
        "message_preview", "optout_list", "optout_add", "optout_remove", "twiml_build", "twiml_lint",
        "ivr_build", "twiml_grammar", "email_send", "email_templates_list", "email_template_get",
        "email_suppressions_list", "email_suppression_remove", "message_timeline", "webhook_signature_check",
        "webhook_probe", "account_audit", "approval_status", "error_explain", "twilio_api_find",
        "twilio_api_call",
        # Bulk jobs live in the outbox; their messages go out through message_send's checks.
        "bulk_send_create", "bulk_status", "bulk_list", "bulk_pause", "bulk_resume", "bulk_cancel",
        # Fleet views and configuration as code read and change accounts through the curated tools' core.
        "fleet_overview", "config_export", "config_plan", "config_apply",
    }
)  # fmt: skip

COVERED_BY: dict[str, str] = {op: tool for tool, ops in CURATED.items() for op in ops}
