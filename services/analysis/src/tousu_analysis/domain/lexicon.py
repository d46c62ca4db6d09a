"""A lexicon of terms and patterns, compiled once, found in a text with each match's context."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr

from tousu_analysis.domain.text import MatchContext, Segmenter, TextView

_NOTHING = re.compile(r"(?!x)x")


@dataclass(frozen=True)
class Match:
    """One occurrence: offsets into the original text, the matched text and its framing."""

    start: int
    end: int
    text: str
    context: MatchContext


class Lexicon(BaseModel):
    """Literal terms, regular expressions and whole-word terms (checked against jieba tokens).

    `figurative` lists idioms that contain a match but mean something else (气死我了, 死机,
    "dying to know"): a match that overlaps one of them does not count.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    terms: list[str] = Field(default_factory=list)
    patterns: list[str] = Field(default_factory=list)
    whole_word: list[str] = Field(default_factory=list)
    figurative: list[str] = Field(default_factory=list)

    _regex: re.Pattern[str] = PrivateAttr(default=_NOTHING)
    _words: re.Pattern[str] = PrivateAttr(default=_NOTHING)
    _idioms: re.Pattern[str] = PrivateAttr(default=_NOTHING)

    def compile(self, *, normalise: Callable[[str], str], name: str) -> None:
        """Compile terms (longest first) and patterns into one regex; raise on a bad pattern."""
        terms = sorted({normalise(t) for t in self.terms}, key=len, reverse=True)
        parts = [re.escape(t) for t in terms] + [f"(?:{normalise(p)})" for p in self.patterns]
        try:
            self._regex = re.compile("|".join(parts)) if parts else _NOTHING
        except re.error as exc:
            raise ValueError(f"signal {name!r}: bad pattern: {exc}") from exc
        words = [re.escape(normalise(w)) for w in self.whole_word]
        self._words = re.compile("|".join(words)) if words else _NOTHING
        idioms = sorted({re.escape(normalise(i)) for i in self.figurative}, key=len, reverse=True)
        self._idioms = re.compile("|".join(idioms)) if idioms else _NOTHING

    @property
    def word_list(self) -> list[str]:
        """Whole-word terms (taught to the segmenter)."""
        return list(self.whole_word)

    def find(self, view: TextView, *, segmenter: Segmenter | None = None) -> list[Match]:
        """Every match in the view's normalised text, with offsets valid in the original."""
        found = [self._match(view, m.start(), m.end()) for m in self._regex.finditer(view.norm)]
        if self._words is not _NOTHING and segmenter is not None:
            found.extend(self._whole_words(view, segmenter))
        if found and self._idioms is not _NOTHING:
            found = self._literal_only(view, found)
        return sorted(found, key=lambda m: (m.start, m.end))

    def _literal_only(self, view: TextView, found: list[Match]) -> list[Match]:
        """Drop matches that overlap a figurative idiom (the idiom claims its characters)."""
        spans = [(m.start(), m.end()) for m in self._idioms.finditer(view.norm)]
        return [m for m in found if not any(s < m.end and m.start < e for s, e in spans)]

    def _whole_words(self, view: TextView, segmenter: Segmenter) -> list[Match]:
        hits = list(self._words.finditer(view.norm))
        if not hits:
            return []
        marks = segmenter.boundaries(view.norm)
        return [self._match(view, m.start(), m.end()) for m in hits if m.start() in marks and m.end() in marks]

    @staticmethod
    def _match(view: TextView, start: int, end: int) -> Match:
        return Match(start, end, view.original[start:end], view.context(start, end))
