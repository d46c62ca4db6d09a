"""Order-free incidents (issue 16 item 1, domain §5): the final state depends on the complaints, never on
their arrival order, the partitioning across instances, the interleaving of those instances, or redeliveries.

The real `EscalationService` and `IncidentDesk` run over in-memory stores (`escalation_fakes`) that keep the
database's revision checks and unique indexes; several instances share one loop and interleave at every
store call. The expected state is the domain rule itself (`waves`): a complaint is `group` exactly when some
7-day window holding it has 5 distinct customers on its matter, and each wave is one incident.
"""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from prometheus_client import CollectorRegistry

from tests.unit.escalation.escalation_builders import analyzed
from tests.unit.escalation.escalation_fakes import FakeCases, FakeIncidents, Yielder
from tousu_escalation.bootstrap import load_plan, load_policies
from tousu_escalation.config import EscalationSettings
from tousu_escalation.domain.incidents import IncidentRules, Neighbour, cluster_keys, waves
from tousu_escalation.domain.pages import PageRules
from tousu_escalation.incident_desk import IncidentDesk
from tousu_escalation.metrics import EscalationMetrics
from tousu_escalation.planner import Planner
from tousu_escalation.service import EscalationService
from tousu_shared.events import ComplaintAnalyzed, ComplaintRouted, Signal

pytestmark = pytest.mark.unit
T0 = datetime(2026, 9, 1, 1, tzinfo=UTC)
NOW = T0 + timedelta(days=90)
PRODUCTS = ("信用卡", "理财", "车险")
RULES = IncidentRules()


@dataclass(frozen=True)
class Group:
    """Complaints of one matter: `customers` distinct customers, one every `step_hours`, some repeating."""

    product: str
    start_hours: int
    customers: int
    step_hours: int
    repeats: int
    band: int | None = None  # a text-signature band shared with other groups (a second key, across products)


groups = st.builds(
    Group,
    product=st.sampled_from(PRODUCTS),
    start_hours=st.integers(0, 24 * 30),
    customers=st.sampled_from([1, 1, 2, 4, 4, 5, 5, 6, 7]),  # one-offs, near-misses (4), clusters (≥ 5)
    step_hours=st.sampled_from([2, 12, 30, 44, 50]),  # 5 customers 44-50 h apart span > 7 days: a near-miss
    repeats=st.integers(0, 2),
    band=st.sampled_from([None, None, 0, 1]),
)


def complaints_of(plan: list[Group]) -> list[ComplaintAnalyzed]:
    """The analysed complaints of the generated groups (customer keys are per group: never shared)."""
    out: list[ComplaintAnalyzed] = []
    for g, group in enumerate(plan):
        times = [T0 + timedelta(hours=group.start_hours + i * group.step_hours) for i in range(group.customers)]
        people = [(f"k{g}-{i}", at) for i, at in enumerate(times)]
        people += [(f"k{g}-0", times[-1] + timedelta(hours=3 + r)) for r in range(group.repeats)]
        for n, (customer, at) in enumerate(people):
            band = () if group.band is None else (f"band-{group.band}",)
            out.append(analyzed(f"C-{g}-{n}", customer, received_at=at, product_type=group.product, signature=band))
    return out


Final = dict[str, tuple[str, str | None, frozenset[str] | None]]


def expected(complaints: list[ComplaintAnalyzed]) -> tuple[Final, set[frozenset[str]]]:
    """The domain rule applied to the whole set at once: each complaint's route, level and incident (the wave
    of its first key holding it: the matter's before a text band's), and every wave of every key."""
    members = [
        Neighbour(
            complaint_id=c.complaint_id,
            customer_key=c.customer_key,
            keys=cluster_keys(c.matter),
            received_at=c.received_at,
        )
        for c in complaints
    ]
    keys = sorted({k for m in members for k in m.keys}, reverse=True)  # the first key's wave written last
    found = [w for key in keys for w in waves(key=key, members=members, rules=RULES)]
    routes: Final = {c.complaint_id: ("standard", None, None) for c in complaints}
    for wave in found:
        level = "major" if len(wave.customer_keys) >= RULES.major_threshold else "wave"
        routes |= dict.fromkeys(wave.complaint_ids, ("group", level, frozenset(wave.complaint_ids)))
    return routes, {frozenset(w.complaint_ids) for w in found}


