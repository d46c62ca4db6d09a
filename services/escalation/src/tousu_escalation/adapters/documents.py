"""Mapping between the domain's `Case` and its stored document (MongoDB keeps milliseconds)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from tousu_escalation.domain.case import Case, matter_key
from tousu_escalation.domain.clocks import overdue
from tousu_escalation.domain.plan import next_open_due
from tousu_shared.mongo import Document

CASE_FIELDS = tuple(Case.model_fields)


def ceil_ms(value: datetime) -> datetime:
    """Round up to the millisecond BSON stores, so a stored due time is never before the real one."""
    extra = value.microsecond % 1000
    return value + timedelta(microseconds=1000 - extra) if extra else value


def to_document(case: Case, *, next_due_at: datetime | None) -> Document:
    """The stored state of a case (without bookkeeping: rev, applied events, claims, outbox)."""
    doc: Document = case.model_dump(mode="python", exclude={"complaint_id"})
    doc["incident_id"] = case.routing.incident_id if case.routing else None
    doc["matter_key"] = matter_key(case.analysis) if case.analysis else None
    doc["next_due_at"] = ceil_ms(next_due_at) if next_due_at else None
    doc["overdue"] = overdue(clocks=case.clocks)
    doc["plan_next_due"] = next_open_due(case.plan)  # the overdue-steps gauge reads only cases past it
    return doc


def from_document(doc: Document) -> Case:
    """The domain case from a stored document."""
    data: dict[str, Any] = {k: doc[k] for k in CASE_FIELDS if k in doc and k != "complaint_id"}
    return Case.model_validate({"complaint_id": doc["_id"], **data})
