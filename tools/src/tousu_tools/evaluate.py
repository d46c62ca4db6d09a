"""`tousu evaluate`: run the service's own `analyze` and `route` over a labelled JSONL file, in order."""

from __future__ import annotations

import io
import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field
from rich.console import Console
from rich.table import Table

from tousu_analysis.domain import (
    CustomerHistory,
    HistoryItem,
    InMemoryTemplateIndex,
    Rules,
    analyze,
    history_item_from,
    load_rules,
    prepare,
)
from tousu_analysis.domain.profile import primary_label
from tousu_escalation.domain.incidents import (
    IncidentRules,
    IncidentView,
    Neighbour,
    biggest_cluster,
    cluster_customers,
    cluster_keys,
    decide,
    grown,
    incident_to_join,
    join_routing,
    opened,
)
from tousu_escalation.domain.policy import Policy, load_policy
from tousu_escalation.domain.routing import Routing, RoutingContext, route
from tousu_intake.domain.keys import customer_key
from tousu_intake.records import received_event
from tousu_intake.schemas import ComplaintCreate
from tousu_shared.deadlines import regulatory_due_at
from tousu_shared.events import (
    ComplaintAnalyzed,
    ComplaintReceived,
)
from tousu_shared.events.analysis import matter_key

ANALYZER_VERSION = "evaluate"
EVAL_SECRET = "tousu-evaluate"  # keys only need to be stable within one run
BANDS = ["low", "medium", "high"]


def complaint_from_body(*, body: dict[str, Any], complaint_id: str) -> ComplaintReceived:
    """A contract §2 POST body as intake itself maps it to `complaint.received` (its validation and masking)."""
    create = ComplaintCreate.model_validate(body)
    received_at = create.received_at or datetime.now(UTC)
    return received_event(
        create,
        complaint_id=complaint_id,
        customer_key=customer_key(ref=create.customer.ref, secret=EVAL_SECRET),
        received_at=received_at,
        due_at=regulatory_due_at(started_at=received_at),
        secret=EVAL_SECRET,
    )


class RecordResult(BaseModel):
    """One labelled record: what was expected and what the code decided."""

    index: int
    complaint_id: str
    scenario: str = ""
    expected_route: str
    route: str
    expected_flags: list[str]
    signals: list[str]
    expected_repeat_band: str
    repeat_band: str
    repeat_score: float
    expected_tier: str | None = None
    tier: str | None = None
    expected_profile: str | None = None
    profile: str
    expected_cause: str | None = None
    cause: str
    overall_score: int
    reasons: list[str] = Field(default_factory=list)


class ClassScore(BaseModel):
    """Precision, recall, F1 and support of one class."""

    precision: float
    recall: float
    f1: float
    support: int


class Report(BaseModel):
    """Evaluation figures over a labelled file."""

    count: int
    rules_version: str
    policy_version: str
    route_accuracy: float
    route_macro_f1: float
    routes: dict[str, ClassScore]
    signals: dict[str, ClassScore]
    signal_macro_f1: float
    repeat_band_accuracy: float
    repeat_band_macro_f1: float
    repeat_bands: dict[str, ClassScore]
    tier_accuracy: float
    profile_accuracy: float
    cause_accuracy: float
    confusion: dict[str, dict[str, int]]
    worst_misses: list[RecordResult]
    records: list[RecordResult]


