"""The layering of skill/: surfaces -> core -> ports, adapters plugged in; SDKs only in gateways."""

from __future__ import annotations

import ast
from pathlib import Path

SKILL = Path(__file__).resolve().parents[1] / "skill"

# package (first folder under skill/, or the module name) -> import prefixes it must not use
FORBIDDEN: dict[str, tuple[str, ...]] = {
    "core": (
        "mcp",
        "twilio",
        "sendgrid",
        "python_http_client",
        "skill.server",
        "skill.cli",
        "skill.tools",
        "skill.webhooks",
        "skill.console",
    ),
    "policy": ("mcp", "twilio", "sendgrid", "skill.server", "skill.cli", "skill.tools", "skill.webhooks"),
    "catalog": ("mcp", "twilio", "sendgrid", "skill.server", "skill.cli", "skill.tools", "skill.webhooks"),
    "stores": ("mcp", "twilio", "sendgrid", "skill.server", "skill.cli", "skill.tools", "skill.webhooks"),
    "sandbox": ("mcp", "twilio", "sendgrid", "skill.server", "skill.cli", "skill.tools", "skill.webhooks"),
    "gateways": ("mcp", "skill.server", "skill.cli", "skill.tools", "skill.webhooks"),
    "tools": ("mcp", "twilio", "sendgrid", "python_http_client", "skill.cli", "skill.webhooks"),
    "webhooks": ("mcp", "twilio", "sendgrid", "python_http_client", "skill.cli", "skill.tools"),
    "docs": ("twilio", "sendgrid"),
    # the operation index is data: it imports nothing of the product
    "specs": ("mcp", "twilio", "sendgrid", "skill.core", "skill.server", "skill.tools", "skill.gateways")
    + ("skill.sandbox", "skill.policy", "skill.cli", "skill.webhooks", "skill.console"),
    "console": ("mcp", "twilio", "sendgrid", "python_http_client", "skill.cli", "skill.tools", "skill.server"),
    "server": ("twilio", "sendgrid", "python_http_client"),
    "cli": ("twilio", "sendgrid", "python_http_client"),
}


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def violations() -> list[str]:
    found = []
    for path in sorted(SKILL.rglob("*.py")):
        area = path.relative_to(SKILL).parts[0].removesuffix(".py")
        found.extend(
            f"{path.relative_to(SKILL.parent)} imports {name}"
            for name in sorted(imports_of(path))
            for prefix in FORBIDDEN.get(area, ())
            if name == prefix or name.startswith(prefix + ".")
        )
    return found


def test_each_layer_imports_only_what_it_may() -> None:
    assert violations() == []


def test_the_layer_check_sees_a_forbidden_import(tmp_path: Path) -> None:
    module = tmp_path / "x.py"
    module.write_text("import twilio.rest\nfrom skill.server import app\n")
    assert imports_of(module) == {"twilio.rest", "skill.server"}
