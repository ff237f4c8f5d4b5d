"""The layering of skill/: surfaces -> core -> ports, adapters plugged in; SDKs only in gateways."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

SKILL = Path(__file__).resolve().parents[1] / "skill"

SURFACES = ("skill.server", "skill.cli", "skill.tools", "skill.webhooks", "skill.console")
# The core reaches Twilio, SendGrid, the stores and the clock only through skill.ports.
ADAPTERS = ("skill.sandbox", "skill.gateways", "skill.stores", "skill.wiring")
SDKS = ("mcp", "twilio", "sendgrid", "python_http_client")

# package (first folder under skill/, or the module name) -> import prefixes it must not use
FORBIDDEN: dict[str, tuple[str, ...]] = {
    "core": (*SDKS, *SURFACES, *ADAPTERS),
    "policy": (*SDKS, *SURFACES, *ADAPTERS),
    "records": (*SDKS, *SURFACES, *ADAPTERS, "skill.core", "skill.policy"),
    "ports": (*SDKS, *SURFACES, *ADAPTERS, "skill.core", "skill.policy"),
    "catalog": ("mcp", "twilio", "sendgrid", "skill.server", "skill.cli", "skill.tools", "skill.webhooks"),
    "stores": ("mcp", "twilio", "sendgrid", "skill.server", "skill.cli", "skill.tools", "skill.webhooks"),
    "sandbox": ("mcp", "twilio", "sendgrid", "skill.server", "skill.cli", "skill.tools", "skill.webhooks"),
    "gateways": ("mcp", "skill.server", "skill.cli", "skill.tools", "skill.webhooks"),
    "tools": ("mcp", "twilio", "sendgrid", "python_http_client", "skill.cli", "skill.webhooks"),
    "webhooks": ("mcp", "twilio", "sendgrid", "python_http_client", "skill.cli", "skill.tools"),
    "docs": ("twilio", "sendgrid"),
    "console": ("mcp", "twilio", "sendgrid", "python_http_client", "skill.cli", "skill.tools", "skill.server"),
    "server": ("twilio", "sendgrid", "python_http_client"),
    "cli": ("twilio", "sendgrid", "python_http_client"),
}


def top_level_imports(path: Path) -> set[str]:
    """The skill modules a module imports when it is loaded: its body's imports, not those inside
    functions (deferred on purpose) or under `if TYPE_CHECKING`."""
    names: set[str] = set()

    def visit(body: list[ast.stmt]) -> None:
        for node in body:
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module)
                names.update(f"{node.module}.{alias.name}" for alias in node.names)
            elif isinstance(node, ast.If) and "TYPE_CHECKING" not in ast.unparse(node.test):
                visit(node.body)
                visit(node.orelse)
            elif isinstance(node, ast.Try):
                visit(node.body)

    visit(ast.parse(path.read_text()).body)
    return {name for name in names if name.startswith("skill.")}


def module_name(path: Path) -> str:
    parts = path.relative_to(SKILL.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_cycles() -> list[list[str]]:
    """Groups of skill modules that import each other, directly or around a loop, at load time."""
    modules = {module_name(path): path for path in SKILL.rglob("*.py")}
    graph = {
        name: sorted(t for t in top_level_imports(path) if t in modules and t != name) for name, path in modules.items()
    }
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def connect(node: str) -> None:  # Tarjan's strongly connected components
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in graph[node]:
            if target not in index:
                connect(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                cycles.append(sorted(group))

    for name in sorted(graph):
        if name not in index:
            connect(name)
    return cycles


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


def test_no_skill_modules_import_each_other_in_a_loop() -> None:
    assert import_cycles() == []


def test_the_cycle_check_sees_a_loop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    package = tmp_path / "skill"
    package.mkdir()
    (package / "a.py").write_text("from skill.b import x\n")
    (package / "b.py").write_text(
        "from typing import TYPE_CHECKING\nimport skill.a\nif TYPE_CHECKING:\n    import skill.c\n"
    )
    (package / "c.py").write_text("import skill.b\n")
    monkeypatch.setattr(sys.modules[__name__], "SKILL", package)
    assert import_cycles() == [["skill.a", "skill.b"]]
