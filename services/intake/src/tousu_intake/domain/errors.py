"""Domain errors: a rule refused a request (conflict) or a field the rule needs is missing."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FieldError:
    """One invalid field: a dotted path and why."""

    field: str
    reason: str


class InvalidInput(Exception):
    """The request breaks a rule beyond its schema (→ 422 naming each field)."""

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("; ".join(f"{e.field}: {e.reason}" for e in errors))
        self.errors = errors


class ActionRejected(Exception):
    """The complaint's state does not allow the request (→ 409 with the reason)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