@dataclass
class _Incidents:
    """In-memory stand-in for escalation's stores: routed complaints' cluster keys and the incidents.

    Every decision is escalation's own pure function (`biggest_cluster`, `incident_to_join`, `decide`,
    `opened`, `grown`, `join_routing`): the same code path as the service, only the storage differs.
    """

    policy: Policy
    rules: IncidentRules = field(default_factory=IncidentRules)
    routed: list[Neighbour] = field(default_factory=list)
    incidents: dict[str, IncidentView] = field(default_factory=dict)

    def route(self, analysis: ComplaintAnalyzed, *, now: datetime) -> Routing:
        """Route one analysed complaint as the escalation service does, and remember it."""
        keys = cluster_keys(analysis.matter)
        at, window = analysis.received_at, self.rules.window
        neighbours = [n for n in self.routed if set(n.keys) & set(keys) and at - window <= n.received_at <= at + window]
        cluster = biggest_cluster(
            keys=keys,
            customer_key=analysis.customer_key,
            complaint_id=analysis.complaint_id,
            received_at=at,
            neighbours=neighbours,
            window=window,
        )
        found = sorted((i for i in self.incidents.values() if i.key in keys), key=lambda i: i.opened_at)
        wave = incident_to_join(found, route=None, keys=keys, received_at=at, rules=self.rules)
        context = RoutingContext(
            cluster_customers_7d=cluster_customers(cluster=cluster, wave=wave, customer_key=analysis.customer_key),
            incident_id=wave.incident_id if wave else None,
        )
        routing = route(analysis=analysis, context=context, policy=self.policy, now=now)
        decision = decide(
            incidents=found, routing=routing, cluster=cluster, keys=keys, received_at=at, rules=self.rules
        )
        for stale in decision.close:
            del self.incidents[stale.incident_id]
        placed: IncidentView | None = None
        if decision.join is not None:
            placed = grown(decision.join, analysis=analysis, rules=self.rules)
        elif decision.open is not None:
            placed = opened(
                decision.open,
                analysis=analysis,
                cluster=cluster,
                keys=keys,
                policy=self.policy,
                rules=self.rules,
                now=now,
            )
        if placed is not None:
            self.incidents[placed.incident_id] = placed
            routing = join_routing(routing=routing, incident=placed, policy=self.policy, now=now)
        self.routed.append(
            Neighbour(complaint_id=analysis.complaint_id, customer_key=analysis.customer_key, keys=keys, received_at=at)
        )
        return routing


@dataclass
class _Replay:
    """The in-memory stand-ins for the services' stores, fed in file order."""

    rules: Rules
    policy: Policy
    index: InMemoryTemplateIndex
    escalation: _Incidents
    histories: dict[str, list[HistoryItem]] = field(default_factory=dict)

    def run(self, position: int, record: dict[str, Any]) -> RecordResult:
        """Analyse and route one record, then store it for the next ones."""
        complaint = complaint_from_body(body=record["body"], complaint_id=f"EVAL-{position:04d}")
        prep = prepare(complaint=complaint, rules=self.rules)
        key, now = complaint.customer_key, complaint.received_at
        phone = complaint.representative.phone_key if complaint.representative else None
        matter = matter_key(product_line=complaint.product.line, product_type=prep.product_type, cause=prep.cause)
        similar = self.index.lookup(
            customer_key=key, signature=prep.signature, now=now, phone_key=phone, matter_key=matter
        )
        history = CustomerHistory(customer_key=key, items=self.histories.get(key, []))
        analysis = analyze(
            complaint=complaint,
            history=history,
            similar=similar,
            rules=self.rules,
            now=now,
            analyzer_version=ANALYZER_VERSION,
        )
        routing = self.escalation.route(analysis, now=now)
        self.histories.setdefault(key, []).append(history_item_from(analysis))
        self.index.add(
            complaint_id=complaint.complaint_id,
            customer_key=key,
            received_at=now,
            signature=prep.signature,
            phone_key=phone,
            matter_key=analysis.matter.key,
        )
        return _result(
            position,
            record.get("expect", {}),
            analysis,
            routing.route,
            routing.tier,
            routing.reasons,
            primary_label(analysis.profile, self.rules),
        )


def _result(
    position: int,
    expect: dict[str, Any],
    analysis: ComplaintAnalyzed,
    route_name: str,
    tier: str | None,
    reasons: list[str],
    profile: str,
) -> RecordResult:
    return RecordResult(
        index=position,
        complaint_id=analysis.complaint_id,
        scenario=expect.get("scenario", ""),
        expected_route=expect.get("route", ""),
        route=route_name,
        expected_flags=sorted(expect.get("flags", [])),
        signals=sorted(s.name for s in analysis.signals),
        expected_repeat_band=expect.get("repeat_band", ""),
        repeat_band=analysis.repeat_risk.band,
        repeat_score=analysis.repeat_risk.score,
        expected_tier=expect.get("tier"),
        tier=tier,
        expected_profile=expect.get("profile"),
        profile=profile,
        expected_cause=expect.get("cause"),
        cause=analysis.cause_category,
        overall_score=analysis.overall_score,
        reasons=reasons,
    )


