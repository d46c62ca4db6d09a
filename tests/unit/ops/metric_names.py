"""What the services really export, and which metric names a PromQL expression reads."""

from __future__ import annotations

import re
from typing import Any

from fastapi import FastAPI
from prometheus_client import CollectorRegistry

from tousu_shared.kafka import create_broker
from tousu_shared.settings import KafkaSettings, MetricsSettings, MongoSettings, ServiceName, ServiceSettings, Settings

SECRET = "ops-test-secret-0123456789abcdef"
# Suffixes prometheus_client appends per metric type (`_created` is off-by-default noise we never query).
SUFFIXES = {
    "counter": ("_total",),
    "histogram": ("_bucket", "_sum", "_count"),
    "summary": ("", "_sum", "_count"),
    "gauge": ("",),
    "info": ("_info",),
}
# Series Prometheus itself writes for every scrape target.
PROMETHEUS_OWN = {"up", "scrape_duration_seconds", "scrape_samples_scraped"}


def settings_for(name: ServiceName) -> Settings:
    """Offline settings: building an app connects to nothing."""
    return Settings(
        service=ServiceSettings(name=name, environment="test", customer_key_secret=SECRET),
        kafka=KafkaSettings(),
        mongo=MongoSettings(),
        metrics=MetricsSettings(),
    )


def build_app(name: ServiceName) -> FastAPI:
    """The service's real app from its composition root."""
    if name == "intake":
        from tousu_intake.bootstrap import create_app as intake_app
        from tousu_intake.config import IntakeSettings

        return intake_app(settings_for(name), intake=IntakeSettings(pii_key=SECRET))
    module: Any = __import__(f"tousu_{name}.bootstrap", fromlist=["create_app"])
    app: FastAPI = module.create_app(settings_for(name))
    return app


def sample_names(registry: CollectorRegistry) -> set[str]:
    """Every series name a registry's families expose, by type."""
    names = set()
    for family in registry.collect():
        names |= {family.name + suffix for suffix in SUFFIXES[family.type]}
    return names


def exported_names(name: ServiceName) -> set[str]:
    """A service's own metrics plus FastStream's, as the runtime registers them on the same registry."""
    registry: CollectorRegistry = build_app(name).state.metrics.registry
    create_broker(KafkaSettings(), service=name, registry=registry)  # what Runtime does in the lifespan
    return sample_names(registry)


_STRINGS = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'')
_MATCHERS = re.compile(r"\{[^}]*\}")
_RANGES = re.compile(r"\[[^\]]*\]")
_GROUPING = re.compile(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)")
_IDENT = re.compile(r"(?<![\w$.])([a-zA-Z_:][a-zA-Z0-9_:]*)\b(?!\s*\()")
_KEYWORDS = {"and", "or", "unless", "bool", "offset", "by", "without", "on", "ignoring", "inf", "nan", "atan2"}


def metric_names(expr: str) -> set[str]:
    """Metric names a PromQL expression selects (strings, matchers, ranges, groupings, functions ignored)."""
    stripped = _STRINGS.sub('""', expr)
    for pattern in (_MATCHERS, _RANGES, _GROUPING):
        stripped = pattern.sub(" ", stripped)
    return {m for m in _IDENT.findall(stripped) if m.lower() not in _KEYWORDS}
