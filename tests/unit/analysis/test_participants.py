"""Head-counts claimed in the text make a collective complaint a group case."""

from __future__ import annotations

import pytest

from tousu_analysis.domain.participants import chinese_number

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("text", "value"),
    [("25", 25), ("二十", 20), ("二十五", 25), ("十几", 13), ("几十", 30), ("上百", 100), ("三百", 300), ("两", 2)],
)
def test_chinese_counts_are_read_at_their_lower_bound(text: str, value: int) -> None:
    assert chinese_number(text) == value


def test_non_numbers_are_not_counts() -> None:
    assert chinese_number("大家") is None
