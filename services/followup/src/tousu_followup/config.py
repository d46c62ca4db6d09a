"""Settings of the follow-up service (env prefix `TOUSU_FOLLOWUP_`), composed with the shared slices."""

from __future__ import annotations

from datetime import timedelta

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from tousu_followup.domain.rules import ComplexityRule, FollowupRules, Window


class FollowupSettings(BaseSettings):
    """The follow-up policy (domain §7), the deadline scanner and the worklist's API keys."""

    model_config = SettingsConfigDict(env_prefix="TOUSU_FOLLOWUP_", extra="ignore", populate_by_name=True)

    simple_first_day: int = Field(default=1, ge=1, description="Simple case: due from this working day after.")
    simple_last_day: int = Field(default=2, ge=1, description="Simple case: due by the end of this working day.")
    complex_first_day: int = Field(default=3, ge=1, description="Complex/high-risk case: due from this working day.")
    complex_last_day: int = Field(default=5, ge=1, description="Complex/high-risk case: due by the end of this day.")
    contact_hour: int = Field(default=9, ge=0, le=23, description="Local (China) hour a due survey is listed from.")
    simple_routes: list[str] = Field(default_factory=lambda: ["standard"], description="Routes that may be simple.")
    complex_severities: list[str] = Field(default_factory=lambda: ["high", "critical"])
    complex_repeat_bands: list[str] = Field(default_factory=lambda: ["high"])
    complex_tiers: list[str] = Field(default_factory=lambda: ["L3"])
    reopened_is_complex: bool = Field(default=True, description="A reopened cycle counts as complex.")
    extension_is_complex: bool = Field(default=True, description="An extended deadline counts as complex.")
    unreachable_attempts: int = Field(default=3, ge=1, description="Failed attempts before closing as unreachable.")
    unreachable_min_days: int = Field(default=2, ge=1, description="Distinct days those attempts must span.")
    no_response_days: float = Field(default=7.0, gt=0, description="Days after due before closing as no_response.")
    review_window_days: int = Field(default=30, ge=1, description="Review (核查) window after the decision.")
    review_tier_hint: str = Field(default="management", description="Tier hint of a review reopening.")
    scan_interval_s: float = Field(default=1.0, gt=0, description="Idle pause of the deadline scanner.")
    scan_batch: int = Field(default=100, ge=1, description="Cases claimed per scan pass at most.")
    claim_lease_s: float = Field(default=30.0, gt=0, description="How long a claimed case is reserved.")
    gauge_interval_s: float = Field(default=5.0, gt=0, description="Refresh of the due/overdue gauges.")
    dev_api_key: str = Field(
        default="",
        validation_alias="TOUSU_DEV_API_KEY",
        description="Development/test only: the stack's dev key (the same variable intake reads), upserted with "
        "every scope into followup_api_keys at start-up; refused in production.",
    )
    rate_limit_per_s: float = Field(default=20.0, gt=0, description="Sustained worklist requests per second per key.")
    rate_limit_burst: int = Field(default=100, ge=1, description="Burst size of the per-key token bucket.")
    api_key_cache_s: float = Field(default=5.0, ge=0, description="How long a verified API key is cached.")
    worklist_limit: int = Field(default=500, ge=1, description="Most surveys one worklist page returns.")

    @model_validator(mode="after")
    def _windows(self) -> FollowupSettings:
        self.rules()  # fails fast on an inverted window
        return self

    def checked(self, *, environment: str) -> FollowupSettings:
        """Fail fast on a development key in production, as intake does."""
        if environment == "production" and self.dev_api_key:
            raise ValueError("TOUSU_DEV_API_KEY must not be set in production")
        return self

    def rules(self) -> FollowupRules:
        """The domain policy built from these settings."""
        return FollowupRules(
            simple=Window(self.simple_first_day, self.simple_last_day),
            complex=Window(self.complex_first_day, self.complex_last_day),
            contact_hour=self.contact_hour,
            complexity=ComplexityRule(
                simple_routes=frozenset(self.simple_routes),
                complex_severities=frozenset(self.complex_severities),
                complex_repeat_bands=frozenset(self.complex_repeat_bands),
                complex_tiers=frozenset(self.complex_tiers),
                reopened_is_complex=self.reopened_is_complex,
                extension_is_complex=self.extension_is_complex,
            ),
            unreachable_attempts=self.unreachable_attempts,
            unreachable_min_days=self.unreachable_min_days,
            no_response_after=timedelta(days=self.no_response_days),
            review_window=timedelta(days=self.review_window_days),
            review_tier_hint=self.review_tier_hint,
        )
