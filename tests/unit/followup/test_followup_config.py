"""Follow-up's API-key settings: the stack's dev key, refused in production; rate limit and cache from the env."""

from __future__ import annotations

import pytest

from tousu_followup.config import FollowupSettings

pytestmark = pytest.mark.unit


def test_production_refuses_a_development_api_key() -> None:
    with pytest.raises(ValueError, match="TOUSU_DEV_API_KEY"):
        FollowupSettings(dev_api_key="tsk_dev").checked(environment="production")
    assert FollowupSettings(dev_api_key="tsk_dev").checked(environment="development").dev_api_key == "tsk_dev"


def test_the_dev_key_is_the_stacks_and_the_limits_are_follow_ups_own(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TOUSU_DEV_API_KEY", "tsk_dev_from_env")
    monkeypatch.setenv("TOUSU_FOLLOWUP_RATE_LIMIT_BURST", "7")
    monkeypatch.setenv("TOUSU_FOLLOWUP_API_KEY_CACHE_S", "0")
    settings = FollowupSettings()
    assert (settings.dev_api_key, settings.rate_limit_burst, settings.api_key_cache_s) == ("tsk_dev_from_env", 7, 0)
