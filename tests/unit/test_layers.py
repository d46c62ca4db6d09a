"""Dependencies point one way: shared ← services ← tools; no service imports another."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ("tousu_intake", "tousu_analysis", "tousu_escalation", "tousu_followup")
PACKAGES = {
    "tousu_shared": ROOT / "shared" / "src" / "tousu_shared",
    "tousu_tools": ROOT / "tools" / "src" / "tousu_tools",
    **{name: ROOT / "services" / name.removeprefix("tousu_") / "src" / name for name in SERVICES},
}


def _imported_packages(package_dir: Path) -> set[str]:
    """Top-level tousu packages imported anywhere in a package (lazy imports included)."""
    found: set[str] = set()
    for path in package_dir.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found.add(node.module.split(".")[0])
            elif isinstance(node, ast.Import):
                found.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.startswith("tousu_"):
                found.add(node.value.split(".")[0].split(":")[0])  # importlib.import_module("tousu_x...")
    return {name for name in found if name in PACKAGES}


@pytest.mark.parametrize("package", sorted(PACKAGES))
def test_each_package_imports_only_the_layers_below_it(package: str) -> None:
    imported = _imported_packages(PACKAGES[package]) - {package}
    if package == "tousu_shared":
        allowed: set[str] = set()
    elif package == "tousu_tools":
        allowed = {"tousu_shared", *SERVICES}
    else:
        allowed = {"tousu_shared"}
    assert imported <= allowed, f"{package} imports {sorted(imported - allowed)}"
