"""How many people the text says are acting together (二十多户业主, 上百人, 30多名客户)."""

from __future__ import annotations

import re

from tousu_analysis.domain.text import TextView
from tousu_shared.events.base import Evidence

_DIGITS = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_VAGUE = {"几": 3, "数": 3, "上": 1}  # 几十 ≈ 30, 上百 ≈ 100: the lower reading is enough to route
_COUNT = re.compile(r"(?P<num>\d+|[零一二两三四五六七八九十百千几数上]+)(?:多|余|来)?(?P<unit>户|人|名|位|家)")


def chinese_number(text: str) -> int | None:
    """Parse 25, 二十五, 十几, 几十, 上百, 三百多 (the lower bound of vague counts)."""
    if text.isdigit():
        return int(text)
    total, current = 0, 0
    for char in text:
        if char in _DIGITS or char in _VAGUE:
            current = _DIGITS.get(char, _VAGUE.get(char, 0))
        elif char in "十百千":
            unit = {"十": 10, "百": 100, "千": 1000}[char]
            total += (current or 1) * unit
            current = 0
        else:
            return None
    return total + current or None


def claimed_participants(*, view: TextView) -> tuple[int, Evidence] | None:
    """The largest non-negated head-count in the text, with its span; None when there is none."""
    best: tuple[int, Evidence] | None = None
    for match in _COUNT.finditer(view.norm):
        count = chinese_number(match.group("num"))
        if count is None or view.context(match.start(), match.end()).negated:
            continue
        if best is None or count > best[0]:
            span = Evidence(
                kind="text", start=match.start(), end=match.end(), text=view.original[match.start() : match.end()]
            )
            best = (count, span)
    return best
