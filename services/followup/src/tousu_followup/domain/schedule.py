"""When to call: complexity from what analysis and routing said, and the working-day contact window."""

from __future__ import annotations

from datetime import UTC, datetime

from tousu_followup.domain.model import Complexity, Context, Resolution, Survey
from tousu_followup.domain.rules import FollowupRules
from tousu_shared.calendar import DAY, at_local, local_date, nth_working_day_after


def complexity_reasons(*, context: Context, cycle: int, rules: FollowupRules) -> list[str]:
    """Every criterion that makes this case complex or high-risk; empty means simple."""
    r = rules.complexity
    checks = [
        (context.route is not None and context.route not in r.simple_routes, f"route {context.route}"),
        (context.severity in r.complex_severities, f"severity {context.severity}"),
        (context.repeat_band in r.complex_repeat_bands, f"repeat risk {context.repeat_band}"),
        (context.tier in r.complex_tiers, f"tier {context.tier}"),
        (r.reopened_is_complex and cycle > 1, f"reopened (cycle {cycle})"),
        (r.extension_is_complex and context.extended, "deadline extended"),
    ]
    return [reason for hit, reason in checks if hit]


def classify(*, context: Context, cycle: int, rules: FollowupRules) -> tuple[Complexity, list[str]]:
    """`complex` when any criterion applies, else `simple` (also when nothing is known yet)."""
    reasons = complexity_reasons(context=context, cycle=cycle, rules=rules)
    return ("complex", reasons) if reasons else ("simple", ["no complexity criterion applies"])


def contact_window(*, decided_at: datetime, complexity: Complexity, rules: FollowupRules) -> tuple[datetime, datetime]:
    """Due from `contact_hour` on the window's first working day, by the end of its last one (China days, UTC)."""
    window = rules.complex if complexity == "complex" else rules.simple
    decided = local_date(decided_at)
    first = nth_working_day_after(decided, window.first)
    last = nth_working_day_after(decided, window.last)
    return at_local(first, rules.contact_hour).astimezone(UTC), at_local(last + DAY, 0).astimezone(UTC)


def survey_id(complaint_id: str, cycle: int) -> str:
    """One survey per cycle, so its id follows from the cycle."""
    return f"sv_{complaint_id}_{cycle}"


def plan_survey(
    *, complaint_id: str, resolution: Resolution, context: Context, rules: FollowupRules, now: datetime
) -> Survey:
    """The survey of a resolution: complexity, reasons and the contact window counted from the decision."""
    complexity, reasons = classify(context=context, cycle=resolution.cycle, rules=rules)
    due_at, due_by = contact_window(decided_at=resolution.decided_at, complexity=complexity, rules=rules)
    return Survey(
        survey_id=survey_id(complaint_id, resolution.cycle),
        cycle=resolution.cycle,
        complexity=complexity,
        reasons=reasons,
        due_at=due_at,
        due_by=due_by,
        scheduled_at=now,
    )
