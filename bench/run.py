"""`make bench`: uv run python bench/run.py [--quick] [--skip-analysis] — see bench/tousu_bench/main.py."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from tousu_bench.main import main

if __name__ == "__main__":
    main()
