"""The shape docs/architecture.md describes, checked where `lint-imports` cannot look."""

from __future__ import annotations

import ast
from pathlib import Path

import hotline.web

WEB = Path(hotline.web.__file__).parent


def _names_the_web_side(node: ast.AST) -> bool:
    """An import of hotline.web (or a relative one): only those can close a circle between web modules.
    (A late import of the engine or a library may be a matter of start-up time; the engine imports
    nothing of the web side, so it cannot hide a circle.)"""
    if isinstance(node, ast.ImportFrom):
        return node.level > 0 or (node.module or "").startswith("hotline.web")
    if isinstance(node, ast.Import):
        return any(alias.name.startswith("hotline.web") for alias in node.names)
    return False


def _imports_inside_functions(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: list[str] = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        if node.name == "ready" and path.name == "apps.py":
            continue  # AppConfig.ready connects signal receivers: Django's way, not a dodge
        for inner in ast.walk(node):
            if _names_the_web_side(inner):
                found.append(f"{path.name}:{inner.lineno} in {node.name}()")
    return found


def test_no_web_import_inside_a_function() -> None:
    """A web module imported inside a function dodges a circle: move the code to the layer it belongs to,
    or let the lower app send a signal (see docs/architecture.md)."""
    offenders = [f"{path.parent.relative_to(WEB)}/{hit}" for path in sorted(WEB.rglob("*.py"))
                 if "migrations" not in path.parts for hit in _imports_inside_functions(path)]
    assert offenders == []


def test_the_check_sees_an_import_inside_a_function(tmp_path: Path) -> None:
    module = tmp_path / "views.py"
    module.write_text("import os\n\n\ndef f():\n    from . import urls\n    import json\n"
                      "    from hotline.web.reports import services\n    return urls, os, json, services\n",
                      encoding="utf-8")
    assert _imports_inside_functions(module) == ["views.py:5 in f()", "views.py:7 in f()"]
