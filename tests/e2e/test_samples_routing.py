"""The 96 labelled samples through the real services route as `tousu evaluate` scores them (route macro-F1 ≥ 0.9).

Posted through intake in file order (each routed before the next is posted, as `evaluate` replays them),
with the file's own `received_at`. Scored with `evaluate`'s own metric: the decision on arrival (the first
`complaint.routed`, what the labels and `evaluate` describe) and the current route that GET shows (after
incident re-routes of earlier wave members) must both reach the bar.
"""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import Stack, service_logs
from tests.e2e.journeys import client, poll, view
from tousu_escalation.domain.policy import load_policy
from tousu_tools.demo_plan import load_samples
from tousu_tools.evaluate import RouteFigures, evaluate, route_figures

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(1200)]
MIN_ROUTE_MACRO_F1 = 0.9
MIN_AGREEMENT = 0.95  # share of samples whose route on arrival is the one `evaluate` decides
ROUTED_TIMEOUT_S = 120.0  # per complaint; the embedded database is slow


def routed(api: httpx.Client, complaint_id: str) -> dict[str, Any]:
    """The complaint's view once escalation has routed it."""
    found: dict[str, Any] = poll(
        lambda: (v := view(api, complaint_id))["routing"] is not None and v,
        what=f"{complaint_id} to be routed",
        timeout_s=ROUTED_TIMEOUT_S,
    )
    return found


def arrival_route(complaint: dict[str, Any]) -> str:
    """The route decided when the complaint arrived: its first `complaint.routed`."""
    entries = [e for e in complaint["timeline"] if e["type"] == "complaint.routed"]
    first = min(entries, key=lambda e: (e["time"], e.get("seq", 0)))
    return str(first["detail"]["route"])


def explain(figures: RouteFigures, rows: list[str]) -> str:
    """Per-route confusion (rows expected → predicted counts) and the mismatching samples."""
    lines = [f"route macro-F1 {figures.macro_f1:.3f}"]
    lines += [
        f"  {expected:<20} {dict(sorted(predicted.items()))}" for expected, predicted in figures.confusion.items()
    ]
    return "\n".join([*lines, *rows])


def settled_routes(api: httpx.Client, complaint_ids: list[str]) -> list[str]:
    """Current routes once two reads a few seconds apart agree (re-routes of earlier wave members landed)."""
    previous: list[str] = []
    deadline = time.monotonic() + ROUTED_TIMEOUT_S
    while time.monotonic() < deadline:
        current = [str(view(api, c)["routing"]["route"]) for c in complaint_ids]
        if current == previous:
            return current
        previous = current
        time.sleep(3)
    return previous


def test_the_samples_route_through_the_services_as_evaluate_scores_them(stack: Stack) -> None:
    samples = load_samples()
    policy = load_policy()
    evaluated = [r.route for r in evaluate(samples).records]
    started = time.monotonic()
    views: list[dict[str, Any]] = []
    with client(stack.intake, stack.api_key) as api:
        for sample in samples:
            created = api.post("/v1/complaints", json=sample["body"])
            assert created.status_code == 201, created.text
            views.append(routed(api, created.json()["complaint_id"]))
        current = settled_routes(api, [v["complaint_id"] for v in views])
    elapsed = time.monotonic() - started

    expected = [str(s["expect"]["route"]) for s in samples]
    arrival = [arrival_route(v) for v in views]
    on_arrival = route_figures(list(zip(expected, arrival, strict=True)), policy)
    now = route_figures(list(zip(expected, current, strict=True)), policy)
    differences = [
        f"  #{i} {s['expect'].get('scenario', '')}: expected {e}, services {a} (now {c}), evaluate {r}"
        for i, (s, e, a, c, r) in enumerate(zip(samples, expected, arrival, current, evaluated, strict=True))
        if a != e or a != r
    ]
    agreement = sum(a == r for a, r in zip(arrival, evaluated, strict=True)) / len(samples)
    report = (
        f"{len(samples)} samples routed in {elapsed:.0f} s; services agree with evaluate on {agreement:.1%}\n"
        f"on arrival: {explain(on_arrival, differences)}\n"
        f"current (after incident re-routes): {explain(now, [])}"
    )
    print(report)
    failure = report + "\n" + service_logs(stack)
    assert on_arrival.macro_f1 >= MIN_ROUTE_MACRO_F1, failure
    assert now.macro_f1 >= MIN_ROUTE_MACRO_F1, failure
    assert agreement >= MIN_AGREEMENT, failure
    # issue 5 regression: a plain complaint sharing product + cause never lands on the opinion desk
    assert on_arrival.routes["public_opinion"].precision == 1.0, failure
