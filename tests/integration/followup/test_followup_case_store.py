"""The case-store contract, run against the Mongo adapter and the unit tests' in-memory fake alike."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest

from tests.unit.followup.builders import RULES, answer, cst, resolution, resolved
from tests.unit.followup.fakes import FakeCases
from tousu_followup import events
from tousu_followup.adapters.cases import CaseRepository
from tousu_followup.domain import lifecycle as lc
from tousu_followup.domain.model import Case, Context
from tousu_followup.ports import FollowupCases, Stored
from tousu_followup.service import fresh
from tousu_shared.cases import APPLIED_KEEP, Envelopes
from tousu_shared.mongo import mongo_database
from tousu_shared.settings import MongoSettings, Topics

pytestmark = pytest.mark.integration
NOW = cst(10, 8, 10)
LEASE = timedelta(seconds=30)


@dataclass
class Kind:
    """A case store, and how to see the ids of the events a save queued with a case (the relay's input)."""

    cases: FollowupCases
    queued: Callable[[str], Awaitable[list[str]]]


@pytest.fixture(params=["mongo", "fake"])
async def kind(request: pytest.FixtureRequest, mongo_uri: str, database_name: str) -> AsyncIterator[Kind]:
    """The in-memory fake, or the adapter on the session's MongoDB (indexes created)."""
    if request.param == "fake":
        fake = FakeCases()

        async def fake_queued(complaint_id: str) -> list[str]:
            return fake.queued(complaint_id)

        yield Kind(cases=fake, queued=fake_queued)
        return
    async with mongo_database(MongoSettings(uri=mongo_uri, database=database_name)) as db:
        collection = db["followup_cases"]
        cases = CaseRepository(collection, topics=Topics())
        await cases.ensure_indexes()

        async def stored_queue(complaint_id: str) -> list[str]:
            doc = await collection.find_one({"_id": complaint_id}) or {}
            return [entry["id"] for entry in doc.get("outbox", [])]

        yield Kind(cases=cases, queued=stored_queue)


@pytest.fixture
def store(kind: Kind) -> FollowupCases:
    return kind.cases


async def save(
    store: FollowupCases,
    stored: Stored,
    case: Case,
    *,
    event_id: str | None = None,
    release_claim: bool = False,
    events: Envelopes | None = None,
) -> bool:
    """Save `case` over `stored` with the deadline the domain gives it."""
    due = lc.next_due_at(case, rules=RULES)
    return await store.save(
        stored=stored,
        case=case,
        next_due_at=due,
        events=events or [],
        now=NOW,
        event_id=event_id,
        release_claim=release_claim,
    )


async def loaded(store: FollowupCases, complaint_id: str = "TS-1") -> Stored:
    found = await store.get(complaint_id)
    assert found is not None
    return found


async def test_a_save_over_a_revision_that_moved_is_refused(store: FollowupCases) -> None:
    assert await store.get("TS-1") is None
    first = fresh("TS-1", "ck-1")
    assert await save(store, first, resolved(), event_id="e-1")
    assert not await save(store, first, resolved(), event_id="e-2")  # a second first write lost the race
    current = await loaded(store)
    assert (current.rev, current.applied, current.case) == (1, frozenset({"e-1"}), resolved())
    assert await save(store, current, current.case, event_id="e-3")
    assert not await save(store, current, current.case, event_id="e-4")
    assert (await loaded(store)).applied == frozenset({"e-1", "e-3"})


async def test_context_merges_without_a_revision_and_keeps_the_newer_value(store: FollowupCases) -> None:
    routed = cst(9, 21)
    fields = {"context.tier": "L3", "context.routed_at": routed, "contact": {"phone_masked": "138****5678"}}
    assert await store.merge_context(complaint_id="TS-1", customer_key="ck-1", fields=fields)
    older = {"context.tier": "L1", "context.routed_at": cst(9, 20)}
    assert not await store.merge_context(
        complaint_id="TS-1", customer_key="ck-1", fields=older, newer_than=("context.routed_at", cst(9, 20))
    )
    context_only = await loaded(store)
    assert (context_only.rev, context_only.case) == (0, Case(complaint_id="TS-1", customer_key="ck-1"))
    assert (context_only.context, context_only.contact) == (Context(tier="L3"), {"phone_masked": "138****5678"})
    assert await save(store, context_only, resolved())  # the first state write goes over the context-only case
    assert (await loaded(store)).context.tier == "L3"


async def test_a_case_past_its_deadline_has_one_holder_until_released(store: FollowupCases) -> None:
    assert await save(store, fresh("TS-1", "ck-1"), resolved())
    deadline = lc.next_due_at(resolved(), rules=RULES)
    assert deadline is not None
    assert await store.claim_due(now=deadline - timedelta(seconds=1), owner="a", lease=LEASE) is None
    claimed = await store.claim_due(now=deadline, owner="a", lease=LEASE)
    assert claimed is not None and claimed.case.complaint_id == "TS-1"
    assert await store.claim_due(now=deadline, owner="b", lease=LEASE) is None
    await store.release(complaint_id="TS-1", owner="b")  # not b's to give back
    assert await store.claim_due(now=deadline, owner="b", lease=LEASE) is None
    await store.release(complaint_id="TS-1", owner="a")
    again = await store.claim_due(now=deadline, owner="b", lease=LEASE)
    assert again is not None
    closed = lc.expire(again.case, rules=RULES, now=deadline).case
    assert await save(store, again, closed, release_claim=True)
    assert await store.claim_due(now=deadline + LEASE * 2, owner="c", lease=LEASE) is None  # no deadline left


async def test_the_worklist_reads_due_surveys_by_channel_and_refused_closures(store: FollowupCases) -> None:
    for cid, channel in (("TS-1", "hotline"), ("TS-2", "app")):
        await store.merge_context(complaint_id=cid, customer_key="ck-1", fields={"context.channel": channel})
        case = resolved().model_copy(update={"complaint_id": cid})
        assert await save(store, await loaded(store, cid), case)
    due_at = resolved().surveys[0].due_at
    assert await store.due(now=due_at - timedelta(seconds=1), channels=None, limit=10) == []
    assert [s.case.complaint_id for s in await store.due(now=due_at, channels=frozenset({"app"}), limit=10)] == ["TS-2"]
    assert await store.count_due(now=due_at) == 2
    assert await store.count_overdue(now=resolved().surveys[0].due_by + timedelta(seconds=1)) == 2
    untraced = resolved(traced=False)
    refused = lc.record_feedback(
        untraced,
        feedback=lc.Feedback(feedback_id="f-1", cycle=1, reached=True, contacted_at=NOW, satisfaction="satisfied"),
        rules=RULES,
        now=NOW,
    ).case
    assert await save(store, await loaded(store, "TS-1"), refused)
    assert [s.case.complaint_id for s in await store.blocked(channels=None, limit=10)] == ["TS-1"]
    assert await store.blocked(channels=frozenset({"app"}), limit=10) == []


async def test_the_events_of_a_save_are_queued_with_it_and_a_refused_save_queues_none(kind: Kind) -> None:
    first = fresh("TS-1", "ck-1")
    decision = lc.resolve(first.case, resolution=resolution(), context=Context(), rules=RULES, now=NOW)
    scheduled = events.envelopes(decision.case, facts=decision.facts, cause="e-1", now=NOW)
    assert [e.type for e in scheduled] == ["followup.survey_scheduled"]
    assert await save(kind.cases, first, decision.case, event_id="e-1", events=scheduled)
    late = events.envelopes(decision.case, facts=decision.facts, cause="e-2", now=NOW)
    assert not await save(kind.cases, first, decision.case, event_id="e-2", events=late)
    assert await kind.queued("TS-1") == [scheduled[0].id]
    assert await kind.queued("TS-2") == []


async def test_only_the_newest_applied_event_ids_are_kept(store: FollowupCases) -> None:
    assert await save(store, fresh("TS-1", "ck-1"), resolved(), event_id="e-0")
    for n in range(1, APPLIED_KEEP + 1):
        assert await save(store, await loaded(store), resolved(), event_id=f"e-{n}")
    applied = (await loaded(store)).applied
    assert len(applied) == APPLIED_KEEP
    assert "e-0" not in applied and {"e-1", f"e-{APPLIED_KEEP}"} <= applied


async def test_claims_go_to_the_oldest_deadline_first_and_a_lapsed_lease_can_be_taken_over(
    store: FollowupCases,
) -> None:
    early, late = resolved(at=cst(9, 29)), resolved(at=cst(9, 30)).model_copy(update={"complaint_id": "TS-2"})
    assert await save(store, fresh("TS-2", "ck-1"), late)
    assert await save(store, fresh("TS-1", "ck-1"), early)
    deadline = lc.next_due_at(late, rules=RULES)
    assert deadline is not None and deadline > (lc.next_due_at(early, rules=RULES) or deadline)
    first = await store.claim_due(now=deadline, owner="a", lease=LEASE)
    second = await store.claim_due(now=deadline, owner="a", lease=LEASE)
    assert (first and first.case.complaint_id, second and second.case.complaint_id) == ("TS-1", "TS-2")
    assert await store.claim_due(now=deadline + LEASE / 2, owner="b", lease=LEASE) is None
    taken = await store.claim_due(now=deadline + LEASE * 2, owner="b", lease=LEASE)
    assert taken is not None and taken.case.complaint_id == "TS-1"


async def test_a_save_keeps_the_claim_unless_it_releases_it(store: FollowupCases) -> None:
    assert await save(store, fresh("TS-1", "ck-1"), resolved())
    deadline = lc.next_due_at(resolved(), rules=RULES)
    assert deadline is not None
    claimed = await store.claim_due(now=deadline, owner="a", lease=LEASE)
    assert claimed is not None
    assert await save(store, claimed, claimed.case)  # still due, still a's
    assert await store.claim_due(now=deadline, owner="b", lease=LEASE) is None
    assert await save(store, await loaded(store), claimed.case, release_claim=True)
    again = await store.claim_due(now=deadline, owner="b", lease=LEASE)
    assert again is not None and again.rev == 3


async def test_worklist_reads_are_ordered_and_bounded_and_count_only_pending_surveys(store: FollowupCases) -> None:
    for n, day in ((3, 28), (1, 30), (2, 29)):
        case = resolved(at=cst(9, day), traced=False).model_copy(update={"complaint_id": f"TS-{n}"})
        assert await save(store, fresh(f"TS-{n}", "ck-1"), case)
    last_due = resolved(at=cst(9, 30)).surveys[0].due_at
    due = await store.due(now=last_due, channels=None, limit=2)
    assert [s.case.complaint_id for s in due] == ["TS-3", "TS-2"]  # decided 28 and 29 Sep: due first
    answered = answer((await loaded(store, "TS-3")).case, "satisfied", fid="f-3").case
    assert answered.status == "closure_blocked"
    assert await save(store, await loaded(store, "TS-3"), answered)
    assert await store.count_due(now=last_due) == 2
    past = max(s.due_by for s in resolved(at=cst(9, 30)).surveys) + timedelta(seconds=1)
    assert await store.count_overdue(now=past) == 2
    for n in (1, 2):
        blocked = answer((await loaded(store, f"TS-{n}")).case, "satisfied", fid=f"f-{n}").case
        assert await save(store, await loaded(store, f"TS-{n}"), blocked)
    assert [s.case.complaint_id for s in await store.blocked(channels=None, limit=2)] == ["TS-1", "TS-2"]
    assert await store.count_due(now=last_due) == 0


async def test_context_merges_create_the_case_take_an_equal_value_and_replace_the_contact(
    store: FollowupCases,
) -> None:
    cycle = ("context.analysis_cycle", 1)
    first = {
        "context.analysis_cycle": 1,
        "context.severity": "low",
        "contact": {"name_masked": "张*", "age_band": "45-64"},
    }
    assert await store.merge_context(complaint_id="TS-1", customer_key="ck-1", fields=first, newer_than=cycle)
    again = {"context.analysis_cycle": 1, "context.severity": "high", "contact": {"phone_masked": "138****5678"}}
    assert await store.merge_context(complaint_id="TS-1", customer_key="ck-9", fields=again, newer_than=cycle)
    found = await loaded(store)
    assert found.context.severity == "high"  # the same cycle again: not older, so applied
    assert found.contact == {"phone_masked": "138****5678"}
    assert found.case.customer_key == "ck-1"  # set when the case was created, not by later merges