def _score(tp: int, fp: int, fn: int) -> ClassScore:
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return ClassScore(precision=round(precision, 4), recall=round(recall, 4), f1=round(f1, 4), support=tp + fn)


def per_class(pairs: list[tuple[str, str]], classes: Iterable[str]) -> dict[str, ClassScore]:
    """Per-class scores of single-label (expected, predicted) pairs."""
    scores = {}
    for name in classes:
        tp = sum(1 for e, p in pairs if e == name and p == name)
        fp = sum(1 for e, p in pairs if e != name and p == name)
        fn = sum(1 for e, p in pairs if e == name and p != name)
        scores[name] = _score(tp, fp, fn)
    return scores


def per_label(sets: list[tuple[set[str], set[str]]], labels: Iterable[str]) -> dict[str, ClassScore]:
    """Per-label scores of multi-label (expected, predicted) pairs."""
    scores = {}
    for name in labels:
        tp = sum(1 for e, p in sets if name in e and name in p)
        fp = sum(1 for e, p in sets if name not in e and name in p)
        fn = sum(1 for e, p in sets if name in e and name not in p)
        scores[name] = _score(tp, fp, fn)
    return scores


def _macro(scores: dict[str, ClassScore]) -> float:
    present = [s.f1 for s in scores.values() if s.support]
    return round(sum(present) / len(present), 4) if present else 0.0


def _accuracy(pairs: list[tuple[Any, Any]]) -> float:
    return round(sum(1 for e, p in pairs if e == p) / len(pairs), 4) if pairs else 0.0


def _miss_weight(r: RecordResult) -> tuple[int, int]:
    return (
        int(r.route != r.expected_route) * 2 + int(r.repeat_band != r.expected_repeat_band),
        len(set(r.signals) ^ set(r.expected_flags)),
    )


def evaluate(records: list[dict[str, Any]], *, rules: Rules | None = None, policy: Policy | None = None) -> Report:
    """Replay labelled records in file order through `analyze` and `route`; score the decisions."""
    rules = rules or load_rules()
    policy = policy or load_policy()
    replay = _Replay(rules, policy, InMemoryTemplateIndex(rules.templates), _Incidents(policy))
    results = [replay.run(i, record) for i, record in enumerate(records)]
    return _report(results, rules, policy)


@dataclass(frozen=True)
class RouteFigures:
    """Route scores of (expected, predicted) pairs: macro-F1, per route, confusion (rows expected)."""

    macro_f1: float
    routes: dict[str, ClassScore]
    confusion: dict[str, dict[str, int]]


def route_figures(route_pairs: list[tuple[str, str]], policy: Policy) -> RouteFigures:
    """The route metric of `tousu evaluate`, for any source of decisions (also the services, end to end)."""
    route_names = [*(rr.name for rr in policy.routes), policy.standard.name]
    classes = [n for n in route_names if any(n in pair for pair in route_pairs)]
    routes = per_class(route_pairs, classes)
    confusion: dict[str, dict[str, int]] = {e: {} for e in classes}
    for (e, p), n in Counter(route_pairs).items():
        confusion.setdefault(e, {})[p] = n
    return RouteFigures(macro_f1=_macro(routes), routes=routes, confusion=confusion)


