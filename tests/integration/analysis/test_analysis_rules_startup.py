"""A missing or invalid rules file refuses to start the analysis service, with a message naming the problem."""

from __future__ import annotations

import os
import subprocess
import sys
from importlib import resources
from pathlib import Path

import pytest

from tests.conftest import SettingsFactory
from tousu_analysis.bootstrap import create_app
from tousu_analysis.config import AnalysisSettings
from tousu_analysis.domain.rules import RulesError

pytestmark = pytest.mark.integration


def _default_text() -> str:
    return resources.files("tousu_analysis.rules").joinpath("default.yaml").read_text(encoding="utf-8")


@pytest.fixture
def broken_threshold(tmp_path: Path) -> Path:
    """The default rules with a template threshold out of range."""
    path = tmp_path / "rules.yaml"
    path.write_text(_default_text().replace("threshold: 0.85", "threshold: 7.5"), encoding="utf-8")
    return path


def test_a_rules_file_with_an_invalid_value_refuses_to_start(
    make_settings: SettingsFactory, broken_threshold: Path
) -> None:
    with pytest.raises(RulesError) as failure:
        create_app(make_settings("analysis"), analysis=AnalysisSettings(rules=broken_threshold))
    message = str(failure.value)
    assert str(broken_threshold) in message
    assert "templates.threshold" in message


def test_a_missing_rules_file_named_by_the_environment_refuses_to_start(
    make_settings: SettingsFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = tmp_path / "nowhere.yaml"
    monkeypatch.setenv("TOUSU_ANALYSIS_RULES", str(missing))
    with pytest.raises(RulesError, match="cannot read rules file"):
        create_app(make_settings("analysis"))


def test_a_valid_rules_file_from_the_environment_is_used(
    make_settings: SettingsFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "institution.yaml"
    path.write_text(_default_text(), encoding="utf-8")
    monkeypatch.setenv("TOUSU_ANALYSIS_RULES", str(path))
    assert create_app(make_settings("analysis")).title == "tousu analysis"


def test_tousu_serve_analysis_exits_with_the_reason_on_a_broken_rules_file(tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text("version: '1'\nsignals: [not, a, mapping\n", encoding="utf-8")
    env = {
        **os.environ,
        "TOUSU_ANALYSIS_RULES": str(path),
        "TOUSU_ENVIRONMENT": "test",
        "TOUSU_PORT": "0",
        "TOUSU_LOG_JSON": "false",
    }
    command = [sys.executable, "-c", "from tousu_tools.cli import app; app()", "serve", "analysis"]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode != 0
    output = done.stdout + done.stderr
    assert "refusing to start" in output
    assert f"{path}: not valid YAML" in output
