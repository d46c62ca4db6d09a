"""Builders of escalation inputs for unit and integration tests."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tousu_shared.deadlines import regulatory_due_at
from tousu_shared.events import (
    ComplaintActionRecorded,
    ComplaintAnalyzed,
    Dimensions,
    DimensionScore,
    RepeatRisk,
    Signal,
)
from tousu_shared.events.analysis import Matter

LOW = DimensionScore(score=10, level="low")


def analyzed(
    complaint_id: str,
    customer_key: str,
    *,
    received_at: datetime,
    signals: tuple[str, ...] = (),
    overall_score: int = 10,
    product_type: str | None = "信用卡",
    cause: str = "fees",
    signature: tuple[str, ...] = (),
    contract_key: str | None = None,
    repeat_band: str = "low",
    cycle: int = 1,
    analyzed_at: datetime | None = None,
) -> ComplaintAnalyzed:
    """A `complaint.analyzed` payload with quiet defaults (standard L1)."""
    fields: dict[str, Any] = {
        "complaint_id": complaint_id,
        "customer_key": customer_key,
        "cycle": cycle,
        "channel": "hotline",
        "received_at": received_at,
        "due_at": regulatory_due_at(started_at=received_at),
        "dimensions": Dimensions(subject=LOW, substance=LOW, environment=LOW, process=LOW, feedback=LOW),
        "overall_score": overall_score,
        "signals": [Signal(name=s) for s in signals],
        "repeat_risk": RepeatRisk(score=0.1 if repeat_band == "low" else 0.8, band=repeat_band),
        "cause_category": cause,
        "matter": Matter(
            product_line="banking",
            product_type=product_type,
            cause=cause,
            signature=list(signature),
            contract_key=contract_key,
        ),
        "severity": "low",
        "rules_version": "test",
        "analyzer_version": "test",
        "analyzed_at": analyzed_at or received_at,
    }
    return ComplaintAnalyzed(**fields)


def action(complaint_id: str, customer_key: str, kind: str, *, at: datetime, **extra: Any) -> ComplaintActionRecorded:
    """A `complaint.action_recorded` payload."""
    return ComplaintActionRecorded(
        complaint_id=complaint_id,
        customer_key=customer_key,
        action_id=f"{complaint_id}-{kind}-{at.isoformat()}",
        type=kind,
        actor="handler-1",
        occurred_at=at,
        **extra,
    )
