"""The rules file is data: validated at load, with a clear error on a bad file."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pytest
import yaml

from tousu_analysis.domain import RulesError, load_rules, parse_rules

pytestmark = pytest.mark.unit


def _default() -> dict[str, object]:
    text = resources.files("tousu_analysis.rules").joinpath("default.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    assert isinstance(data, dict)
    return data


def test_default_rules_load_with_a_version() -> None:
    rules = load_rules()
    assert rules.version.startswith("20")
    assert {"self_harm", "media_threat", "agent_involved", "high_amount"} <= set(rules.signals)


def test_invalid_yaml_is_refused_with_the_source_named() -> None:
    with pytest.raises(RulesError, match=r"custom\.yaml: not valid YAML"):
        parse_rules(text="version: [unclosed", source="custom.yaml")


def test_unknown_key_is_refused() -> None:
    data = _default()
    data["surprise"] = 1
    with pytest.raises(RulesError, match="surprise"):
        parse_rules(text=yaml.safe_dump(data, allow_unicode=True))


def test_bad_regular_expression_is_refused() -> None:
    data = _default()
    data["signals"]["petition"]["lexicon"]["patterns"] = ["(unclosed"]  # type: ignore[index]
    with pytest.raises(RulesError, match="petition"):
        parse_rules(text=yaml.safe_dump(data, allow_unicode=True))


def test_homophone_that_changes_length_is_refused() -> None:
    data = _default()
    data["text"]["homophones"] = {"葆": "保费"}  # type: ignore[index]
    with pytest.raises(RulesError, match="keep the length"):
        parse_rules(text=yaml.safe_dump(data, allow_unicode=True))


def test_suppression_by_an_unknown_signal_is_refused() -> None:
    data = _default()
    data["signals"]["media_threat"]["suppressed_by"] = ["nonexistent"]  # type: ignore[index]
    with pytest.raises(RulesError, match="nonexistent"):
        parse_rules(text=yaml.safe_dump(data, allow_unicode=True))


def test_missing_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(RulesError, match="cannot read"):
        load_rules(path=tmp_path / "absent.yaml")


def test_edited_threshold_changes_behaviour_without_code(tmp_path: Path) -> None:
    data = _default()
    data["signals"]["high_amount"]["triggers"]["amount_above"] = 1000  # type: ignore[index]
    path = tmp_path / "rules.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    assert load_rules(path=path).signals["high_amount"].triggers.amount_above == 1000
