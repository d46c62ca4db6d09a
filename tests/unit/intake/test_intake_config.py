"""Intake settings fail fast on a missing or weak personal-data key in production."""

from __future__ import annotations

import pytest

from tousu_intake.config import DEV_PII_KEY, IntakeSettings

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("key", ["", "changeme", "short-key", "a-good-key-0123456789,dev"])
def test_production_refuses_a_missing_or_weak_pii_key(key: str) -> None:
    with pytest.raises(ValueError, match="TOUSU_PII_KEY"):
        IntakeSettings(pii_key=key).checked(environment="production")


def test_production_refuses_a_development_api_key() -> None:
    with pytest.raises(ValueError, match="TOUSU_DEV_API_KEY"):
        IntakeSettings(pii_key="a-good-key-0123456789", dev_api_key="tsk_dev").checked(environment="production")


def test_development_falls_back_to_a_fixed_development_key() -> None:
    assert IntakeSettings(pii_key="").checked(environment="development").pii_key == DEV_PII_KEY
    assert IntakeSettings(pii_key="mine").checked(environment="test").pii_key == "mine"


def test_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TOUSU_PII_KEY", "from-env-0123456789")
    monkeypatch.setenv("TOUSU_RATE_LIMIT_BURST", "7")
    settings = IntakeSettings()
    assert (settings.pii_key, settings.rate_limit_burst) == ("from-env-0123456789", 7)
