"""Loads the rules file named by the settings (or the packaged default) at start-up."""

from __future__ import annotations

from pathlib import Path

from tousu_analysis.domain.rules import Rules, RulesError, load_rules
from tousu_shared.logging import get_logger

log = get_logger("tousu.analysis.rules")


def load_configured_rules(path: Path | None) -> Rules:
    """The validated rules; a missing or invalid file raises `RulesError` naming the file and the problem."""
    try:
        rules = load_rules(path=path)
    except RulesError as exc:
        log.critical("rules file rejected; refusing to start", rules_file=str(path or "default"), error=str(exc))
        raise
    log.info("rules loaded", rules_file=str(path or "default"), rules_version=rules.version)
    return rules
