"""The complaint's status, folded from its timeline in event-time order (so arrival order is irrelevant)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

WORKING = frozenset({"received", "analyzed", "routed", "reopened"})
IN_PROGRESS_ACTIONS = frozenset({"acknowledged", "contacted", "resolution_proposed", "extension_requested"})


@dataclass(frozen=True)
class Entry:
    """One timeline entry as the status rules see it."""

    type: str
    time: datetime
    seq: int = 0
    action: str | None = None


def _after_action(current: str, action: str | None) -> str:
    if action == "withdrawn":
        return current if current == "closed" else "withdrawn"
    if action == "resolved" and current != "withdrawn":
        return "resolved"
    if action in IN_PROGRESS_ACTIONS and current in WORKING:
        return "in_progress"
    return current


def next_status(current: str, entry: Entry) -> str:
    """The status after one entry."""
    if entry.type == "complaint.action_recorded":
        return _after_action(current, entry.action)
    transitions = {
        "complaint.received": (None, "received"),
        "complaint.analyzed": (frozenset({"received"}), "analyzed"),
        "complaint.routed": (frozenset({"received", "analyzed"}), "routed"),
        "followup.survey_scheduled": (frozenset({"resolved"}), "followup_pending"),
        "complaint.reopened": (frozenset({"resolved", "followup_pending", "closed", "in_progress"}), "reopened"),
        "complaint.closed": (None, "closed"),
    }
    rule = transitions.get(entry.type)
    if rule is None or (rule[0] is not None and current not in rule[0]):
        return current
    return rule[1]


def ordered(entries: Iterable[Entry]) -> list[Entry]:
    """Entries in event order: by event time, then by arrival."""
    return sorted(entries, key=lambda e: (e.time, e.seq))


def fold(entries: Iterable[Entry]) -> str:
    """The status after all entries, applied in event order."""
    status = "received"
    for entry in ordered(entries):
        status = next_status(status, entry)
    return status