def _report(results: list[RecordResult], rules: Rules, policy: Policy) -> Report:
    route_pairs = [(r.expected_route, r.route) for r in results]
    figures = route_figures(route_pairs, policy)
    signal_sets = [(set(r.expected_flags), set(r.signals)) for r in results]
    signals = per_label(signal_sets, rules.signals)
    band_pairs = [(r.expected_repeat_band, r.repeat_band) for r in results]
    bands = per_class(band_pairs, BANDS)
    misses = sorted((r for r in results if _miss_weight(r) != (0, 0)), key=_miss_weight, reverse=True)
    return Report(
        count=len(results),
        rules_version=rules.version,
        policy_version=policy.version,
        route_accuracy=_accuracy(route_pairs),
        route_macro_f1=figures.macro_f1,
        routes=figures.routes,
        signals=signals,
        signal_macro_f1=_macro(signals),
        repeat_band_accuracy=_accuracy(band_pairs),
        repeat_band_macro_f1=_macro(bands),
        repeat_bands=bands,
        tier_accuracy=_accuracy([(r.expected_tier, r.tier) for r in results if r.expected_tier]),
        profile_accuracy=_accuracy([(r.expected_profile, r.profile) for r in results if r.expected_profile]),
        cause_accuracy=_accuracy([(r.expected_cause, r.cause) for r in results if r.expected_cause]),
        confusion=figures.confusion,
        worst_misses=misses[:10],
        records=results,
    )


def read_records(path: Path) -> list[dict[str, Any]]:
    """Records of a JSONL file (blank lines skipped)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def to_json(report: Report) -> str:
    """The report as one JSON object."""
    return report.model_dump_json(indent=2)


def _table(title: str, scores: dict[str, ClassScore]) -> Table:
    table = Table(title=title)
    for column in ("class", "precision", "recall", "f1", "support"):
        table.add_column(column, justify="left" if column == "class" else "right")
    for name, s in scores.items():
        table.add_row(name, f"{s.precision:.2f}", f"{s.recall:.2f}", f"{s.f1:.2f}", str(s.support))
    return table


def _confusion(report: Report) -> Table:
    names = list(report.confusion)
    predicted = sorted({p for row in report.confusion.values() for p in row} | set(names))
    table = Table(title="route confusion (rows expected, columns predicted)")
    table.add_column("expected")
    for name in predicted:
        table.add_column(name[:8], justify="right")
    for name in names:
        row = report.confusion[name]
        table.add_row(name, *(str(row.get(p, "")) for p in predicted))
    return table


def _misses(report: Report) -> Table:
    table = Table(title="worst misses")
    for column in ("#", "scenario", "route exp→got", "band exp→got", "signals missing / extra"):
        table.add_column(column)
    for r in report.worst_misses:
        missing = sorted(set(r.expected_flags) - set(r.signals))
        extra = sorted(set(r.signals) - set(r.expected_flags))
        table.add_row(
            str(r.index),
            r.scenario,
            f"{r.expected_route}→{r.route}",
            f"{r.expected_repeat_band}→{r.repeat_band}",
            f"-{missing} +{extra}",
        )
    return table


def render_text(report: Report) -> str:
    """Human-readable report: headline figures, per-route and per-signal tables, confusion, misses."""
    console = Console(file=io.StringIO(), width=140, record=True)
    console.print(
        f"[bold]{report.count} records[/] · rules {report.rules_version} · policy {report.policy_version}\n"
        f"route macro-F1 {report.route_macro_f1:.3f} (accuracy {report.route_accuracy:.3f}) · "
        f"repeat band accuracy {report.repeat_band_accuracy:.3f}, macro-F1 {report.repeat_band_macro_f1:.3f} · "
        f"signal macro-F1 {report.signal_macro_f1:.3f} · tier {report.tier_accuracy:.3f} · "
        f"profile {report.profile_accuracy:.3f} · cause {report.cause_accuracy:.3f}"
    )
    for table in (
        _table("routes", report.routes),
        _table("signals", report.signals),
        _table("repeat bands", report.repeat_bands),
        _confusion(report),
        _misses(report),
    ):
        console.print(table)
    return console.export_text()


def main(path: str | Path, as_json: bool = False) -> int:
    """CLI entry: print the report (text or JSON); exit code 0, or 2 when the file cannot be read."""
    try:
        records = read_records(Path(path))
    except (OSError, json.JSONDecodeError) as exc:
        print(f"cannot read {path}: {exc}")
        return 2
    report = evaluate(records)
    print(to_json(report) if as_json else render_text(report))
    return 0
