"""`/v1/reports`: the periodic complaint-handling analysis report (domain §8)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from tousu_intake.auth import Reader
from tousu_intake.routes.complaints import errors
from tousu_shared.auth import Forbidden

router = APIRouter(prefix="/v1/reports", tags=["reports 报告"])
BOUND = "A date (YYYY-MM-DD, China calendar day) or an RFC 3339 date-time with offset."
FROM = BOUND + " Inclusive."
TO = BOUND + " A date is inclusive, a date-time exclusive."


@router.get(
    "/summary",
    summary="Complaint-handling analysis report 投诉处理工作分析报告",
    responses=errors(401, 403, 422, 429),
)
async def summary(
    request: Request,
    key: Reader,
    from_: Annotated[str | None, Query(alias="from", max_length=40, description=FROM)] = None,
    to: Annotated[str | None, Query(max_length=40, description=TO)] = None,
) -> dict[str, Any]:
    """Complaints received in [from, to) (default the last 30 days): volumes, routes, SLA, repeat, agents,
    incidents, satisfaction and reopen rates, root causes, and regulator-transferred cases separately.
    Spans every channel, so it needs `admin` or a read-all key."""
    if not key.reads_all:
        raise Forbidden("the report spans every channel: it needs `admin` or a read-all key")
    report: dict[str, Any] = await request.app.state.intake.reports.summary(start=from_, end=to)
    return report