@dataclass
class Stack:
    cases: FakeCases
    incidents: FakeIncidents
    instances: list[EscalationService]


ESC = EscalationSettings()
POLICIES = load_policies(ESC)
PLAN_RULES = load_plan(ESC, policy=POLICIES.policy)


def stack(*, instances: int, seed: int) -> Stack:
    """`instances` escalation services over one pair of in-memory stores."""
    policies = POLICIES
    pause = Yielder(random.Random(seed))
    cases, incidents = FakeCases(pause), FakeIncidents(pause)
    services = []
    for _ in range(instances):
        metrics = EscalationMetrics(CollectorRegistry())
        planner = Planner(
            cases=cases,  # type: ignore[arg-type]
            rules=PLAN_RULES,
            clock_policy=policies.clock_policy,
            metrics=metrics,
            wake=lambda: None,
            now=lambda: NOW,
        )
        paging = PageRules(queues=frozenset())
        desk = IncidentDesk(
            incidents=incidents,  # type: ignore[arg-type]
            cases=cases,  # type: ignore[arg-type]
            policy=policies.policy,
            rules=policies.rules,
            paging=paging,
            metrics=metrics,
            wake=lambda: None,
            planner=planner,
        )
        services.append(
            EscalationService(
                cases=cases,  # type: ignore[arg-type]
                incidents=incidents,  # type: ignore[arg-type]
                desk=desk,
                policies=policies,
                planner=planner,
                metrics=metrics,
                paging=paging,
                wake=lambda: None,
                now=lambda: NOW,
            )
        )
    return Stack(cases=cases, incidents=incidents, instances=services)


async def run(stack_: Stack, partitions: list[list[ComplaintAnalyzed]]) -> None:
    """Each partition consumed in order by one instance (partition i by instance i mod n), all concurrently."""

    async def consume(service: EscalationService, records: list[ComplaintAnalyzed]) -> None:
        for record in records:
            await service.on_analyzed(event_id=f"an-{record.complaint_id}", analysis=record)

    n = len(stack_.instances)
    await asyncio.gather(*(consume(stack_.instances[i % n], part) for i, part in enumerate(partitions)))


def final_state(stack_: Stack) -> tuple[Final, set[frozenset[str]]]:
    """Each complaint's route, level and incident (as its member set); the member sets of the live incidents."""
    incidents = {i: (v, status) for i, (v, _, status) in stack_.incidents.docs.items()}
    routes = {}
    for cid, stored in stack_.cases.docs.items():
        routing = stored.case.routing
        assert routing is not None
        incident = incidents.get(routing.incident_id) if routing.incident_id else None
        members = frozenset(incident[0].complaint_ids) if incident else None
        routes[cid] = (routing.route, routing.level, members)
    live = {frozenset(v.complaint_ids) for v, status in incidents.values() if status != "merged"}
    return routes, live


def routed_twice(stack_: Stack) -> list[tuple[str, str | None, str | None]]:
    """(complaint, incident, level) routed more than once: each member is routed once per incident and level."""
    seen = [
        (e.data.complaint_id, e.data.incident_id, e.data.level)
        for e in stack_.cases.events
        if isinstance(e.data, ComplaintRouted) and e.data.incident_id
    ]
    return sorted({s for s in seen if seen.count(s) > 1})


def settle(
    complaints: list[ComplaintAnalyzed], partitions: list[list[ComplaintAnalyzed]], *, instances: int, seed: int
):
    s = stack(instances=instances, seed=seed)
    asyncio.run(run(s, partitions))
    return s


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    plan=st.lists(groups, min_size=1, max_size=4),
    data=st.data(),
)
def test_any_order_partitioning_and_interleaving_gives_the_final_state_of_the_domain_rule(
    plan: list[Group], data: st.DataObject
) -> None:
    complaints = complaints_of(plan)
    routes, waves_ = expected(complaints)
    shuffled = data.draw(st.permutations(complaints), label="arrival order")
    parts = data.draw(st.integers(1, 3), label="partitions")
    assignment = data.draw(st.lists(st.integers(0, parts - 1), min_size=len(shuffled), max_size=len(shuffled)))
    partitions = [[c for c, p in zip(shuffled, assignment, strict=True) if p == i] for i in range(parts)]
    instances = data.draw(st.integers(1, parts), label="instances")
    seed = data.draw(st.integers(0, 2**16), label="interleaving seed")
    redelivered = data.draw(st.lists(st.sampled_from(shuffled), max_size=3), label="redeliveries")

    s = settle(complaints, [*partitions, redelivered], instances=instances, seed=seed)
    state, live = final_state(s)

    assert state == routes
    assert live == waves_
    assert routed_twice(s) == []


