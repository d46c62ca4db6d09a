"""Masking keeps just enough to recognise a value and never the value itself."""

from __future__ import annotations

import pytest

from tousu_intake.domain import masking

pytestmark = pytest.mark.unit


def test_a_mobile_keeps_its_first_three_and_last_four_digits() -> None:
    assert masking.mask_phone("13812345678") == "138****5678"
    assert masking.mask_phone("+86 138-1234-5678") == "138****5678"


def test_an_id_number_keeps_its_first_four_and_last_four() -> None:
    assert masking.mask_id_number("110101199003071234") == "1101**********1234"


def test_a_name_keeps_only_its_first_character() -> None:
    assert masking.mask_name("张三丰") == "张**"
    assert masking.mask_name("李") == "李"
    assert masking.mask_name("John Smith") == "J*** *****"


def test_an_account_keeps_only_its_last_four() -> None:
    assert masking.mask_account("6222020200112233445") == "***************3445"


def test_short_values_are_masked_entirely_or_all_but_one() -> None:
    assert masking.mask_phone("12") == "**"
    assert masking.mask_id_number("AB1234") == "A*****"


def test_numbers_and_names_inside_text_are_masked() -> None:
    text = "本人张三丰（身份证号11010119900307123X），卡号6222020200112233445，电话13812345678，座机010-12345678。"
    masked = masking.mask_text(text, names=("张三丰",))
    for secret in ("张三丰", "11010119900307123X", "6222020200112233445", "13812345678", "12345678"):
        assert secret not in masked
    assert "张**" in masked and "1101**********123X" in masked and "138****5678" in masked


def test_text_without_personal_data_is_unchanged() -> None:
    text = "年费480元，2025年3月办理，合同第12条。"
    assert masking.mask_text(text, names=("王",)) == text


def test_mobile_with_country_code_and_separators_inside_text_is_masked() -> None:
    assert "5678" in masking.mask_text("请拨 +86 138-1234-5678") and "1234" not in masking.mask_text(
        "请拨 +86 138-1234-5678"
    )


@pytest.mark.parametrize(
    ("age", "band"),
    [(None, "unknown"), (17, "under-18"), (18, "18-29"), (44, "30-44"), (64, "45-64"), (65, "65+"), (90, "65+")],
)
def test_age_bands(age: int | None, band: str) -> None:
    assert masking.age_band(age) == band


def test_vulnerable_when_65_or_flagged() -> None:
    assert masking.is_vulnerable(age=65, flagged=False)
    assert masking.is_vulnerable(age=30, flagged=True)
    assert not masking.is_vulnerable(age=None, flagged=False)
