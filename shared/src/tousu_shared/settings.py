"""Composed settings slices (Kafka, Mongo, metrics, service); each fails fast on bad values."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ServiceName = Literal["intake", "analysis", "escalation", "followup"]
SERVICES: tuple[ServiceName, ...] = ("intake", "analysis", "escalation", "followup")
DEFAULT_PORTS: dict[ServiceName, int] = {
    "intake": 8000,
    "analysis": 8001,
    "escalation": 8002,
    "followup": 8003,
}
INSECURE_SECRETS = frozenset({"", "changeme", "change-me", "secret", "dev"})


class Topics(BaseModel):
    """Topic names (contract §3); configurable, never literals in handlers."""

    intake: str = "tousu.intake.v1"
    analysis: str = "tousu.analysis.v1"
    escalation: str = "tousu.escalation.v1"
    followup: str = "tousu.followup.v1"
    deadletter: str = "tousu.deadletter.v1"

    def all(self) -> list[str]:
        """Every topic, the dead-letter topic included."""
        return [self.intake, self.analysis, self.escalation, self.followup, self.deadletter]

    def by_key(self, key: str) -> str:
        """The topic for an event model's `topic_key`."""
        return str(getattr(self, key))


class KafkaSettings(BaseSettings):
    """How to reach the Kafka-protocol broker and how to produce/consume."""

    model_config = SettingsConfigDict(
        env_prefix="TOUSU_KAFKA_", env_nested_delimiter="__", extra="ignore", populate_by_name=True
    )

    bootstrap_servers: str = Field(
        default="127.0.0.1:9092",
        validation_alias="KAFKA_BOOTSTRAP_SERVERS",
        description="Comma-separated host:port list.",
    )
    idempotence: bool = Field(
        default=True,
        description="Idempotent producer: on for Apache Kafka; off for the embedded broker.",
    )
    partitions: int = Field(default=6, ge=1, description="Partitions when creating topics.")
    replication_factor: int = Field(default=1, ge=1, description="Replication when creating topics.")
    create_topics: bool = Field(default=True, description="Create missing topics at start-up.")
    session_timeout_ms: int = Field(default=10_000, ge=1_000)
    heartbeat_interval_ms: int = Field(default=1_000, ge=100)
    request_timeout_ms: int = Field(default=15_000, ge=1_000)
    batch_max_records: int = Field(
        default=200, ge=1, description="Most records a consumer takes in one batch (one offset commit per batch)."
    )
    batch_timeout_ms: int = Field(
        default=50,
        ge=1,
        description="How long a consumer waits for records when none are buffered; records already fetched are "
        "taken at once, so this bounds idle polling, not latency.",
    )
    group_suffix: str = Field(
        default="",
        max_length=64,
        description="Appended to every consumer group id (`tousu-<service><suffix>`): a fresh suffix replays "
        "every topic from offset 0 into new groups.",
    )
    topics: Topics = Field(default_factory=Topics)

    @field_validator("bootstrap_servers")
    @classmethod
    def _hosts(cls, value: str) -> str:
        hosts = [h.strip() for h in value.split(",") if h.strip()]
        if not hosts or any(":" not in h for h in hosts):
            raise ValueError("KAFKA_BOOTSTRAP_SERVERS must be host:port[,host:port...]")
        return ",".join(hosts)


class MongoSettings(BaseSettings):
    """How to reach MongoDB (or the embedded MongoDB-protocol server)."""

    model_config = SettingsConfigDict(env_prefix="TOUSU_MONGODB_", extra="ignore", populate_by_name=True)

    uri: str = Field(default="mongodb://127.0.0.1:27017/?directConnection=true", validation_alias="MONGODB_URI")
    database: str = Field(default="tousu", min_length=1, max_length=60)
    server_selection_timeout_ms: int = Field(default=5_000, ge=100)

    @field_validator("uri")
    @classmethod
    def _scheme(cls, value: str) -> str:
        if not value.startswith(("mongodb://", "mongodb+srv://")):
            raise ValueError("MONGODB_URI must start with mongodb:// or mongodb+srv://")
        return value


