"""Canary statements: texts a signal must detect, checked against a rules file at start-up."""

from __future__ import annotations

from importlib import resources

import yaml

from tousu_analysis.domain.rules import Rules, RulesError
from tousu_analysis.domain.signals import text_matches
from tousu_analysis.domain.text import TextView, normalise


def packaged_canaries() -> dict[str, list[str]]:
    """The canary statements shipped with the service, by signal name."""
    text = resources.files("tousu_analysis.rules").joinpath("canaries.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    return {str(name): [str(t) for t in texts] for name, texts in data.items()}


def fires(*, signal: str, text: str, rules: Rules) -> bool:
    """Whether the signal's lexicon detects `text` under its context policy."""
    view = TextView(text, normalise(text, rules=rules.text), rules.text)
    return bool(text_matches(view, rules.signals[signal], rules))


def missed_canaries(*, rules: Rules, canaries: dict[str, list[str]]) -> dict[str, list[str]]:
    """Canary statements the rules do not detect, by signal (empty when every one fires)."""
    missed: dict[str, list[str]] = {}
    for signal, texts in canaries.items():
        if signal not in rules.signals:
            missed[signal] = list(texts)
            continue
        lost = [t for t in texts if not fires(signal=signal, text=t, rules=rules)]
        if lost:
            missed[signal] = lost
    return missed


def require_canaries(*, rules: Rules, canaries: dict[str, list[str]] | None = None) -> None:
    """Raise `RulesError` naming every canary the rules miss (the packaged set by default)."""
    missed = missed_canaries(rules=rules, canaries=packaged_canaries() if canaries is None else canaries)
    if missed:
        lines = [f"  {signal}: {text}" for signal, texts in missed.items() for text in texts]
        raise RulesError("rules miss statements that must always be detected:\n" + "\n".join(lines))
