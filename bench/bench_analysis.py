"""Analysis latency at growing stored volumes: is the per-complaint cost flat in the number of stored complaints?

Seeds N analysed-complaint documents straight into MongoDB (bulk `insert_many`, the service's own
document shape and indexes), then runs the service's real analysis path against them: customer
history read, cross-customer template / phone / matter look-ups, the pure `analyze`, and the one
journaled write. Sizes grow in place (10 k, then topped up to 1 M), and p50/p99 are compared.
`--batch N` hands the service N complaints per call, as a consumer batch does (`events_per_s`);
the latencies are then per call.

    uv run python bench/bench_analysis.py --sizes 10000,1000000
    uv run python bench/bench_analysis.py --sizes 10000 --batch 100           # events/s in batches
    uv run python bench/bench_analysis.py --sizes 10000,100000 --queries 200   # ~1 min of seeding

Uses MONGODB_URI when set, otherwise starts the embedded MongoDB-protocol server in a temp dir.
Writes bench/results/analysis.json. Not part of `make test`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bson import Binary
from pymongo import AsyncMongoClient
from pymongo.asynchronous.collection import AsyncCollection

from tousu_analysis.adapters.complaints import MongoComplaints
from tousu_analysis.adapters.documents import pack_minhash
from tousu_analysis.adapters.templates import MongoTemplateIndex
from tousu_analysis.domain import Rules, load_rules, prepare
from tousu_analysis.domain.working_set import Pending, StoredComplaint
from tousu_analysis.metrics import AnalysisMetrics
from tousu_analysis.service import AnalysisService, Received
from tousu_shared.events import ComplaintReceived, MaskedCustomer, MaskedRepresentative, Product
from tousu_shared.settings import Topics
from tousu_tools import embedded

END = datetime(2026, 11, 1, tzinfo=UTC)
SPAN_DAYS = 730
MATTERS = [
    f"{line}|{ptype}|{cause}"
    for line, ptype in [("banking", "信用卡"), ("banking", "借记卡"), ("banking", "消费贷"), ("insurance", "车险"),
                        ("insurance", "重疾险"), ("insurance", "医疗险"), ("insurance", "寿险"), ("wealth", "理财"),
                        ("payment", "快捷支付"), ("banking", "手机银行")]
    for cause in ["fees", "claims", "sales_misconduct", "collection", "service", "system", "contract", "other"]
]  # fmt: skip
PRODUCTS = [
    ("banking", "信用卡"),
    ("insurance", "车险"),
    ("insurance", "重疾险"),
    ("wealth", "理财"),
    ("banking", "消费贷"),
]
OPENINGS = ["客户来电称，", "本人", "我于去年", "客户反映，", "本人在贵行", "我通过手机银行"]
ISSUES = [
    "信用卡年费被重复收取两次，客服说无法退还",
    "车险理赔拖了一个多月还没有定损，查勘员一直不回电话",
    "购买重疾险时业务员承诺保本保息，现在退保却损失一半保费",
    "理财产品到期后收益和宣传的预期收益相差很大",
    "消费贷被收取了高额服务费，合同里根本没有写明",
    "手机银行人脸识别一直失败，无法转账也无法修改预留手机号",
    "催收人员每天打电话给我的家人和同事，严重影响生活",
    "医疗险日间手术被拒赔，理由是不在保障范围内",
]
TONES = ["", "你们就是一群骗子！！", "我已经打12378投诉了。", "再不处理我就发到微博曝光。", "希望尽快处理。",
         "这是第三次反映了，", "我母亲已经七十多岁了，行动不便。"]  # fmt: skip
DETAILS = [
    "之前已经多次联系客服，每次都说会有专人回电，但一直没有任何结果，",
    "我手上有当时的宣传材料和聊天记录截图，可以证明你们的说法前后不一致，",
    "这件事已经拖了很久，严重影响了我的正常生活和工作安排，",
]
DEMANDS = ["请退还多收的费用。", "请尽快理赔。", "要求全额退还保费。", "请给出书面答复。", "要求赔偿损失并道歉。"]


@dataclass
class Corpus:
    """Deterministic synthetic data: customers, phones, query texts and their real signatures."""

    rng: random.Random
    rules: Rules
    texts: list[str] = field(default_factory=list)

    def text(self, n: int) -> str:
        r = random.Random(n)
        parts = [r.choice(OPENINGS), r.choice(ISSUES), "，", r.choice(TONES), r.choice(DETAILS), r.choice(DEMANDS)]
        return "".join(parts) + f"（编号{n % 997}）"

    def customer(self, index: int) -> str:
        """The customer pool grows with the data (about 3 complaints each; early customers a few more)."""
        return f"ck-{self.rng.randrange(index // 3 + 1):07d}"

    def random_bands(self, bands: int) -> list[str]:
        return [f"b{b:02d}:{self.rng.getrandbits(64):016x}" for b in range(bands)]


def seed_document(corpus: Corpus, index: int) -> dict[str, Any]:
    """One stored analysis with unrelated text: random band keys, skewed customer, matter and time."""
    rng, t = corpus.rng, corpus.rules.templates
    received = END - timedelta(seconds=rng.uniform(0, SPAN_DAYS * 86400))
    matter = MATTERS[min(len(MATTERS) - 1, int(len(MATTERS) * rng.random() ** 1.5))]
    line, ptype, cause = matter.split("|")
    doc: dict[str, Any] = {
        "_id": f"SEED-{index:08d}",
        "customer_key": corpus.customer(index),
        "received_at": received,
        "matter_key": matter,
        "band_keys": corpus.random_bands(t.bands),
        "minhash": Binary(rng.randbytes(4 * t.num_perm)),
        "item": {"channel": rng.choice(["app", "hotline", "web", "branch"]), "product_line": line,
                 "product_type": ptype, "cause": cause, "contract_key": None, "emotion_intensity": rng.random() / 2,
                 "ladder_rank": rng.choice([1, 1, 1, 2, 3]), "third_party": False},
        "rules_version": corpus.rules.version,
        "analyzed_at": received,
    }  # fmt: skip
    if rng.random() < 0.05:
        doc["phone_key"] = f"pk-{rng.randrange(index // 20 + 1):06d}"  # agents grow with the data too
    return doc


def template_copies(corpus: Corpus, *, queries: int, copies: int) -> list[dict[str, Any]]:
    """Near-identical copies (other customers) of some query texts: the look-ups must find them."""
    docs = []
    for q in range(0, queries, 4):
        sig = prepare(complaint=query_complaint(corpus, q, customer="x"), rules=corpus.rules).signature
        for c in range(copies):
            docs.append({"_id": f"TPL-{q:05d}-{c:03d}", "customer_key": f"ck-tpl-{q}-{c}",
                         "received_at": END - timedelta(days=corpus.rng.uniform(1, 300)), "matter_key": MATTERS[0],
                         "band_keys": list(sig.band_keys), "minhash": pack_minhash(sig.hashvalues),
                         "item": {"channel": "letter", "product_line": "banking", "cause": "other"}})  # fmt: skip
    return docs


def query_complaint(corpus: Corpus, q: int, *, customer: str) -> ComplaintReceived:
    """A realistic complaint of an existing customer, received at the end of the seeded span."""
    line, ptype = PRODUCTS[q % len(PRODUCTS)]
    rep = MaskedRepresentative(kind="family", phone_key=f"pk-{q:06d}") if q % 10 == 0 else None
    return ComplaintReceived(
        complaint_id=f"Q-{q:06d}", customer_key=customer, channel="hotline", channel_ref=f"q-{q}",
        received_at=END, due_at=END + timedelta(days=15), customer=MaskedCustomer(age_band="45-64"),
        product=Product(line=line, type=ptype), content=corpus.text(q), representative=rep,
    )  # fmt: skip


async def seed(collection: AsyncCollection[Any], corpus: Corpus, *, start: int, stop: int) -> float:
    """Insert documents [start, stop) in bulk; return docs/s."""
    began, batch = time.perf_counter(), 2000
    for low in range(start, stop, batch):
        docs = [seed_document(corpus, i) for i in range(low, min(stop, low + batch))]
        await collection.insert_many(docs, ordered=False)
        done = min(stop, low + batch) - start
        rate = done / (time.perf_counter() - began)
        print(f"\r  seeded {start + done:>9,} / {stop:,}  ({rate:,.0f} docs/s)", end="", flush=True)
    print()
    return (stop - start) / max(1e-9, time.perf_counter() - began)


@dataclass
class TimedComplaints:
    """The real repository, with the one write per batch timed apart from the read path."""

    inner: MongoComplaints
    saves: list[float] = field(default_factory=list)
    rows: list[int] = field(default_factory=list)
    agents: int = 0

    async def own(self, **kwargs: Any) -> list[StoredComplaint]:
        found = await self.inner.own(**kwargs)
        self.rows.append(len(found))
        return found

    async def write(self, *, pending: list[Pending], envelopes: Any, now: datetime) -> set[Any]:
        self.agents += sum(
            any(s.name == "agent_involved" for s in p.analysis.analysis.signals) for p in pending if p.analysis
        )
        started = time.perf_counter()
        try:
            return await self.inner.write(pending=pending, envelopes=envelopes, now=now)
        finally:
            self.saves.append(time.perf_counter() - started)


@dataclass
class TimedTemplates:
    """The real template index, its batch look-up timed."""

    inner: MongoTemplateIndex
    seconds: dict[str, list[float]] = field(default_factory=lambda: {"neighbours": []})

    async def neighbours(self, **kwargs: Any) -> list[Any]:
        started = time.perf_counter()
        found = await self.inner.neighbours(**kwargs)
        self.seconds["neighbours"].append(time.perf_counter() - started)
        return found


async def reference_read_ms(collection: AsyncCollection[Any], corpus: Corpus, *, size: int, reads: int = 100) -> float:
    """p50 of a point read by `_id` at this size: the server's own constant-cost yardstick."""
    took = []
    for _ in range(reads):
        started = time.perf_counter()
        await collection.find_one({"_id": f"SEED-{corpus.rng.randrange(size):08d}"}, {"customer_key": 1})
        took.append(time.perf_counter() - started)
    return pct(took, 0.5)


