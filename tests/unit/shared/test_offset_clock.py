"""The test clock: every service process can run ahead by the seconds in one file; never in production."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest
from pydantic import ValidationError

from tousu_shared.clock import OffsetClock, configured_clock, utc_now
from tousu_shared.settings import ServiceSettings

pytestmark = pytest.mark.unit
SECRET = "a-test-secret-0123456789"


def test_the_clock_runs_ahead_by_the_file_and_follows_a_change(tmp_path: Path) -> None:
    path = tmp_path / "offset"
    clock = OffsetClock(path)
    assert abs(clock() - utc_now()) < timedelta(seconds=1), "no file: no offset"
    path.write_text("86400", encoding="utf-8")
    assert abs(clock() - utc_now() - timedelta(days=1)) < timedelta(seconds=1)
    path.write_text("172800.5", encoding="utf-8")
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 1_000_000))  # a change within the tick
    assert abs(clock() - utc_now() - timedelta(days=2, milliseconds=500)) < timedelta(seconds=1)
    path.write_text("not a number", encoding="utf-8")
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 2_000_000))
    assert abs(clock() - utc_now()) < timedelta(seconds=1), "an unreadable offset is no offset"


def test_without_a_file_the_service_clock_is_utc_now() -> None:
    assert configured_clock(None) is utc_now


def test_production_refuses_a_clock_offset_file(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="refused in production"):
        ServiceSettings(environment="production", customer_key_secret=SECRET, clock_offset_file=tmp_path / "offset")
    ok = ServiceSettings(environment="test", customer_key_secret=SECRET, clock_offset_file=tmp_path / "offset")
    assert ok.clock_offset_file == tmp_path / "offset"