class MetricsSettings(BaseSettings):
    """Prometheus exposition."""

    model_config = SettingsConfigDict(env_prefix="TOUSU_METRICS_", extra="ignore")

    enabled: bool = True
    consumer_lag_interval_s: float = Field(default=15.0, gt=0)


class ServiceSettings(BaseSettings):
    """What every service needs beyond its connections."""

    model_config = SettingsConfigDict(env_prefix="TOUSU_", extra="ignore")

    name: ServiceName = "intake"
    host: str = "127.0.0.1"
    port: int = Field(default=0, ge=0, le=65535, description="0 → the default port of the service.")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_json: bool = True
    log_file: Path | None = Field(
        default=None, description="Also append every log line to this file (the same scrubbed JSON as stderr)."
    )
    data_dir: Path = Path(".tousu")
    customer_key_secret: str = Field(
        default="",
        min_length=0,
        description="HMAC secret for customer_key; must be set (≥ 16 chars) outside development.",
    )
    environment: Literal["development", "test", "production"] = "production"
    retry_attempts: int = Field(
        default=5, ge=1, description="Attempts for a message-specific error before dead-lettering."
    )
    retry_base_delay_s: float = Field(default=0.2, gt=0)
    retry_max_delay_s: float = Field(default=5.0, gt=0)
    outbox_batch_size: int = Field(default=200, ge=1)
    outbox_idle_interval_s: float = Field(default=0.2, gt=0, description="First poll interval of an idle relay.")
    outbox_idle_max_interval_s: float = Field(
        default=2.0, gt=0, le=4.0, description="Longest poll interval of an idle relay (it doubles while idle)."
    )
    outbox_retention_days: float = Field(
        default=7.0,
        ge=0,
        description="Published events are kept this long (`<collection>_sent`, TTL-indexed) so that a broker that "
        "lost its log (the embedded one keeps it in memory) gets them again; 0 keeps none.",
    )
    broker_watch_interval_s: float = Field(
        default=2.0,
        gt=0,
        description="How often a service asks the broker's cluster id (one metadata request, no database access): "
        "a new id means a new, empty log, so relays re-publish what they kept and consumers read from the start.",
    )
    clock_offset_file: Path | None = Field(
        default=None,
        description="Development and test only: the service's clock runs ahead by the seconds written in this file "
        "(re-read when it changes), so end-to-end tests move every service's time; refused in production.",
    )

    @model_validator(mode="after")
    def _clock(self) -> ServiceSettings:
        if self.environment == "production" and self.clock_offset_file is not None:
            raise ValueError("TOUSU_CLOCK_OFFSET_FILE moves the service's clock: refused in production")
        return self

    @model_validator(mode="after")
    def _secret(self) -> ServiceSettings:
        if self.environment == "production" and (
            self.customer_key_secret in INSECURE_SECRETS or len(self.customer_key_secret) < 16
        ):
            raise ValueError(
                "TOUSU_CUSTOMER_KEY_SECRET must be set to a secret of at least 16 characters in production"
            )
        return self

    @property
    def effective_port(self) -> int:
        """The configured port, or the service's default port (contract §1)."""
        return self.port or DEFAULT_PORTS[self.name]


class CalendarSettings(BaseSettings):
    """The working-day calendar's reference data: one holiday override file for every service."""

    model_config = SettingsConfigDict(env_prefix="TOUSU_CALENDAR_", extra="ignore")

    file: Path | None = Field(
        default=None,
        description="YAML of rest days and adjusted working days per year (tousu_shared.holidays), consulted "
        "before chinesecalendar; unset: chinesecalendar alone.",
    )


class Settings(BaseModel):
    """All slices of one service, composed and passed down (never a global)."""

    service: ServiceSettings
    kafka: KafkaSettings
    mongo: MongoSettings
    metrics: MetricsSettings
    calendar: CalendarSettings = Field(default_factory=CalendarSettings)

    @classmethod
    def load(cls, name: ServiceName, **service_overrides: object) -> Settings:
        """Read every slice from the environment for the named service."""
        return cls(
            service=ServiceSettings(name=name, **service_overrides),  # type: ignore[arg-type]
            kafka=KafkaSettings(),
            mongo=MongoSettings(),
            metrics=MetricsSettings(),
            calendar=CalendarSettings(),
        )
