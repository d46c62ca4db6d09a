"""Intake's core depends on its ports only: adapters and the driver are wired in `bootstrap.py` alone."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

PACKAGE = Path(__file__).resolve().parents[3] / "services" / "intake" / "src" / "tousu_intake"
CORE = ("service.py", "views.py", "readmodel.py", "projection.py", "records.py", "timeline.py", "ports.py")
WIRING = {"bootstrap.py"}
EDGES = {
    "problems.py": "maps the driver's connection failure to a 503 problem",
    "routes/audit.py": "serves the audit trail, whose use case lives beside its repository",
    "reporting.py": "still typed on ReportRepository; ports.ReportSource is the port it should take",
}


def _concrete_imports(path: Path) -> set[str]:
    """The adapter and driver modules a file imports."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names = [node.module or ""] if isinstance(node, ast.ImportFrom) else []
        names += [a.name for a in node.names] if isinstance(node, ast.Import) else []
        found.update(n for n in names if n.startswith(("tousu_intake.adapters", "pymongo", "motor")))
    return found


@pytest.mark.parametrize("module", CORE)
def test_the_core_imports_no_adapter_and_no_driver(module: str) -> None:
    assert _concrete_imports(PACKAGE / module) == set()


def test_only_the_composition_root_wires_adapters() -> None:
    wiring = {
        str(path.relative_to(PACKAGE))
        for path in PACKAGE.rglob("*.py")
        if path.parent.name != "adapters" and _concrete_imports(path)
    }
    assert wiring - set(EDGES) == WIRING
