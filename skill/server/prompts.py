"""MCP prompts: the runbooks in prompts/, Markdown with a small YAML front matter.

Each runbook starts with a front matter block:

    ---
    name: webhook-failures
    title: Webhook failures
    description: "One sentence: when to use it."
    arguments:
      - name: error_code
        description: "The error code seen."
        required: false
    tools:
      - error_explain
    toolsets:
      - monitor
    scenario: webhook-500
    steps:
      - tool: error_explain
        phase: diagnose
        args:
          code: "{{error_code}}"
        look_for: "What the code means"
    ---

`toolsets` names the toolsets the runbook's tools need beyond the defaults, `scenario` the sandbox
scenario that stages its incident, and `steps` the calls in order (skill.server.runbook_steps).

The body writes {{argument_name}} where an argument's value goes. The reader below accepts only
this subset of YAML (scalars, lists of scalars, lists of small mappings), so the runtime needs no
YAML library; every file stays valid YAML all the same.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mcp.server.context import ServerRequestContext
from mcp.shared.exceptions import MCPError
from mcp.types import (
    INVALID_PARAMS,
    GetPromptRequestParams,
    GetPromptResult,
    ListPromptsResult,
    PaginatedRequestParams,
    Prompt,
    PromptArgument,
    PromptMessage,
    TextContent,
)

from skill.errors import ConfigError

if TYPE_CHECKING:
    from skill.server.runbook_steps import Step

PLACEHOLDER = re.compile(r"\{\{\s*([a-z][a-z0-9_]*)\s*\}\}")
NOT_GIVEN = "(not given)"
_KEY = re.compile(r"^([a-z][a-z0-9_-]*):(?:\s+(.*))?$")


@dataclass(frozen=True)
class PromptArg:
    name: str
    description: str
    required: bool


@dataclass(frozen=True)
class Runbook:
    name: str
    title: str
    description: str
    arguments: tuple[PromptArg, ...]
    tools: tuple[str, ...]
    body: str
    toolsets: tuple[str, ...] = ()  # the toolsets its tools need beyond the defaults
    scenario: str | None = None  # the sandbox scenario that stages its incident
    steps: tuple[Step, ...] = ()

    def render(self, values: dict[str, str] | None) -> str:
        """The body with every {{argument}} replaced; optional ones left out read as '(not given)'.

        Raises:
            MCPError: a required argument is missing, or an argument is not one the runbook declares.
        """
        given = {key: value for key, value in (values or {}).items() if value is not None}
        declared = {arg.name for arg in self.arguments}
        unknown = sorted(set(given) - declared)
        if unknown:
            raise MCPError(
                INVALID_PARAMS,
                f"Prompt '{self.name}' has no argument(s) {', '.join(unknown)}; "
                f"it takes: {', '.join(sorted(declared)) or 'none'}.",
            )
        missing = [arg.name for arg in self.arguments if arg.required and not str(given.get(arg.name, "")).strip()]
        if missing:
            raise MCPError(
                INVALID_PARAMS,
                f"Prompt '{self.name}' needs the required argument(s): {', '.join(missing)}.",
            )
        # One pass, so a value that itself contains {{...}} is never expanded again.
        return PLACEHOLDER.sub(lambda m: str(given.get(m.group(1)) or NOT_GIVEN), self.body)


def _scalar(text: str, where: str) -> Any:
    text = text.strip()
    if text.startswith('"'):
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise _bad(where, f"bad double-quoted string ({exc.msg})") from None
    if text.startswith("'") and text.endswith("'") and len(text) >= 2:
        return text[1:-1].replace("''", "'")
    if text in ("true", "false"):
        return text == "true"
    if not text or text[0] in "[{&*!|>%@`#" or ": " in text or " #" in text:
        raise _bad(where, f"unsupported value {text!r}; quote it with double quotes")
    return text


def _bad(where: str, why: str) -> ConfigError:
    return ConfigError(
        f"Runbook front matter {where}: {why}.",
        code="config.prompt_invalid",
        remediation=["Keep to plain scalars, lists of scalars and lists of small mappings."],
    )


def parse_front_matter(text: str, where: str = "(text)") -> tuple[dict[str, Any], str]:
    """Split a runbook into its front matter (as a dict) and its body.

    Raises:
        ConfigError: the file has no front matter or uses YAML beyond the supported subset.
    """
    lines = text.splitlines()
    if not lines or lines[0].strip() != "---":
        raise _bad(where, "the file must start with a '---' line")
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() == "---")
    except StopIteration:
        raise _bad(where, "no closing '---' line") from None
    data: dict[str, Any] = {}
    current: str | None = None
    nested: tuple[dict[str, Any], int] | None = None  # a list item's open mapping and its key's indent
    for number, line in enumerate(lines[1:end], start=2):
        at = f"{where}:{number}"
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        indent = len(line) - len(line.lstrip(" "))
        if nested is not None and indent > nested[1]:
            match = _KEY.match(line.strip())
            if not match or match.group(2) is None:
                raise _bad(at, f"expected 'key: value' inside a nested mapping, got {line!r}")
            if match.group(1) in nested[0]:
                raise _bad(at, f"duplicate key {match.group(1)!r}")
            nested[0][match.group(1)] = _scalar(match.group(2), at)
            continue
        nested = None
        if not line.startswith(" "):
            match = _KEY.match(line)
            if not match:
                raise _bad(at, f"expected 'key: value', got {line!r}")
            key, value = match.group(1), match.group(2)
            if key in data:
                raise _bad(at, f"duplicate key {key!r}")
            data[key] = [] if value is None else _scalar(value, at)
            current = key if value is None else None
            continue
        if current is None:
            raise _bad(at, "indented line outside a list")
        items: list[Any] = data[current]
        stripped = line.strip()
        if stripped.startswith("- "):
            entry = stripped[2:]
            match = _KEY.match(entry)
            if match and match.group(2) is not None:
                items.append({match.group(1): _scalar(match.group(2), at)})
            else:
                items.append(_scalar(entry, at))
            continue
        match = _KEY.match(stripped)
        if not match or not items or not isinstance(items[-1], dict):
            raise _bad(at, f"unexpected line {line!r}")
        if match.group(1) in items[-1]:
            raise _bad(at, f"duplicate key {match.group(1)!r}")
        if match.group(2) is None:
            # e.g. a step's `args:`, whose deeper lines are its keys.
            items[-1][match.group(1)] = {}
            nested = (items[-1][match.group(1)], indent)
            continue
        items[-1][match.group(1)] = _scalar(match.group(2), at)
    body = "\n".join(lines[end + 1 :]).strip() + "\n"
    return data, body


def runbook_from_text(text: str, where: str = "(text)") -> Runbook:
    """Build a Runbook from a file's text, checking its front matter and placeholders.

    Raises:
        ConfigError: a field is missing or malformed, or the body uses an undeclared argument.
    """
    data, body = parse_front_matter(text, where)
    for key in ("name", "title", "description"):
        if not isinstance(data.get(key), str) or not data[key].strip():
            raise _bad(where, f"'{key}' must be a non-empty string")
    arguments = []
    for raw in data.get("arguments") or []:
        if not isinstance(raw, dict) or not isinstance(raw.get("name"), str):
            raise _bad(where, "each argument needs a name")
        arguments.append(
            PromptArg(
                name=raw["name"], description=str(raw.get("description", "")), required=raw.get("required") is True
            )
        )
    tools = data.get("tools") or []
    if not all(isinstance(tool, str) for tool in tools):
        raise _bad(where, "'tools' must be a list of tool names")
    declared = {arg.name for arg in arguments}
    used = set(PLACEHOLDER.findall(body))
    if used - declared:
        raise _bad(where, f"the body uses undeclared argument(s) {', '.join(sorted(used - declared))}")
    toolsets = data.get("toolsets") or []
    if not all(isinstance(name, str) for name in toolsets):
        raise _bad(where, "'toolsets' must be a list of toolset names")
    scenario = data.get("scenario")
    if scenario is not None and not isinstance(scenario, str):
        raise _bad(where, "'scenario' must be a scenario name")
    from skill.server.runbook_steps import parse_steps

    return Runbook(
        name=data["name"],
        title=data["title"],
        description=data["description"],
        arguments=tuple(arguments),
        tools=tuple(tools),
        body=body,
        toolsets=tuple(toolsets),
        scenario=scenario,
        steps=parse_steps(data.get("steps"), where),
    )


def prompts_dir() -> Path:
    """prompts/ beside the package in a checkout, or skill/_prompts inside an installed wheel."""
    package = Path(__file__).resolve().parents[1]
    for candidate in (package.parent / "prompts", package / "_prompts"):
        if candidate.is_dir():
            return candidate
    return package.parent / "prompts"


def load_runbooks(directory: Path | None = None) -> tuple[Runbook, ...]:
    """Every runbook in the folder, sorted by name.

    Raises:
        ConfigError: a file is malformed, or two runbooks share a name.
    """
    folder = directory or prompts_dir()
    books = [runbook_from_text(path.read_text(encoding="utf-8"), path.name) for path in sorted(folder.glob("*.md"))]
    names = [book.name for book in books]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise _bad(str(folder), f"duplicate runbook name(s) {', '.join(duplicates)}")
    return tuple(sorted(books, key=lambda book: book.name))


@cache
def bundled_runbooks() -> tuple[Runbook, ...]:
    """The runbooks shipped with the package, read once per process."""
    return load_runbooks()


def mcp_prompt(book: Runbook) -> Prompt:
    return Prompt(
        name=book.name,
        title=book.title,
        description=book.description,
        arguments=[PromptArgument(name=a.name, description=a.description, required=a.required) for a in book.arguments],
    )


async def list_prompts(ctx: ServerRequestContext[Any], params: PaginatedRequestParams | None) -> ListPromptsResult:
    """prompts/list: every runbook with its arguments."""
    return ListPromptsResult(prompts=[mcp_prompt(book) for book in bundled_runbooks()])


async def get_prompt(ctx: ServerRequestContext[Any], params: GetPromptRequestParams) -> GetPromptResult:
    """prompts/get: one runbook with its arguments filled in."""
    book = next((b for b in bundled_runbooks() if b.name == params.name), None)
    if book is None:
        known = ", ".join(b.name for b in bundled_runbooks())
        raise MCPError(INVALID_PARAMS, f"Unknown prompt {params.name!r}. Known prompts: {known}.")
    text = book.render(params.arguments)
    return GetPromptResult(
        description=book.description,
        messages=[PromptMessage(role="user", content=TextContent(type="text", text=text))],
    )
