"""Analysis's own settings slice (env prefix `TOUSU_ANALYSIS_`), composed with the shared slices."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


def _package_version() -> str:
    try:
        return version("tousu-analysis")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree without metadata
        return "0.0.0"


class AnalysisSettings(BaseSettings):
    """Rules file and the bounds that keep every look-up's cost independent of the data size."""

    model_config = SettingsConfigDict(env_prefix="TOUSU_ANALYSIS_", extra="ignore")

    rules: Path | None = Field(
        default=None, description="Rules file (YAML); the packaged default rules when unset (TOUSU_ANALYSIS_RULES)."
    )
    history_limit: int = Field(default=100, ge=1, le=1000, description="Most recent complaints read per customer.")
    candidate_limit: int = Field(
        default=100, ge=1, le=5000, description="Most template candidates read per complaint (band-key matches)."
    )
    customer_scan_limit: int = Field(
        default=20,
        ge=1,
        le=5000,
        description="Most documents read to count other customers (phone, matter); scores saturate far below.",
    )
    matter_window_days: int = Field(default=7, ge=1, description="Window of the same-matter wave across customers.")
    analyzer_version: str = Field(default_factory=_package_version, description="Stamped on every analysis.")
