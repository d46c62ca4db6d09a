"""(d) Analysis latency at 10 k vs 1 M stored complaints: runs the analysis engineer's bench/bench_analysis.py."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

SCRIPT = Path(__file__).resolve().parents[1] / "bench_analysis.py"


def run_analysis_bench(*, sizes: tuple[int, int], queries: int, out: Path) -> dict[str, Any]:
    """Seed and measure in its own embedded MongoDB (or MONGODB_URI); return its summary."""
    command = [sys.executable, str(SCRIPT), "--sizes", ",".join(map(str, sizes)), "--queries", str(queries)]
    completed = subprocess.run([*command, "--out", str(out)], check=False)
    if completed.returncode != 0:
        return {"error": f"bench_analysis.py exited with {completed.returncode}"}
    summary: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    return summary
