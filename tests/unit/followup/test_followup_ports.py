"""Follow-up's core depends on its ports only; `bootstrap.py` alone wires the adapters, which keep the ports' shape."""

from __future__ import annotations

import ast
import inspect
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.unit.followup.fakes import FakeCases, FakePublisher
from tousu_followup import ports
from tousu_followup.adapters.cases import CaseRepository
from tousu_shared.outbox import OutboxRelay

pytestmark = pytest.mark.unit

SOURCE = Path(ports.__file__).resolve().parent
# drivers, the service's own adapters, and the shared modules that open or write a collection or a topic
CONCRETE = (
    "pymongo",
    "motor",
    "bson",
    "aiokafka",
    "tousu_followup.adapters",
    "tousu_shared.apikey_store",
    "tousu_shared.cases",
    "tousu_shared.kafka",
    "tousu_shared.mongo",
    "tousu_shared.outbox",
    "tousu_shared.runtime",
)
ROOT = "bootstrap.py"


def modules_named(path: Path) -> set[str]:
    """Every module a source file imports, `from a.b import c` giving `a.b`."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    named: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            named.add(node.module)
        elif isinstance(node, ast.Import):
            named.update(alias.name for alias in node.names)
    return named


def concrete(path: Path) -> set[str]:
    """The drivers and adapters among a file's imports."""
    return {m for m in modules_named(path) if any(m == c or m.startswith(f"{c}.") for c in CONCRETE)}


def outside_the_adapters() -> list[str]:
    """The package's modules but the adapters, relative to the package."""
    found = (p.relative_to(SOURCE).as_posix() for p in SOURCE.rglob("*.py"))
    return sorted(name for name in found if not name.startswith("adapters/"))


@pytest.mark.parametrize("module", [m for m in outside_the_adapters() if m != ROOT])
def test_no_module_of_the_core_imports_an_adapter_or_a_driver(module: str) -> None:
    assert concrete(SOURCE / module) == set()


def test_the_composition_root_is_where_the_adapters_are_wired() -> None:
    wiring = {m for m in outside_the_adapters() if concrete(SOURCE / m)}
    assert wiring == {ROOT}
    assert "tousu_followup.adapters.cases" in concrete(SOURCE / ROOT)


@pytest.mark.parametrize("module", ["service.py", "scanner.py", "worklist.py"])
def test_the_store_users_take_the_case_store_from_the_ports(module: str) -> None:
    assert "tousu_followup.ports" in modules_named(SOURCE / module)


def test_the_ports_name_only_the_domain_and_the_shared_contract() -> None:
    own = {m for m in modules_named(SOURCE / "ports.py") if m.startswith("tousu_followup")}
    assert own <= {"tousu_followup.domain.model"}


def _shape(function: Callable[..., object]) -> list[tuple[str, object, object]]:
    """Parameter names, kinds and defaults (annotations differ in spelling between a port and its adapter)."""
    return [(p.name, p.kind, p.default) for p in inspect.signature(function).parameters.values()]


def _members(port: type) -> list[str]:
    return sorted(n for n, member in vars(port).items() if inspect.isfunction(member) and not n.startswith("_"))


@pytest.mark.parametrize(
    ("port", "implementations"),
    [
        (ports.CaseStore, (CaseRepository, FakeCases)),
        (ports.DeadlineCases, (CaseRepository, FakeCases)),
        (ports.WorklistCases, (CaseRepository, FakeCases)),
        (ports.Publisher, (OutboxRelay, FakePublisher)),
    ],
)
def test_the_adapter_and_the_fake_take_the_calls_the_port_declares(
    port: type, implementations: tuple[type, ...]
) -> None:
    assert _members(port)
    for implementation in implementations:
        for name in _members(port):
            assert inspect.iscoroutinefunction(getattr(implementation, name)) == inspect.iscoroutinefunction(
                getattr(port, name)
            ), (implementation.__name__, name)
            assert _shape(getattr(implementation, name)) == _shape(getattr(port, name)), (implementation.__name__, name)
