"""The analysis batch path on the real database: a batch equals its records one by one, bounds hit or not."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from pymongo.asynchronous.database import AsyncDatabase

from tests.integration.analysis.helpers import received
from tousu_analysis.adapters.complaints import MongoComplaints
from tousu_analysis.adapters.templates import MongoTemplateIndex
from tousu_analysis.domain import Rules, load_rules
from tousu_analysis.domain.updates import HistoryFact
from tousu_analysis.metrics import AnalysisMetrics
from tousu_analysis.service import AnalysisService, Fact, Incoming, Limits, Received
from tousu_shared.events import MaskedRepresentative
from tousu_shared.mongo import Document, mongo_database
from tousu_shared.settings import MongoSettings, Topics

pytestmark = pytest.mark.integration
T0 = datetime(2026, 11, 2, 9, tzinfo=UTC)
NOW = T0 + timedelta(days=30)
LETTER = (
    "本人于2019年通过贵公司业务员购买了一份分红型寿险，业务员当时承诺保本保息、随时可以领取，"
    "并未告知犹豫期和提前解约的损失。现经核实，合同条款与当时的宣传严重不符，存在销售误导。"
    "本人要求贵公司退还已交保费{amount}元，并于十个工作日内书面答复。"
)
SMALL = Limits(history=2, candidates=2, customers=2)  # every bound is hit: the exact reads must take over


@pytest.fixture(scope="module")
def rules() -> Rules:
    return load_rules()


@pytest.fixture
async def dbs(mongo_uri: str) -> AsyncIterator[list[AsyncDatabase[Document]]]:
    names = [f"t_{uuid.uuid4().hex[:12]}" for _ in range(2)]
    async with (
        mongo_database(MongoSettings(uri=mongo_uri, database=names[0])) as a,
        mongo_database(MongoSettings(uri=mongo_uri, database=names[1])) as b,
    ):
        yield [a, b]


async def service_on(db: AsyncDatabase[Document], rules: Rules, limits: Limits) -> AnalysisService:
    complaints = MongoComplaints(db["analysis_complaints"], topics=Topics())
    await complaints.ensure_indexes()
    return AnalysisService(
        complaints=complaints,
        templates=MongoTemplateIndex(db["analysis_complaints"]),
        rules=rules,
        metrics=AnalysisMetrics(service="analysis"),
        analyzer_version="test",
        limits=limits,
        clock=lambda: NOW,
    )


def items() -> list[Incoming]:
    """A customer's repeats with a fact between, a template wave with one agent's phone, a same-matter wave,
    a fact before its complaint, and redeliveries."""
    rep = MaskedRepresentative(kind="agent", phone_masked="138****0000", phone_key="phone-agent")
    repeats = [
        received(
            f"车险理赔拖了{n + 2}周，第{n + 1}次反映，请尽快理赔。",
            complaint_id=f"R-{n}",
            customer_key="ck-repeat",
            received_at=T0 + timedelta(days=n),
        )
        for n in range(4)
    ]
    letters = [
        received(
            LETTER.format(amount=30000 + n),
            complaint_id=f"L-{n}",
            customer_key=f"ck-l{n}",
            received_at=T0 + timedelta(hours=n),
            representative=rep,
        )
        for n in range(5)
    ]
    unsatisfied = HistoryFact(kind="feedback", occurred_at=T0 + timedelta(hours=5), satisfaction="unsatisfied")
    reopen = HistoryFact(kind="reopen", occurred_at=T0 + timedelta(days=2))
    early = received("信用卡年费收了两次，请退还。", complaint_id="X-0", customer_key="ck-x", received_at=T0)
    stream: list[Incoming] = [Received(f"ce-{c.complaint_id}", c) for c in [*repeats[:2], *letters[:3]]]
    stream += [
        Fact("ce-fb", "R-0", "ck-repeat", unsatisfied),
        Fact("ce-early", "X-0", "ck-x", reopen),
        *(Received(f"ce-{c.complaint_id}", c) for c in [repeats[2], *letters[3:], early, repeats[3]]),
        Received("ce-L-0", letters[0]),
        Fact("ce-fb", "R-0", "ck-repeat", unsatisfied),
    ]
    return stream


async def stored(db: AsyncDatabase[Document]) -> dict[str, Document]:
    docs = await db["analysis_complaints"].find({}, {"analysis": 1, "facts": 1, "applied": 1, "outbox": 1}).to_list()
    return {str(d.pop("_id")): d for d in docs}


@pytest.mark.parametrize("limits", [Limits(), SMALL], ids=["default-bounds", "every-bound-hit"])
async def test_a_batch_stores_what_its_records_one_by_one_store(
    dbs: list[AsyncDatabase[Document]], rules: Rules, limits: Limits
) -> None:
    one, many = [await service_on(db, rules, limits) for db in dbs]
    stream = items()
    singles = [(await one.handle([item]))[0] for item in stream]
    together = await many.handle(stream)
    assert together == singles
    assert singles[-2:] == ["duplicate", "duplicate"]
    a, b = await stored(dbs[0]), await stored(dbs[1])
    assert a == b
    assert len([d for d in b.values() if "analysis" in d]) == 10
    waves = [b[f"L-{n}"]["analysis"]["dimensions"] for n in range(5)]
    assert all("agent_involved" in {s["name"] for s in b[f"L-{n}"]["analysis"]["signals"]} for n in range(1, 5))
    assert waves[0] != waves[4], "the last letter saw the wave before it"


async def test_changes_another_writer_made_after_the_batch_read_are_duplicates(
    dbs: list[AsyncDatabase[Document]], rules: Rules
) -> None:
    complaint = received("车险定损太慢，请尽快定损。", complaint_id="C-1", received_at=T0)
    fact = HistoryFact(kind="reopen", occurred_at=T0 + timedelta(days=2))
    first = await service_on(dbs[0], rules, Limits())
    assert await first.handle([Received("ce-C-1", complaint), Fact("ce-r", "C-1", "ck-x", fact)]) == [
        "analyzed",
        "applied",
    ]
    late = MongoComplaints(dbs[0]["analysis_complaints"], topics=Topics())

    async def stale_read(**_: object) -> list[object]:
        return []  # read before the first writer stored anything (a redelivery racing a rebalance)

    late.own = stale_read  # type: ignore[method-assign,assignment]
    second = await service_on(dbs[0], rules, Limits())
    second._complaints = late
    again = await second.handle([Received("ce-C-1", complaint), Fact("ce-r", "C-1", "ck-x", fact)])
    assert again == ["duplicate", "duplicate"]
    docs = await stored(dbs[0])
    assert len(docs["C-1"]["outbox"]) == 1 and len(docs["C-1"]["facts"]) == 1
