"""Settings fail fast on bad values."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from tousu_shared.settings import KafkaSettings, MongoSettings, ServiceSettings, Topics

pytestmark = pytest.mark.unit


def test_production_refuses_a_missing_or_weak_customer_key_secret() -> None:
    with pytest.raises(ValidationError, match="TOUSU_CUSTOMER_KEY_SECRET"):
        ServiceSettings(name="intake", environment="production", customer_key_secret="changeme")
    assert ServiceSettings(name="intake", environment="production", customer_key_secret="x" * 32).port == 0


def test_bootstrap_servers_need_host_and_port(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "kafka-without-port")
    with pytest.raises(ValidationError, match="host:port"):
        KafkaSettings()
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", " k1:9092, k2:9092 ")
    assert KafkaSettings().bootstrap_servers == "k1:9092,k2:9092"


def test_mongodb_uri_needs_a_mongodb_scheme(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MONGODB_URI", "postgres://db")
    with pytest.raises(ValidationError, match="mongodb://"):
        MongoSettings()


def test_default_ports_follow_the_contract() -> None:
    ports = [
        ServiceSettings(name=n, environment="test").effective_port  # type: ignore[arg-type]
        for n in ("intake", "analysis", "escalation", "followup")
    ]
    assert ports == [8000, 8001, 8002, 8003]


def test_topic_names_are_settings_with_contract_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    assert Topics().all() == [
        "tousu.intake.v1",
        "tousu.analysis.v1",
        "tousu.escalation.v1",
        "tousu.followup.v1",
        "tousu.deadletter.v1",
    ]
    monkeypatch.setenv("TOUSU_KAFKA_TOPICS__INTAKE", "bank-a.intake.v1")
    assert KafkaSettings().topics.intake == "bank-a.intake.v1"
