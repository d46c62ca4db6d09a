"""The cause-code mapping (JR/T 0169-2018 and the insurance split) is data, validated strictly at load."""

from __future__ import annotations

import re
from importlib import resources
from typing import Any

import pytest
import yaml

from tousu_shared.cause_codes import CauseCodesError, load_cause_codes, parse_cause_codes

pytestmark = pytest.mark.unit


def _default() -> dict[str, Any]:
    text = resources.files("tousu_shared.data").joinpath("cause_codes.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    assert isinstance(data, dict)
    return data


def _parse(data: dict[str, Any]) -> None:
    parse_cause_codes(text=yaml.safe_dump(data, allow_unicode=True), source="custom.yaml")


def test_every_domain_cause_category_has_a_bank_and_an_insurance_code() -> None:
    codes = load_cause_codes()
    domain = [
        "销售误导",
        "理赔纠纷",
        "退保纠纷",
        "息费/收费",
        "催收",
        "服务态度",
        "信息安全",
        "系统/设施",
        "合同条款",
        "信息披露",
        "其他",
    ]
    codes.require(domain)
    for category in domain:
        bank, insurance = codes.bank_cause(category), codes.insurance_dispute(category)
        assert bank is not None and re.fullmatch(r"C\d{2}", bank.code) and bank.name
        assert insurance is not None and re.fullmatch(r"I\d{2}", insurance.code) and insurance.name


def test_the_standards_classes_are_the_ones_reported() -> None:
    codes = load_cause_codes()
    assert codes.bank_cause("销售误导") == codes.bank_cause("销售误导")
    assert codes.bank_cause("销售误导").name == "因营销方式和手段引起的投诉"  # type: ignore[union-attr]
    assert codes.bank_cause("服务态度").code == "C01"  # type: ignore[union-attr]
    assert codes.bank_cause("其他").code == "C99"  # type: ignore[union-attr]
    assert codes.insurance_dispute("理赔纠纷").name == "理赔纠纷"  # type: ignore[union-attr]
    assert codes.insurance_dispute("退保纠纷").name == "退保纠纷"  # type: ignore[union-attr]
    assert codes.insurance_dispute("销售误导").name == "销售纠纷"  # type: ignore[union-attr]


def test_an_unmapped_category_is_named_in_the_error() -> None:
    with pytest.raises(CauseCodesError, match="新类别"):
        load_cause_codes().require(["销售误导", "新类别"])
    assert load_cause_codes().bank_cause("unanalysed") is None


@pytest.mark.parametrize("code", ["C4", "C004", "X04", "c04", "C00"])
def test_a_malformed_cause_code_is_refused(code: str) -> None:
    data = _default()
    data["categories"]["销售误导"]["jrt_0169"] = code
    with pytest.raises(CauseCodesError, match=r"custom\.yaml: invalid cause codes"):
        _parse(data)


def test_a_code_outside_the_classification_is_refused() -> None:
    data = _default()
    data["categories"]["销售误导"]["insurance"] = "I42"
    with pytest.raises(CauseCodesError, match="I42 is not in the classification"):
        _parse(data)


def test_a_classification_without_its_other_class_is_refused() -> None:
    data = _default()
    del data["jrt_0169"]["causes"]["C99"]
    data["categories"]["其他"]["jrt_0169"] = "C03"
    with pytest.raises(CauseCodesError, match="99 'other' class"):
        _parse(data)


def test_unknown_keys_are_refused() -> None:
    data = _default()
    data["categories"]["催收"]["jrt_0170"] = "C12"
    with pytest.raises(CauseCodesError, match="jrt_0170"):
        _parse(data)


def test_a_product_type_maps_to_one_classification() -> None:
    data = _default()
    data["product_types"]["信用卡"]["insurance_line"] = "P"
    with pytest.raises(CauseCodesError, match="exactly one"):
        _parse(data)
