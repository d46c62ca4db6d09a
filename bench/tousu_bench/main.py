"""Run every measurement on the embedded servers (or the configured ones), print the table, write the JSON."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tousu_bench.analysis import run_analysis_bench
from tousu_bench.ceilings import broker_ceiling, db_insert_ceiling
from tousu_bench.pipeline import measure_pipeline
from tousu_bench.report import print_table
from tousu_bench.stack import running_stack
from tousu_tools.endpoints import backends

RESULTS = Path(__file__).resolve().parents[1] / "results"
PLANS = {
    "full": {"warmup": 30, "idle_s": 5.0, "saturation_count": 800, "concurrency": 32, "routed_s": 40.0,
             "intake_s": 20.0, "drain_timeout_s": 180.0, "db_ceiling_s": 8.0, "broker_messages": 30_000,
             "wave_count": 300, "wave_s": 15.0,
             "analysis_sizes": (10_000, 50_000), "analysis_queries": 300},
    "quick": {"warmup": 20, "idle_s": 3.0, "saturation_count": 300, "concurrency": 16, "routed_s": 15.0,
              "intake_s": 10.0, "drain_timeout_s": 120.0, "db_ceiling_s": 4.0, "broker_messages": 10_000,
              "wave_count": 300, "wave_s": 15.0,
              "analysis_sizes": (10_000, 30_000), "analysis_queries": 150},
}  # fmt: skip
# The embedded MongoDB-protocol server stalls near 90 k documents with 16 band-key index entries each,
# so the default plans stop below that; measure 10 k vs 1 M against a real MongoDB:
#   MONGODB_URI=... KAFKA_BOOTSTRAP_SERVERS=... make bench BENCH_ARGS="--analysis-sizes 10000,1000000"


def parse_args() -> argparse.Namespace:
    """Command line."""
    parser = argparse.ArgumentParser(description="tousu benchmarks (never part of make test)")
    parser.add_argument("--quick", action="store_true", help="smaller runs; analysis 10 k vs 30 k (a few minutes)")
    parser.add_argument("--skip-analysis", action="store_true", help="leave out (d), the analysis scaling bench")
    parser.add_argument("--analysis-sizes", help="override (d)'s stored sizes, e.g. 10000,300000")
    parser.add_argument("--log-level", default="WARNING", choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    parser.add_argument("--out", type=Path, default=RESULTS / "latest.json")
    return parser.parse_args()


def measure_servers_and_pipeline(plan: dict[str, Any], *, log_level: str, data_dir: Path) -> dict[str, Any]:
    """(a) ceilings and saturation, (b) intake latency, (c) routed latency, (e) memory, (f) writes."""
    load_start = os.getloadavg()[0]  # other processes on the machine skew every absolute figure
    with backends(data_dir=data_dir / "servers") as found:
        db = asyncio.run(db_insert_ceiling(found.mongo_uri, seconds=plan["db_ceiling_s"]))
        broker = asyncio.run(broker_ceiling(found.kafka_bootstrap, messages=plan["broker_messages"]))
        rates = (db["inserts_per_s"], broker["produce_consume_msgs_per_s"])
        print("ceilings: database {:,} inserts/s; broker {:,} msg/s".format(*rates))
        tag = uuid.uuid4().hex[:8]
        with running_stack(found, data_dir / "stack", tag=tag, log_level=log_level) as stack:
            pipeline = asyncio.run(measure_pipeline(found, stack, insert_ceiling=db["inserts_per_s"], plan=plan))
            rss = stack.peak_rss_mb()
        db_after = asyncio.run(db_insert_ceiling(found.mongo_uri, seconds=plan["db_ceiling_s"] / 2))
        return {"backend": found.kind, "db_ceiling": db, "db_ceiling_after_run": db_after, "broker_ceiling": broker,
                "pipeline": pipeline, "peak_rss_mb": rss, "loadavg_start": load_start}  # fmt: skip


# The embedded MongoDB-protocol server stalls near 90 k documents with 16 band-key index entries each,
# so the default plans stop below that; measure 10 k vs 1 M against a real MongoDB:
#   MONGODB_URI=... KAFKA_BOOTSTRAP_SERVERS=... make bench BENCH_ARGS="--analysis-sizes 10000,1000000"


def headline(measured: dict[str, Any], analysis: dict[str, Any] | None) -> dict[str, Any]:
    """The keys the README and the goals speak of, from the detailed measurements."""
    p, ceiling = measured["pipeline"], measured["db_ceiling"]["inserts_per_s"]
    e2e = p["saturation"]["routed_per_s"]
    ratio = analysis.get("ratio_p50") if analysis and "error" not in analysis else None
    largest = max((int(size) for size in (analysis or {}).get("sizes", {})), default=0)
    return {
        "db_insert_ceiling_per_s": ceiling,
        "broker_produce_consume_msgs_per_s": measured["broker_ceiling"]["produce_consume_msgs_per_s"],
        "e2e_routed_per_s": e2e,
        "e2e_ratio_to_ceiling": round(e2e / ceiling, 3),
        "writes_per_complaint": p["routed_at_50pct"]["writes_per_complaint"]["net"],
        "idle_writes_per_s": p["idle_writes_per_s"],
        "intake_accept_per_s": p["saturation"]["intake_accept_per_s"],
        "wave_300_routed_s": p["wave"]["wave_routed_s"],
        "wave_300_incidents": p["wave"]["incidents"],
        **{f"intake_{q}_ms_at_25pct": p["intake_at_25pct"]["intake_ms"][q] for q in ("p50", "p95", "p99")},
        **{f"routed_{q}_ms_at_50pct": p["routed_at_50pct"]["routed_ms"][q] for q in ("p50", "p99")},
        "analysis_latency_ratio_1m_vs_10k": ratio if largest >= 1_000_000 else None,
        "analysis_largest_size": largest or None,
        "analysis_latency_ratio_largest_vs_10k": ratio,
        "peak_rss_mb": measured["peak_rss_mb"],
    }


def write(
    args: argparse.Namespace, measured: dict[str, Any], analysis: dict[str, Any] | None, started: float
) -> dict[str, Any]:
    """Assemble and write the results file; return it."""
    plan = PLANS["quick" if args.quick else "full"]
    results = {
        "mode": "quick" if args.quick else "full",
        "backend": measured["backend"],
        **headline(measured, analysis),
        "details": {**measured, "analysis": analysis, "plan": plan, "log_level": args.log_level},
        "machine": {
            "cpus": len(os.sched_getaffinity(0)),
            "loadavg_1m_start_end": [round(measured["loadavg_start"], 2), round(os.getloadavg()[0], 2)],
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "duration_s": round(time.monotonic() - started),
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, ensure_ascii=False, indent=2, default=str) + "\n", encoding="utf-8")
    return results


def main() -> None:
    """`make bench` / `uv run python bench/run.py [--quick]`."""
    args = parse_args()
    plan = PLANS["quick" if args.quick else "full"]
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="tousu-bench-") as tmp:
        measured = measure_servers_and_pipeline(plan, log_level=args.log_level, data_dir=Path(tmp))
    write(args, measured, None, started)  # the pipeline figures survive an interrupted analysis bench
    if not args.skip_analysis:
        sizes = tuple(int(n) for n in args.analysis_sizes.split(",")) if args.analysis_sizes else plan["analysis_sizes"]
        analysis = run_analysis_bench(sizes=sizes, queries=plan["analysis_queries"], out=RESULTS / "analysis.json")
        results = write(args, measured, analysis, started)
    else:
        results = write(args, measured, None, started)
    print_table(results)
    print(f"→ {args.out}")
