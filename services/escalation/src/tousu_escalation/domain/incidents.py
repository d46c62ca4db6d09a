"""Incident clustering decisions (domain §5): same matter, distinct customers, 7-day window; pure."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from tousu_escalation.domain.policy import Policy
from tousu_escalation.domain.routing import Routing
from tousu_shared.events import ComplaintAnalyzed, Matter

IncidentKind = Literal["group", "public_opinion"]
INCIDENT_ROUTES: dict[str, IncidentKind] = {"group": "group", "public_opinion": "public_opinion"}


class Frozen(BaseModel):
    """Immutable value."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class IncidentRules(Frozen):
    """Thresholds of the group rule (domain §5 row 3)."""

    group_threshold: int = Field(default=5, ge=2)
    major_threshold: int = Field(default=20, ge=2)
    window: timedelta = timedelta(days=7)


class Neighbour(Frozen):
    """A recent complaint that shares at least one cluster key with the new one."""

    complaint_id: str
    customer_key: str
    keys: list[str]
    received_at: datetime


class Cluster(Frozen):
    """The biggest cluster the new complaint belongs to."""

    key: str | None = None
    customers: int = 1
    complaint_ids: list[str] = Field(default_factory=list)
    customer_keys: list[str] = Field(default_factory=list)
    latest_at: datetime | None = None


class IncidentView(Frozen):
    """What the decisions need to know about an open incident."""

    incident_id: str
    kind: IncidentKind
    queue: str
    key: str
    customers: list[str]
    complaint_ids: list[str]
    major: bool
    opening_count: int
    opened_at: datetime
    product_type: str | None = None
    cause: str | None = None
    last_member_at: datetime | None = Field(
        default=None, description="`received_at` of the latest member: the sliding window's anchor."
    )

    @property
    def latest_at(self) -> datetime:
        """When the wave last grew (received time of its latest member; opening time for old records)."""
        return self.last_member_at or self.opened_at


class Decision(Frozen):
    """What a complaint does with the open incidents of its matter: join one, open one (of a kind), or neither.

    `close` lists the incidents found stale (no member within the window): they take no more members.
    """

    join: IncidentView | None = None
    open: IncidentKind | None = None
    close: list[IncidentView] = Field(default_factory=list)


def cluster_keys(matter: Matter) -> list[str]:
    """Keys that make two complaints the same matter: product type + cause, or a shared text-signature band."""
    keys = [f"m:{matter.key}"] if matter.product_type else []
    return keys + [f"s:{band}" for band in matter.signature]


def biggest_cluster(
    *,
    keys: list[str],
    customer_key: str,
    complaint_id: str,
    received_at: datetime,
    neighbours: list[Neighbour],
    window: timedelta = timedelta(days=7),
) -> Cluster:
    """The most distinct customers (this one included) sharing one key inside a `window` that holds this complaint.

    Neighbours may have been received before or after this complaint (events arrive out of order);
    every window [s, s + window] with s in [received_at - window, received_at] is tried.
    """
    me = Neighbour(complaint_id=complaint_id, customer_key=customer_key, keys=keys, received_at=received_at)
    best = Cluster(complaint_ids=[complaint_id], customer_keys=[customer_key], latest_at=received_at)
    for key in keys:
        sharing = [me, *(n for n in neighbours if key in n.keys and n.complaint_id != complaint_id)]
        for start in {n.received_at for n in sharing if received_at - window <= n.received_at <= received_at}:
            inside = [n for n in sharing if start <= n.received_at <= start + window]
            customers = sorted({n.customer_key for n in inside})
            if len(customers) > best.customers:
                ids = sorted({n.complaint_id for n in inside})
                latest = max(n.received_at for n in inside)
                best = Cluster(
                    key=key, customers=len(customers), complaint_ids=ids, customer_keys=customers, latest_at=latest
                )
    return best


def incident_kind(*, routing: Routing, cluster: Cluster, rules: IncidentRules) -> IncidentKind | None:
    """The kind of incident a complaint opens when no incident exists yet, or None."""
    if routing.route in INCIDENT_ROUTES:
        return INCIDENT_ROUTES[routing.route]
    return "group" if cluster.customers >= rules.group_threshold else None


def is_stale(incident: IncidentView, *, at: datetime, rules: IncidentRules) -> bool:
    """True when the wave's latest member is more than the window before `at`: the incident is over."""
    return at - incident.latest_at > rules.window


def joins(
    incident: IncidentView, *, route: str | None, keys: list[str], received_at: datetime, rules: IncidentRules
) -> bool:
    """Whether a complaint belongs to the incident's wave (domain §5, issue 5).

    Same matter key, within the window of the incident's latest member, and either the incident is a
    `group` wave (every complaint on the matter joins it) or the complaint's own route is the incident's
    kind (a public-opinion complaint joins the public-opinion incident of its matter). A plain complaint
    never joins a public-opinion incident just for sharing product and cause.
    """
    if incident.key not in keys or abs(received_at - incident.latest_at) > rules.window:
        return False
    return incident.kind == "group" or route == incident.kind


