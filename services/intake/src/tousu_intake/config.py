"""Intake's own settings slice (env prefix `TOUSU_`), composed with the shared slices."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from tousu_shared.settings import INSECURE_SECRETS

DEV_PII_KEY = "tousu-development-only-pii-key"


class IntakeSettings(BaseSettings):
    """Personal-data key, API-key bootstrap, rate limits and request limits."""

    model_config = SettingsConfigDict(env_prefix="TOUSU_", extra="ignore")

    pii_key: str = Field(
        default="",
        description="Encrypts personal data at rest; comma-separated for rotation (newest first). "
        "Required (≥ 16 chars) in production.",
    )
    dev_api_key: str = Field(default="", description="Development/test only: upserted with every scope at start-up.")
    rate_limit_per_s: float = Field(default=20.0, gt=0, description="Sustained requests per second per API key.")
    rate_limit_burst: int = Field(default=100, ge=1, description="Burst size of the per-key token bucket.")
    max_body_bytes: int = Field(default=256 * 1024, ge=1024, description="Largest accepted request body.")
    clock_skew_s: float = Field(default=300.0, ge=0, description="Tolerated client clock skew for reported times.")
    max_received_age_days: int = Field(
        default=366,
        ge=1,
        description="Oldest accepted received_at / regulator.forwarded_at, in days before now: older is a mistake "
        "(a wrong year, an epoch default) that would start the regulatory clocks centuries overdue.",
    )
    api_key_cache_s: float = Field(default=5.0, ge=0, description="How long a verified API key is cached.")

    def checked(self, *, environment: str) -> IntakeSettings:
        """Fail fast on a missing or weak PII key in production; a fixed dev key elsewhere."""
        keys = [k.strip() for k in self.pii_key.split(",") if k.strip()]
        if environment == "production":
            if not keys or any(k in INSECURE_SECRETS or len(k) < 16 for k in keys):
                raise ValueError("TOUSU_PII_KEY must be set to a secret of at least 16 characters in production")
            if self.dev_api_key:
                raise ValueError("TOUSU_DEV_API_KEY must not be set in production")
            return self
        return self if keys else self.model_copy(update={"pii_key": DEV_PII_KEY})
