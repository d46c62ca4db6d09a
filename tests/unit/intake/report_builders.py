"""Report facts a test can read at a glance: a small period with every section populated."""

from __future__ import annotations

from tousu_intake.domain.report import AnswerCell, CaseCell, IncidentCell, ReportFacts, RootCause


def case(count: int = 1, **facts: object) -> CaseCell:
    """A case cell with plain defaults: a routed standard L1 banking complaint on time."""
    values: dict[str, object] = {
        "channel": "hotline",
        "product_line": "banking",
        "route": "standard",
        "tier": "L1",
        "cause": "服务态度",
        "status": "routed",
        "sla": "on_time",
        **facts,
    }
    return CaseCell(count=count, **values)  # type: ignore[arg-type]


def answer(count: int, satisfaction: str, **facts: str) -> AnswerCell:
    """Follow-up answers of standard hotline banking complaints unless told otherwise."""
    values = {"channel": "hotline", "product_line": "banking", "route": "standard", "queue": "frontline", **facts}
    return AnswerCell(count=count, satisfaction=satisfaction, **values)


def sample_facts() -> ReportFacts:
    """Ten complaints: hotline, app and two regulator channels; a breach, an extension, a reopen."""
    return ReportFacts(
        cases=(
            case(4),
            case(
                2,
                channel="app",
                product_line="insurance",
                cause="理赔纠纷",
                status="closed",
                decided=True,
                outcome="satisfied",
            ),
            case(1, channel="app", sla="extended", status="closed", decided=True, reopened=True, outcome="satisfied"),
            case(
                1,
                channel="regulator_transfer",
                route="regulator",
                tier="-",
                sla="breached",
                decided=True,
                status="followup_pending",
            ),
            case(1, channel="hotline_12378", route="professional_agent", tier="-", agent=True, repeat_band="high"),
            case(1, channel="social_media", route="public_opinion", tier="-", in_incident=True, internal_breach=True),
        ),
        answers=(
            answer(2, "satisfied", channel="app", product_line="insurance"),
            answer(1, "unsatisfied", channel="app"),
            answer(1, "satisfied", channel="app"),
            answer(
                1, "basically_satisfied", channel="regulator_transfer", route="regulator", queue="regulatory_liaison"
            ),
        ),
        root_causes=(
            RootCause(root_cause="告知问询不清", count=2, remediated=2, closed=2, remediations=("修订投保告知书",)),
            RootCause(root_cause="系统升级缺陷", count=3, remediated=1, closed=0, remediations=("回归测试",)),
        ),
        incidents=(IncidentCell(kind="public_opinion", status="open", major=False, count=1, members=1),),
        complaints_per_customer={1: 8, 2: 1},
    )