def incident_to_join(
    incidents: list[IncidentView], *, route: str | None, keys: list[str], received_at: datetime, rules: IncidentRules
) -> IncidentView | None:
    """The incident the complaint joins: one of its own route's kind first, else a group wave; oldest first.

    With `route=None` only a group wave qualifies (what routing needs to know before the route is known).
    """
    fits = [i for i in incidents if joins(i, route=route, keys=keys, received_at=received_at, rules=rules)]
    fits.sort(key=lambda i: (i.kind != route, i.opened_at))
    return fits[0] if fits else None


def cluster_customers(*, cluster: Cluster, wave: IncidentView | None, customer_key: str) -> int:
    """Distinct customers of the complaint's matter for the group rule: its cluster, or the wave it joins."""
    return max(cluster.customers, len({customer_key, *wave.customers}) if wave else 1)


def decide(
    *,
    incidents: list[IncidentView],
    routing: Routing,
    cluster: Cluster,
    keys: list[str],
    received_at: datetime,
    rules: IncidentRules,
) -> Decision:
    """Join the wave the complaint belongs to, else open an incident of the kind its route calls for.

    Incidents with no member within the window before `received_at` are closed and never joined.
    """
    stale = [i for i in incidents if is_stale(i, at=received_at, rules=rules)]
    live = [i for i in incidents if i not in stale]
    target = incident_to_join(live, route=routing.route, keys=keys, received_at=received_at, rules=rules)
    if target is not None:
        return Decision(join=target, close=stale)
    return Decision(open=incident_kind(routing=routing, cluster=cluster, rules=rules), close=stale)


def incident_queue(kind: IncidentKind, policy: Policy) -> str:
    """The queue that owns incidents of this kind (the route of the same name)."""
    return next(r.queue for r in policy.routes if r.name == kind)


def opened(
    kind: IncidentKind,
    *,
    analysis: ComplaintAnalyzed,
    cluster: Cluster,
    keys: list[str],
    policy: Policy,
    rules: IncidentRules,
    now: datetime,
) -> IncidentView:
    """A new incident: a group incident founds on its cluster, a public-opinion one on the complaint alone."""
    cid, ck = analysis.complaint_id, analysis.customer_key
    key = (cluster.key if kind == "group" else None) or (keys[0] if keys else f"c:{cid}")
    group = kind == "group"
    ids, customers = (cluster.complaint_ids, cluster.customer_keys) if group else ([cid], [ck])
    latest = max(analysis.received_at, cluster.latest_at or analysis.received_at) if group else analysis.received_at
    return IncidentView(
        incident_id=incident_id(key=key, founder=cid),
        kind=kind,
        queue=incident_queue(kind, policy),
        key=key,
        customers=customers,
        complaint_ids=ids,
        major=len(customers) >= rules.major_threshold,
        opening_count=len(customers),
        opened_at=now,
        product_type=analysis.matter.product_type,
        cause=analysis.matter.cause,
        last_member_at=latest,
    )


def grown(view: IncidentView, *, analysis: ComplaintAnalyzed, rules: IncidentRules) -> IncidentView:
    """The incident with one more member complaint."""
    customers = sorted({*view.customers, analysis.customer_key})
    return view.model_copy(
        update={
            "customers": customers,
            "complaint_ids": [*view.complaint_ids, analysis.complaint_id],
            "major": view.major or len(customers) >= rules.major_threshold,
            "last_member_at": max(view.latest_at, analysis.received_at),
        }
    )


def incident_id(*, key: str, founder: str) -> str:
    """Deterministic id: a redelivered founding event maps to the same incident."""
    return "INC-" + hashlib.sha256(f"{key}\n{founder}".encode()).hexdigest()[:16].upper()


def growth_per_day(*, members: int, opening_count: int, opened_at: datetime, now: datetime) -> float:
    """New members per day since opening (at least one day, so a young incident is not inflated)."""
    days = max((now - opened_at) / timedelta(days=1), 1.0)
    return round(max(members - opening_count, 0) / days, 3)


def becomes_major(*, before: int, after: int, rules: IncidentRules) -> bool:
    """True exactly when this member takes the incident to the major threshold (re-escalate once)."""
    return before < rules.major_threshold <= after


def outranks(*, route: str, incident_route: str, policy: Policy) -> bool:
    """True when `route` comes before the incident's route in precedence (e.g. safety stays with crisis_team)."""
    order = [r.name for r in policy.routes] + [policy.standard.name]
    return order.index(route) < order.index(incident_route) if route in order and incident_route in order else False


def join_routing(
    *, routing: Routing, incident: IncidentView, policy: Policy, now: datetime, reroute: bool = False
) -> Routing:
    """A member of an incident is handled by the incident's queue, unless its own route outranks it."""
    incident_route = incident.kind
    if routing.route == incident_route or outranks(route=routing.route, incident_route=incident_route, policy=policy):
        return routing.model_copy(update={"incident_id": incident.incident_id})
    flags = [f for f in [routing.route, *routing.flags] if f != incident_route]
    reason = f"joined incident {incident.incident_id} ({incident.kind}, {len(incident.customers)} customers)"
    return routing.model_copy(
        update={
            "route": incident_route,
            "queue": incident.queue,
            "level": "major" if incident.major else routing.level,
            "flags": list(dict.fromkeys(flags)),
            "reasons": [*routing.reasons, reason, f"queue {incident.queue}"],
            "incident_id": incident.incident_id,
            "reroute_of": routing.route if reroute else routing.reroute_of,
            "routed_at": now,
        }
    )
