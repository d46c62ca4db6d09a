"""The case-store contract, run against the Mongo adapter and the unit tests' in-memory fake alike."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from tests.unit.followup.builders import RULES, cst, resolved
from tests.unit.followup.fakes import FakeCases
from tousu_followup.adapters.cases import CaseRepository
from tousu_followup.domain import lifecycle as lc
from tousu_followup.domain.model import Case, Context
from tousu_followup.ports import FollowupCases, Stored
from tousu_followup.service import fresh
from tousu_shared.mongo import mongo_database
from tousu_shared.settings import MongoSettings, Topics

pytestmark = pytest.mark.integration
NOW = cst(10, 8, 10)
LEASE = timedelta(seconds=30)


@pytest.fixture(params=["mongo", "fake"])
async def store(request: pytest.FixtureRequest, mongo_uri: str, database_name: str) -> AsyncIterator[FollowupCases]:
    if request.param == "fake":
        yield FakeCases()
        return
    async with mongo_database(MongoSettings(uri=mongo_uri, database=database_name)) as db:
        cases = CaseRepository(db["followup_cases"], topics=Topics())
        await cases.ensure_indexes()
        yield cases


async def save(
    store: FollowupCases, stored: Stored, case: Case, *, event_id: str | None = None, release_claim: bool = False
) -> bool:
    """Save `case` over `stored` with the deadline the domain gives it."""
    due = lc.next_due_at(case, rules=RULES)
    return await store.save(
        stored=stored, case=case, next_due_at=due, events=[], now=NOW, event_id=event_id, release_claim=release_claim
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
