"""`make soak`: uv run python bench/soak.py [--minutes N] [--rate R] — see bench/tousu_bench/soak.py."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from tousu_bench.soak import main

if __name__ == "__main__":
    main()
