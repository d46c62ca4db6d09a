"""The plan rules file: reference data validated strictly at start-up; a bad file names its problem."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tousu_escalation.domain.plan_rules import PlanRulesError, check_routes, load_plan_rules, parse_plan_rules
from tousu_escalation.domain.policy import load_policy

pytestmark = pytest.mark.unit
DEFAULT = Path(__file__).resolve().parents[3] / "services/escalation/src/tousu_escalation/plan/default.yaml"


def edited(change: dict[str, object]) -> str:
    data = yaml.safe_load(DEFAULT.read_text(encoding="utf-8"))
    for path, value in change.items():
        target = data
        *parents, last = path.split(".")
        for part in parents:
            target = target[int(part)] if part.isdigit() else target[part]
        target[int(last) if last.isdigit() else last] = value
    return yaml.safe_dump(data, allow_unicode=True)


def test_the_packaged_rules_have_the_six_steps_and_name_only_routes_of_the_policy() -> None:
    rules = load_plan_rules()
    policy = load_policy()
    assert [s.step for s in rules.steps] == [1, 2, 3, 4, 5, 6]
    check_routes(rules, known={r.name for r in policy.routes} | {policy.standard.name})
    assert {g.kind for g in rules.guidance} == {"approach", "taboo", "method", "communication"}


@pytest.mark.parametrize(
    ("change", "complaint"),
    [
        ({"steps.1.step": 5}, "numbered 1, 2, 3"),
        ({"steps.0.done_by": ["called"]}, "done_by"),
        ({"steps.0.due": {"clocks": ["first_contact"], "regulatory_share": 0.2}}, "exactly one of"),
        ({"steps.2.due": {"regulatory_share": 1.5}}, "regulatory_share"),
        ({"steps.0.colour": "red"}, "Extra inputs are not permitted"),
        ({"guidance.0.when": [{}]}, "empty condition"),
        ({"guidance.0.when": [{"always": True, "routes": ["safety"]}]}, "stands alone"),
        ({"guidance.1.id": "approach.rational"}, "guidance ids must be unique"),
        ({"guidance.0.kind": "advice"}, "kind"),
        ({"version": ""}, "version"),
    ],
)
def test_an_invalid_rules_file_is_refused_with_the_reason(change: dict[str, object], complaint: str) -> None:
    with pytest.raises(PlanRulesError, match=r"my-plan\.yaml") as refused:
        parse_plan_rules(text=edited(change), source="my-plan.yaml")
    assert complaint in str(refused.value)


def test_a_route_the_policy_does_not_have_is_refused_at_start_up() -> None:
    policy = load_policy()
    known = {r.name for r in policy.routes} | {policy.standard.name}
    rules = parse_plan_rules(text=edited({"guidance.0.when": [{"routes": ["standrad"]}]}))
    with pytest.raises(PlanRulesError, match=r"unknown routes \['standrad'\]"):
        check_routes(rules, known=known)


def test_a_missing_file_is_refused_naming_it(tmp_path: Path) -> None:
    with pytest.raises(PlanRulesError, match="cannot read plan rules"):
        load_plan_rules(path=tmp_path / "absent.yaml")
    (tmp_path / "bad.yaml").write_text("steps: [", encoding="utf-8")
    with pytest.raises(PlanRulesError, match="not valid YAML"):
        load_plan_rules(path=tmp_path / "bad.yaml")
