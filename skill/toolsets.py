"""The toolsets, defined once: their names, what each is for, which tool modules hold their tools, and
which are on by default. The registry, the settings' choices, the CLI, the server's instructions and
the generated docs all read this table."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Toolset:
    name: str
    purpose: str  # one line, as the server's instructions and the docs show it
    modules: tuple[str, ...]  # modules under skill.tools holding its tools (a module may serve several)
    default: bool = False


TOOLSETS: tuple[Toolset, ...] = (
    Toolset("accounts", "the account, subaccounts and their status", ("accounts",), default=True),
    Toolset("credentials", "API keys and their rotation", ("credentials",), default=True),
    Toolset(
        "messaging",
        "SMS/MMS/WhatsApp sends, opt-outs (STOP), messaging services, A2P 10DLC and toll-free status",
        ("messaging", "messaging_services"),
        default=True,
    ),
    Toolset(
        "numbers",
        "phone numbers: search, buy, configure, release; Lookup; published prices",
        ("numbers", "lookup", "pricing"),
        default=True,
    ),
    Toolset("content", "WhatsApp and rich-message Content templates (HX...) and their WhatsApp approval", ("content",)),
    Toolset("voice", "calls, recordings, TwiML and IVR menus", ("voice", "twiml", "ivr")),
    Toolset("verify", "Verify v2 one-time codes (OTP, 2FA)", ("verify",)),
    Toolset("email", "SendGrid email, templates and suppressions", ("email",)),
    Toolset("studio", "Studio flows and executions", ("studio",)),
    Toolset("monitor", "alerts, usage and triggers, webhook events and probes", ("monitor", "usage", "webhooks")),
    Toolset("bulk", "bulk SMS sends at the senders' rate, with send windows, pause and cancel", ("bulk",)),
    Toolset(
        "ops", "account audit, approval status, error codes explained", ("audit", "ops", "error_codes"), default=True
    ),
    Toolset("api", "any Twilio API operation by id: search ~1,400, call one (checked, gated)", ("twilio_api",)),
    Toolset("fleet", "every account side by side, configuration as code across environments", ("fleet", "config_code")),
)

BY_NAME: dict[str, Toolset] = {toolset.name: toolset for toolset in TOOLSETS}
ALL_TOOLSETS: tuple[str, ...] = tuple(toolset.name for toolset in TOOLSETS)
DEFAULT_TOOLSETS: tuple[str, ...] = tuple(toolset.name for toolset in TOOLSETS if toolset.default)


def modules_of(names: tuple[str, ...] | None) -> tuple[str, ...]:
    """The tool modules holding the tools of these toolsets (all of them for None), in table order."""
    chosen = TOOLSETS if names is None else [BY_NAME[name] for name in ALL_TOOLSETS if name in names]
    return tuple(dict.fromkeys(module for toolset in chosen for module in toolset.modules))
