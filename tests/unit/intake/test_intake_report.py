"""The periodic report rolls aggregated facts up into domain §8's sections, and parses its period."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.unit.intake.report_builders import sample_facts
from tousu_intake.domain.errors import InvalidInput
from tousu_intake.domain.period import period
from tousu_intake.domain.report import ReportFacts, summarize

pytestmark = pytest.mark.unit
NOW = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)


def _report() -> dict:
    return summarize(sample_facts(), start=NOW - timedelta(days=30), end=NOW, generated_at=NOW)


def test_volumes_count_every_complaint_of_the_period_largest_first() -> None:
    report = _report()
    assert report["totals"]["complaints"] == 10
    channels = report["volumes"]["by_channel"]
    assert [c["key"] for c in channels[:2]] == ["hotline", "app"]
    assert channels[0] == {"key": "hotline", "count": 4, "share": 0.4}
    assert sum(c["count"] for c in report["routes"]["by_route"]) == 10


def test_sla_compliance_counts_on_time_and_extended_against_breached() -> None:
    sla = _report()["sla"]
    assert (sla["on_time"], sla["extended"], sla["breached"]) == (8, 1, 1)
    assert sla["compliance_rate"] == 0.9
    assert sla["internal_breaches"] == 1


def test_satisfaction_rate_counts_basically_satisfied_as_satisfied() -> None:
    sat = _report()["satisfaction"]
    assert (sat["answers"], sat["rate"]) == (5, 0.8)
    by_route = {g["key"]: g for g in sat["by_route"]}
    assert by_route["standard"]["rate"] == 0.75 and by_route["regulator"]["rate"] == 1.0
    assert {g["key"] for g in sat["by_queue"]} == {"frontline", "regulatory_liaison"}


def test_reopen_rate_is_reopened_over_decided() -> None:
    reopen = _report()["reopen"]
    assert (reopen["decided"], reopen["reopened"], reopen["rate"]) == (4, 1, 0.25)


def test_repeat_complainants_and_agent_share() -> None:
    report = _report()
    assert report["repeat"]["complainants"] == 9
    assert report["repeat"]["repeat_complainants"] == 1 and report["repeat"]["repeat_complaints"] == 2
    assert report["agent_driven"] == {"complaints": 1, "share": 0.1}


def test_root_causes_ranked_with_remediation_state() -> None:
    causes = _report()["root_causes"]
    assert [c["root_cause"] for c in causes] == ["系统升级缺陷", "告知问询不清"]
    assert [c["state"] for c in causes] == ["in_progress", "closed"]


def test_regulator_transferred_cases_are_reported_separately() -> None:
    reg = _report()["regulator_transferred"]
    assert reg["totals"]["complaints"] == 2
    assert {r["key"] for r in reg["routes"]["by_route"]} == {"regulator", "professional_agent"}
    assert reg["sla"]["breached"] == 1 and reg["satisfaction"]["answers"] == 1


def test_an_empty_period_has_no_rates_rather_than_a_division_by_zero() -> None:
    report = summarize(ReportFacts(), start=NOW - timedelta(days=1), end=NOW, generated_at=NOW)
    assert report["totals"]["complaints"] == 0
    assert report["sla"]["compliance_rate"] is None and report["satisfaction"]["rate"] is None


def test_dates_are_china_calendar_days_and_to_is_inclusive() -> None:
    start, end = period(start="2026-11-01", end="2026-11-01", now=NOW)
    assert start == datetime(2026, 10, 31, 16, 0, tzinfo=UTC)
    assert end - start == timedelta(days=1)


def test_default_period_is_the_last_thirty_whole_china_days_up_to_now() -> None:
    # NOW is 2026-11-23 14:00 in China: from 2026-10-25 00:00 China time, 30 China days with today
    assert period(start=None, end=None, now=NOW) == (datetime(2026, 10, 24, 16, 0, tzinfo=UTC), NOW)


def test_default_period_ending_on_a_given_day_is_thirty_china_days() -> None:
    start, end = period(start=None, end="2026-11-30", now=NOW)
    assert (start, end) == (datetime(2026, 10, 31, 16, 0, tzinfo=UTC), datetime(2026, 11, 30, 16, 0, tzinfo=UTC))


@pytest.mark.parametrize(
    ("start", "end", "field"),
    [("2026-13-01", None, "from"), ("2026-11-02T00:00:00", None, "from"), ("2026-11-05", "2026-11-01", "from")],
)
def test_bad_bounds_name_the_field(start: str, end: str | None, field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        period(start=start, end=end, now=NOW)
    assert caught.value.errors[0].field == field


def test_causes_carry_the_bank_and_insurance_regulators_codes() -> None:
    report = _report()
    assert report["cause_codes"]["jrt_0169"].startswith("JR/T 0169-2018")
    rows = {row["key"]: row for row in report["volumes"]["by_cause"]}
    assert rows, "the sample facts have causes"
    for key, row in rows.items():
        if key in {"unanalysed", "-"}:
            continue
        assert row["jrt_0169"]["code"].startswith("C"), key
        assert row["insurance"]["code"].startswith("I"), key
    regulator_rows = report["regulator_transferred"]["volumes"]["by_cause"]
    assert all("jrt_0169" in row for row in regulator_rows)
