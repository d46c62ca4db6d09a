"""Logs never carry personal data."""

from __future__ import annotations

import json
import logging

import pytest
import structlog

from tousu_shared.logging import configure_logging, get_logger, scrub

pytestmark = pytest.mark.unit


def test_phone_and_id_numbers_inside_text_are_redacted() -> None:
    text = "客户13812345678称身份证11010519491231002X被冒用，座机010-88886666"
    cleaned = scrub(text)
    assert "13812345678" not in cleaned
    assert "11010519491231002X" not in cleaned
    assert "88886666" not in cleaned
    assert "客户" in cleaned


def test_structured_log_lines_redact_pii_keys_and_values(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging(service="test", level="INFO", json=True)
    get_logger("t").info("posted", name="张三", phone="13812345678", note="回电 13912345678", count=2)
    logging.getLogger("aiokafka").warning("peer 13700001111 rejected")
    err = capsys.readouterr().err
    lines = [json.loads(line) for line in err.strip().splitlines()]
    assert lines[0]["name"] == "[redacted]" and lines[0]["phone"] == "[redacted]"
    assert lines[0]["count"] == 2
    for forbidden in ("张三", "13812345678", "13912345678", "13700001111"):
        assert forbidden not in err
    structlog.reset_defaults()


def test_hex_keys_with_long_digit_runs_are_not_mangled() -> None:
    key = "eeb04f13812345678baac1b0d9"
    assert scrub(f"customer_key={key}") == f"customer_key={key}"
    assert scrub("来电13812345678") == "来电[redacted]"
