"""Settings of the escalation service (env prefix `TOUSU_ESCALATION_`), composed with the shared slices."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

URGENT_QUEUES = ["crisis_team", "opinion_desk", "group_taskforce"]


class EscalationSettings(BaseSettings):
    """Policies, the clock scanner, incident thresholds and the on-call webhook."""

    model_config = SettingsConfigDict(env_prefix="TOUSU_ESCALATION_", extra="ignore")

    policy_path: Path | None = Field(default=None, description="Routing policy YAML; the packaged default if unset.")
    clock_policy_path: Path | None = Field(default=None, description="Clock policy YAML; packaged default if unset.")
    plan_path: Path | None = Field(default=None, description="Handling-plan rules YAML; packaged default if unset.")
    scan_interval_s: float = Field(default=1.0, gt=0, description="Idle pause of the clock scanner.")
    scan_batch: int = Field(default=100, ge=1, description="Clocks claimed per scan pass at most.")
    claim_lease_s: float = Field(default=30.0, gt=0, description="How long a claimed clock is reserved.")
    gauge_interval_s: float = Field(default=5.0, gt=0, description="Refresh of the overdue/incident gauges.")
    group_threshold: int = Field(default=5, ge=2, description="Distinct customers that open a group incident.")
    major_threshold: int = Field(default=20, ge=2, description="Distinct customers of a major incident.")
    cluster_window_days: float = Field(default=7.0, gt=0, description="Sliding window of the cluster rule.")
    urgent_queues: list[str] = Field(default_factory=lambda: list(URGENT_QUEUES))
    webhook_urls: dict[str, str] = Field(
        default_factory=dict, description='Queue → URL (JSON); "*" is the fallback. Empty disables paging.'
    )
    webhook_secret: str = Field(default="", description="HMAC-SHA256 key of the X-Tousu-Signature header.")
    webhook_timeout_s: float = Field(default=5.0, gt=0, description="One POST of a page at most.")
    webhook_attempts: int = Field(default=5, ge=1, description="Attempts of a page before it is dead-lettered.")
    webhook_backoff_base_s: float = Field(default=0.5, gt=0, description="Pause after a page's first failure.")
    webhook_backoff_max_s: float = Field(default=30.0, gt=0, description="Longest pause between attempts.")
    page_interval_s: float = Field(default=1.0, gt=0, description="Idle pause of the page sender.")
    page_lease_s: float = Field(default=30.0, gt=0, description="How long a page being sent is reserved.")
    page_retention_days: float = Field(default=30.0, gt=0, description="How long sent pages are kept.")

    @model_validator(mode="after")
    def _secret(self) -> EscalationSettings:
        if self.webhook_urls and len(self.webhook_secret) < 16:
            raise ValueError("TOUSU_ESCALATION_WEBHOOK_SECRET (≥ 16 chars) is required when webhook URLs are set")
        if self.page_lease_s <= self.webhook_timeout_s:  # a POST still running must not be claimed twice
            raise ValueError("TOUSU_ESCALATION_PAGE_LEASE_S must exceed TOUSU_ESCALATION_WEBHOOK_TIMEOUT_S")
        return self
