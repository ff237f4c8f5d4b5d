"""TwiML linting: read a document the way Twilio would and report what it would refuse, skip or
misread, each finding with a path, a fix and Twilio's error code where Twilio has one.

    lint(xml, kind=None)          every finding, with the kind (voice or messaging) it was read as
    lint_errors(xml, kind=None)   only the error-severity findings: refuse the document when non-empty

Severities: error (Twilio fails the document or skips or misreads that part), warning (it runs, but
probably not as meant, or is fragile), info (advice, such as the Content-Type to serve it with).
"""

from __future__ import annotations

import difflib
import re
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from skill.core import twiml_rules as rules
from skill.core.twiml_checks import Checks, Finding, Severity, local_name, own_text
from skill.core.twiml_rules import ELEMENTS, Element

__all__ = ["CONTENT_TYPE", "Finding", "Kind", "LintReport", "Severity", "infer_kind", "lint", "lint_errors"]

Kind = Literal["voice", "messaging"]
CONTENT_TYPE = "application/xml"
# Entity declarations are refused before parsing: the parser would expand them (billion laughs).
_DECLARATION = re.compile(r"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)


@dataclass
class LintReport:
    kind: Kind
    size_bytes: int
    findings: list[Finding]

    @property
    def ok(self) -> bool:
        """True when no finding is an error."""
        return not any(finding.severity == "error" for finding in self.findings)


def _tags(names: Iterable[str]) -> str:
    return ", ".join(f"<{name}>" for name in sorted(names))


def infer_kind(root: ET.Element) -> Kind:
    """messaging when the top-level verbs are messaging verbs only, else voice."""
    names = {local_name(child.tag) for child in root}
    voice_only = rules.VOICE_VERBS - rules.MESSAGING_VERBS
    if names & {"Message", "Body", "Media"} and not names & voice_only:
        return "messaging"
    return "voice"


class _Linter(Checks):
    def __init__(self, kind: Kind) -> None:
        super().__init__()
        self.kind: Kind = kind

    def children(self, element: ET.Element, name: str, path: str, allowed: frozenset[str]) -> list[tuple[str, str]]:
        """Check each child against what `name` allows; recurse into the allowed ones."""
        seen: Counter[str] = Counter()
        placed: list[tuple[str, str]] = []
        for child in element:
            child_name = local_name(child.tag)
            seen[child_name] += 1
            child_path = f"{path}/{child_name}[{seen[child_name]}]"
            placed.append((child_name, child_path))
            if child_name in allowed:
                self.element(child, child_name, child_path)
            else:
                self.misplaced(child_name, name, child_path)
        return placed

    def misplaced(self, name: str, parent: str, path: str) -> None:
        if name not in ELEMENTS:
            spelled = rules.known_name(name)
            if spelled:
                self.add(
                    "error",
                    path,
                    f"TwiML is case-sensitive: <{name}> is not <{spelled}>.",
                    f"Write <{spelled}>.",
                    rules.SCHEMA_WARNING,
                )
            else:
                self.add(
                    "error",
                    path,
                    f"<{name}> is not a TwiML verb or noun; Twilio skips it.",
                    "Remove it or fix its spelling (see Twilio's TwiML reference).",
                    rules.SCHEMA_WARNING,
                )
            return
        homes = rules.parents_of(name)
        if parent == "Response":
            if self.kind == "messaging" and name in rules.VOICE_VERBS:
                self.add(
                    "error",
                    path,
                    f"<{name}> is a voice verb; a messaging response takes only <Message> and <Redirect>.",
                    "Reply with <Message> (text in <Body>, files in <Media>), or use this verb in a voice response.",
                    rules.INVALID_SMS_VERB,
                )
            elif self.kind == "voice" and name in rules.MESSAGING_VERBS:
                self.add(
                    "error",
                    path,
                    f"<{name}> is a messaging verb and does nothing in a voice response.",
                    "To text the caller during a call, send a message with the Messages API; if this document "
                    "answers an incoming message, lint it with kind=messaging.",
                    rules.SCHEMA_WARNING,
                )
            else:
                self.add(
                    "error",
                    path,
                    f"<{name}> is a noun, not a verb: it only works inside {_tags(homes)}.",
                    f"Nest it inside {_tags(homes)}, e.g. <{homes[0]}><{name}>...</{name}></{homes[0]}>.",
                    rules.SCHEMA_WARNING,
                )
            return
        allowed = ELEMENTS[parent].children
        if name in rules.VOICE_VERBS | rules.MESSAGING_VERBS:
            homes = ["Response", *homes]
        where = f"; it belongs inside {_tags(homes)}" if homes else ""
        takes = f"<{parent}> takes only {_tags(allowed)}" if allowed else f"<{parent}> takes no nested elements"
        self.add(
            "error",
            path,
            f"<{name}> cannot be nested inside <{parent}> ({takes}){where}.",
            f"Move <{name}> out of <{parent}>, before or after it.",
            ELEMENTS[parent].child_code,
        )

    def element(self, element: ET.Element, name: str, path: str) -> None:
        rule = ELEMENTS[name]
        self.attributes(element, name, rule, path)
        self.text(element, name, rule, path)
        if not rule.opaque:
            self.children(element, name, path, rule.children)
        check = getattr(self, f"check_{name.lower()}", None)
        if check is not None:
            check(element, path)

    def attributes(self, element: ET.Element, name: str, rule: Element, path: str) -> None:
        if rule.attrs is None:
            return
        for attribute, value in element.attrib.items():
            if attribute.startswith("{"):
                continue  # namespaced attributes (xml:lang) are not TwiML's
            attr_path = f"{path}/@{attribute}"
            attr = rule.attrs.get(attribute)
            if attr is not None:
                self.value(name, attribute, attr, value, attr_path)
                continue
            by_case = [known for known in rule.attrs if known.lower() == attribute.lower()]
            guess = by_case or difflib.get_close_matches(attribute, list(rule.attrs), n=1, cutoff=0.75)
            hint = f" Did you mean '{guess[0]}'?" if guess else ""
            known = ", ".join(sorted(rule.attrs)) or "none"
            self.add(
                "warning",
                attr_path,
                f"<{name}> has no attribute '{attribute}'; Twilio ignores it.{hint}",
                f"Remove it or use one of <{name}>'s attributes: {known}.",
                rules.SCHEMA_WARNING,
            )

    def response(self, root: ET.Element) -> None:
        for attribute in root.attrib:
            self.add(
                "warning",
                f"/Response/@{attribute}",
                f"<Response> has no attribute '{attribute}'.",
                "Remove it.",
                rules.SCHEMA_WARNING,
            )
        if own_text(root).strip():
            self.add(
                "warning",
                "/Response",
                "Text directly inside <Response> is ignored.",
                "Put spoken text in <Say> (voice) or <Message> (messaging).",
                rules.SCHEMA_WARNING,
            )
        allowed = rules.VOICE_VERBS if self.kind == "voice" else rules.MESSAGING_VERBS
        ended_by = None
        for verb, path in self.children(root, "Response", "/Response", allowed):
            if ended_by:
                self.add(
                    "warning",
                    path,
                    f"<{verb}> never runs: it comes after {ended_by}.",
                    "Remove it, or move it before that verb.",
                )
            elif verb in rules.TERMINAL_VERBS:
                ended_by = f"<{verb}> at {path}"


def lint(xml: str, kind: Kind | None = None) -> LintReport:
    """Every finding for one TwiML document; `kind` is inferred from its verbs when not given."""
    size = len(xml.encode("utf-8"))
    linter = _Linter(kind or "voice")
    if size > rules.MAX_DOCUMENT_BYTES:
        linter.add(
            "error",
            "/",
            f"The document is {size} bytes; Twilio refuses TwiML over 64 KB.",
            "Make it smaller: move long prompts into audio files played with <Play>, or split the flow "
            "over several documents joined by <Redirect>.",
            rules.BODY_TOO_LARGE,
        )
    if _DECLARATION.search(xml):
        linter.add(
            "error",
            "/",
            "The document has a DOCTYPE or ENTITY declaration; it is not read any further.",
            "Remove the declaration: TwiML needs none.",
            rules.PARSE_FAILURE,
        )
        return LintReport(linter.kind, size, linter.findings)
    try:
        root = ET.fromstring(xml)
    except ET.ParseError as exc:
        line, column = exc.position
        reason = re.sub(r": line \d+, column \d+$", "", str(exc))
        linter.add(
            "error",
            "/",
            f"Not well-formed XML at line {line}, column {column + 1}: {reason}.",
            "Fix the XML: close every element, quote attribute values, and escape & and < in text as &amp; and &lt;.",
            rules.PARSE_FAILURE,
        )
        return LintReport(linter.kind, size, linter.findings)
    root_name = local_name(root.tag)
    if root_name != "Response":
        linter.add(
            "error",
            f"/{root_name}",
            f"The root element is <{root_name}>; TwiML's must be <Response>.",
            "Wrap the verbs in <Response>...</Response>.",
            rules.ROOT_NOT_RESPONSE,
        )
        return LintReport(linter.kind, size, linter.findings)
    linter.kind = kind or infer_kind(root)
    linter.response(root)
    linter.add(
        "info",
        "/Response",
        f"Serve this document with Content-Type: {CONTENT_TYPE} (text/xml works too).",
        "Set the header on the HTTP response that returns it; Twilio does not read other types as TwiML.",
        rules.INVALID_CONTENT_TYPE,
    )
    return LintReport(linter.kind, size, linter.findings)


def lint_errors(xml: str, kind: Kind | None = None) -> list[Finding]:
    """The error-severity findings of a document: refuse to use it when this is not empty."""
    return [finding for finding in lint(xml, kind).findings if finding.severity == "error"]
