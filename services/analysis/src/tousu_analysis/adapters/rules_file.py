"""Loads the rules file named by the settings (or the packaged default) at start-up."""

from __future__ import annotations

from pathlib import Path

from tousu_analysis.domain.canaries import require_canaries
from tousu_analysis.domain.rules import Rules, RulesError, load_rules
from tousu_shared.logging import get_logger

log = get_logger("tousu.analysis.rules")


def load_configured_rules(path: Path | None) -> Rules:
    """The validated rules; a missing or invalid file, or one that misses a canary, raises `RulesError`."""
    try:
        rules = load_rules(path=path)
        require_canaries(rules=rules)
    except RulesError as exc:
        log.critical("rules file rejected; refusing to start", rules_file=str(path or "default"), error=str(exc))
        raise
    log.info("rules loaded", rules_file=str(path or "default"), rules_version=rules.version)
    return rules
