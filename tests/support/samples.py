"""Where the labelled sample complaints are: ../shared/samples beside the clone, else the packaged copy."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

SHARED = Path(__file__).resolve().parents[3] / "shared" / "samples" / "complaints.jsonl"


def samples_path() -> Path:
    """The sample file CI puts beside the clone, or the copy shipped with the CLI for `tousu demo`."""
    if SHARED.exists():
        return SHARED
    return Path(str(resources.files("tousu_tools.data") / "samples.jsonl"))
