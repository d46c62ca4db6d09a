"""Money amounts stated in a complaint's text (3万, 三万元, 1.5w, 8千5, 4万2, RMB 9,200, 30000元).

Only figures written as money count: a unit of ten thousand or thousand (万, w, 千, k) or a currency
(元, 块, rmb, cny, ¥) next to the number. Dates, counts (12期, 3个月, 6次), percentages and
account numbers have neither and are ignored. Works on the normalised text (half-width, lower case).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_DIGITS = "零〇一二两三四五六七八九"
_CN = {c: i for i, c in enumerate("零一二三四五六七八九")} | {"〇": 0, "两": 2}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000}

_ARABIC = re.compile(
    r"(?P<cur>rmb|cny|¥|￥|人民币)?\s*(?P<num>\d{1,3}(?:,\d{3})+|\d+)(?P<dec>\.\d+)?\s*"
    r"(?:(?P<big>万|w|千|k)(?P<tail>\d)?(?![\da-z]))?\s*(?P<yuan>元|块|rmb|cny)?",
)
_CHINESE = re.compile(
    rf"(?P<num>[{_DIGITS}十][{_DIGITS}十百千]*)(?P<big>万|千)(?P<tail>[{_DIGITS}])?(?P<yuan>多)?(元|块)?"
)
_MULTIPLIER = {"万": 10000, "w": 10000, "千": 1000, "k": 1000}


@dataclass(frozen=True)
class StatedAmount:
    """One amount in the text: its value in CNY and its span."""

    value: float
    start: int
    end: int


def _chinese_number(text: str) -> int | None:
    """三 → 3, 十五 → 15, 二十 → 20, 一百二十 → 120 (below ten thousand)."""
    total, digit = 0, None
    for char in text:
        if char in _CN:
            digit = _CN[char]
        elif char in _CN_UNITS:
            total += (1 if digit is None else digit) * _CN_UNITS[char]
            digit = None
        else:
            return None
    total += digit or 0
    return total or None


def _arabic(m: re.Match[str]) -> StatedAmount | None:
    big, yuan, cur = m.group("big"), m.group("yuan"), m.group("cur")
    if not (big or yuan or cur):
        return None
    value = float(m.group("num").replace(",", "") + (m.group("dec") or ""))
    if big:
        unit = _MULTIPLIER[big]
        tail = m.group("tail")
        value = value * unit + (int(tail) * unit / 10 if tail else 0)
    return StatedAmount(value=value, start=m.start("num"), end=m.end())


def _chinese(m: re.Match[str]) -> StatedAmount | None:
    number = _chinese_number(m.group("num"))
    if number is None:
        return None
    unit = _MULTIPLIER[m.group("big")]
    tail = m.group("tail")
    value = number * unit + (_CN[tail] * unit / 10 if tail and tail in _CN else 0)
    return StatedAmount(value=float(value), start=m.start(), end=m.end())


def stated_amounts(text: str) -> list[StatedAmount]:
    """Every money amount in the (normalised) text, in order of position."""
    found = [a for m in _ARABIC.finditer(text) if (a := _arabic(m))]
    found += [a for m in _CHINESE.finditer(text) if (a := _chinese(m))]
    return sorted(found, key=lambda a: a.start)


def largest_stated(text: str) -> StatedAmount | None:
    """The largest money amount in the text, or None."""
    amounts = stated_amounts(text)
    return max(amounts, key=lambda a: a.value) if amounts else None