def pct(values: list[float], q: float) -> float:
    """The q-quantile in milliseconds."""
    ordered = sorted(values)
    return 1000 * ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def measure(
    collection: AsyncCollection[Any], corpus: Corpus, *, size: int, queries: int, batch: int = 1
) -> dict[str, Any]:
    """Run the service's analysis path for `queries` complaints of existing customers, `batch` per call."""
    store = TimedComplaints(MongoComplaints(collection, topics=Topics()))
    metrics = AnalysisMetrics(service="analysis")
    templates = TimedTemplates(MongoTemplateIndex(collection))
    service = AnalysisService(complaints=store, templates=templates, rules=corpus.rules,
                              metrics=metrics, analyzer_version="bench")  # fmt: skip
    picks = [f"SEED-{corpus.rng.randrange(size):08d}" for _ in range(queries)]
    customers = [d["customer_key"] async for d in collection.find({"_id": {"$in": picks}}, {"customer_key": 1})]
    items = []
    for q in range(queries):
        complaint = query_complaint(corpus, q, customer=customers[q % len(customers)])
        complaint = complaint.model_copy(update={"complaint_id": f"Q-{size}-{q:06d}"})
        items.append(Received(f"bench-{size}-{q}", complaint))
    totals = []
    began = time.perf_counter()
    for low in range(0, queries, batch):
        started = time.perf_counter()
        await service.handle(items[low : low + batch])
        totals.append(time.perf_counter() - started)
    elapsed = time.perf_counter() - began
    warm = slice(min(20, len(totals) // 5), None)  # the first few warm jieba and the caches
    path = [t - s for t, s in zip(totals, store.saves, strict=True)][warm]
    return {
        "stored": await collection.estimated_document_count(),
        "batch": batch,
        "calls": len(path),
        "events_per_s": round(queries / elapsed, 1),
        "path_ms": {"p50": pct(path, 0.5), "p99": pct(path, 0.99), "mean": 1000 * statistics.fmean(path)},
        "write_ms": {"p50": pct(store.saves[warm], 0.5), "p99": pct(store.saves[warm], 0.99)},
        "total_ms": {"p50": pct(totals[warm], 0.5), "p99": pct(totals[warm], 0.99)},
        "rows_read_mean": statistics.fmean(store.rows),
        "agent_involved_share": store.agents / queries,
        "stage_mean_ms": stage_means(metrics),
        "lookup_p50_ms": {name: pct(values, 0.5) for name, values in templates.seconds.items() if values},
        "reference_read_p50_ms": await reference_read_ms(collection, corpus, size=size),
    }


def stage_means(metrics: AnalysisMetrics) -> dict[str, float]:
    """Mean milliseconds per stage of the service (lookups, analyze, store) from its own histogram."""
    sums: dict[str, float] = {}
    counts: dict[str, float] = {}
    for metric in metrics.stage_seconds.collect():
        for sample in metric.samples:
            stage = sample.labels.get("stage", "")
            if sample.name.endswith("_sum"):
                sums[stage] = sample.value
            elif sample.name.endswith("_count"):
                counts[stage] = sample.value
    return {stage: round(1000 * sums[stage] / counts[stage], 2) for stage in sums if counts.get(stage)}


@contextmanager
def mongo(args: argparse.Namespace) -> Iterator[str]:
    """MONGODB_URI when set; otherwise an embedded server in a temporary directory."""
    uri = args.mongo_uri or os.environ.get("MONGODB_URI")
    if uri:
        yield uri
        return
    with tempfile.TemporaryDirectory(prefix="tousu-bench-") as tmp:
        server = embedded.start_mongo(port=embedded.free_port(), storage=Path(tmp) / "db", log_dir=Path(tmp) / "logs")
        try:
            yield embedded.mongo_uri(server.port)
        finally:
            server.stop()


async def run(uri: str, args: argparse.Namespace) -> dict[str, Any]:
    """Seed each size in turn (topping up), measure, and compare the largest to the smallest."""
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(uri, tz_aware=True)
    try:
        db = client[args.database]
        await db.drop_collection("analysis_complaints")
        collection = db["analysis_complaints"]
        await MongoComplaints(collection, topics=Topics()).ensure_indexes()
        corpus = Corpus(rng=random.Random(args.seed), rules=load_rules())
        await collection.insert_many(template_copies(corpus, queries=args.queries, copies=args.template_copies))
        results, seeded = {}, 0
        for size in sorted(args.sizes):
            print(f"size {size:,}:")
            rate = await seed(collection, corpus, start=seeded, stop=size)
            seeded = size
            measured = await measure(collection, corpus, size=size, queries=args.queries, batch=args.batch)
            await collection.delete_many({"_id": {"$regex": "^Q-"}})  # the next size sees the same stored set
            results[str(size)] = {**measured, "seed_docs_per_s": round(rate)}
            print(json.dumps(results[str(size)], ensure_ascii=False))
        return results
    finally:
        await client.close()


def summary(results: dict[str, Any], args: argparse.Namespace) -> dict[str, Any]:
    """Results plus the ratio of the largest size's latency to the smallest's."""
    small, large = results[str(min(args.sizes))], results[str(max(args.sizes))]
    return {
        "benchmark": "analysis path (history + template/phone/matter look-ups + analyze; write timed apart)",
        "backend": "external" if (args.mongo_uri or os.environ.get("MONGODB_URI")) else "embedded SecantusDB",
        "sizes": results,
        "ratio_p50": round(large["path_ms"]["p50"] / small["path_ms"]["p50"], 3),
        "ratio_p99": round(large["path_ms"]["p99"] / small["path_ms"]["p99"], 3),
        "reference_read_ratio": round(large["reference_read_p50_ms"] / small["reference_read_p50_ms"], 3),
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--sizes", default="10000,1000000", help="Comma-separated stored-document counts.")
    parser.add_argument("--queries", type=int, default=300, help="Complaints analysed per size.")
    parser.add_argument("--batch", type=int, default=1, help="Complaints per service call (a consumer batch).")
    parser.add_argument("--template-copies", type=int, default=20, help="Near-identical copies per template text.")
    parser.add_argument("--mongo-uri", default="", help="Use this MongoDB (default: MONGODB_URI or embedded).")
    parser.add_argument("--database", default="tousu_bench")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "analysis.json")
    args = parser.parse_args()
    args.sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    return args


def main() -> None:
    args = parse_args()
    with mongo(args) as uri:
        results = asyncio.run(run(uri, args))
    report = summary(results, args)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    for size, r in results.items():
        p, write = r["path_ms"], r["write_ms"]["p50"]
        print(f"{int(size):>10,} stored: p50 {p['p50']:.1f} ms  p99 {p['p99']:.1f} ms  (write p50 {write:.1f} ms)")
    print(f"ratio largest/smallest: p50 {report['ratio_p50']}  p99 {report['ratio_p99']}  → {args.out}")
    print(f"same ratio of a point read by _id (the server's own slowdown): {report['reference_read_ratio']}")


if __name__ == "__main__":
    main()