@given(seed=st.integers(0, 2**16), order=st.randoms(use_true_random=False))
@settings(max_examples=20, deadline=None)
def test_a_major_wave_reroutes_every_member_to_the_major_level_once(seed: int, order: random.Random) -> None:
    complaints = complaints_of([Group(product="理财", start_hours=0, customers=21, step_hours=5, repeats=0)])
    shuffled = list(complaints)
    order.shuffle(shuffled)
    s = settle(complaints, [shuffled[::2], shuffled[1::2]], instances=2, seed=seed)
    state, live = final_state(s)
    assert live == {frozenset(c.complaint_id for c in complaints)}
    assert {(route, level) for route, level, _ in state.values()} == {("group", "major")}
    assert routed_twice(s) == []


def test_a_late_member_of_a_closed_wave_joins_it_rather_than_founding_a_second_incident() -> None:
    early = complaints_of([Group(product="信用卡", start_hours=0, customers=6, step_hours=12, repeats=0)])
    later = [
        analyzed(f"C-L{i}", f"k-later-{i}", received_at=T0 + timedelta(days=30, hours=i), product_type="信用卡")
        for i in range(5)
    ]
    late = analyzed("C-late", "k-late", received_at=T0 + timedelta(hours=30), product_type="信用卡")
    s = settle([], [[*early, *later, late]], instances=1, seed=1)
    state, live = final_state(s)
    assert live == {frozenset([*(c.complaint_id for c in early), "C-late"]), frozenset(c.complaint_id for c in later)}
    assert state["C-late"][0] == "group"
    statuses = sorted(status for _, _, status in s.incidents.docs.values())
    assert statuses == ["closed", "open"]  # the newer wave is the open one


def test_a_wave_does_not_creep_past_its_qualifying_windows() -> None:
    wave = complaints_of([Group(product="信用卡", start_hours=0, customers=5, step_hours=12, repeats=0)])
    # each within 7 days of the one before (the old sliding rule admitted them all), none in a window of 5
    creeping = [
        analyzed(f"C-S{i}", f"k-creep-{i}", received_at=T0 + timedelta(days=6 * (i + 1) + 2), product_type="信用卡")
        for i in range(3)
    ]
    other = analyzed("C-O", "k-other", received_at=T0 + timedelta(hours=30), product_type="理财")
    s = settle([], [[*wave, *creeping, other]], instances=1, seed=2)
    state, live = final_state(s)
    assert live == {frozenset(c.complaint_id for c in wave)}
    assert {state[c.complaint_id][0] for c in creeping} == {"standard"}
    assert state["C-O"][0] == "standard", "another product never joins the wave"


def test_a_public_opinion_founder_can_also_be_the_earliest_member_of_its_matters_group_wave() -> None:
    """One complaint founds a public-opinion incident and is the first of a group wave on the same key: two
    incidents, two ids (the kind is part of the id), no endless retry."""
    wave = complaints_of([Group(product="信用卡", start_hours=0, customers=5, step_hours=12, repeats=0)])
    first = wave[0].model_copy(update={"signals": [Signal(name="media_exposed")]})
    s = settle([], [[first, *wave[1:]]], instances=1, seed=3)
    state, live = final_state(s)
    members = frozenset(c.complaint_id for c in wave)
    assert live == {frozenset([first.complaint_id]), members}
    assert state[first.complaint_id][0] == "public_opinion", "its own route outranks the wave's"
    assert {state[c.complaint_id] for c in wave[1:]} == {("group", "wave", members)}
    kinds = sorted(view.kind for view, _, _ in s.incidents.docs.values())
    assert kinds == ["group", "public_opinion"]
