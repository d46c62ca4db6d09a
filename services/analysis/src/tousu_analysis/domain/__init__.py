"""The pure analysis domain: rules, text, signals, dimensions, repeat risk, profile, matter, `analyze`."""

from tousu_analysis.domain.analyze import Prepared, analyze, prepare
from tousu_analysis.domain.history import (
    CustomerHistory,
    HistoryItem,
    history_item_from,
    with_action,
    with_feedback,
    with_reopen,
)
from tousu_analysis.domain.rules import Rules, RulesError, load_rules, parse_rules
from tousu_analysis.domain.templates import (
    InMemoryTemplateIndex,
    SimilarTemplates,
    TemplateCandidate,
    similar_templates,
)

__all__ = [
    "CustomerHistory",
    "HistoryItem",
    "InMemoryTemplateIndex",
    "Prepared",
    "Rules",
    "RulesError",
    "SimilarTemplates",
    "TemplateCandidate",
    "analyze",
    "history_item_from",
    "load_rules",
    "parse_rules",
    "prepare",
    "similar_templates",
    "with_action",
    "with_feedback",
    "with_reopen",
]
