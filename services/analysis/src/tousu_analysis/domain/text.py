"""Chinese text handling: length-preserving normalisation, clauses, quotes, negation, hypotheticals."""

from __future__ import annotations

import bisect
import logging
import re
import warnings
from dataclasses import dataclass, field
from functools import lru_cache

import zhconv

with warnings.catch_warnings():  # jieba 0.42 compiles regexes with invalid escapes
    warnings.simplefilter("ignore", DeprecationWarning)
    import jieba
from pydantic import Field, PrivateAttr, field_validator

from tousu_shared.rulesfile import Strict


class NegationRules(Strict):
    """Negation cues before (or after) a keyword inside its clause."""

    cues: list[str]
    exceptions: list[str] = Field(default_factory=list)
    breakers: list[str] = Field(default_factory=list)
    window: int = 10
    # English words are longer than Chinese ones: a keyword preceded by Latin text looks this far back.
    latin_window: int = 32
    post_cues: list[str] = Field(default_factory=list)
    post_window: int = 6


class HypotheticalRules(Strict):
    """Conditional markers (如果 … 就): the antecedent is only supposed."""

    markers: list[str]
    consequent_markers: list[str]
    threat_markers: list[str] = Field(default_factory=list)


class QuoteRules(Strict):
    """Quotation pairs and the cues that tell who is quoted."""

    pairs: list[str]
    window: int = 14
    other_cues: list[str]
    customer_cues: list[str]

    @field_validator("pairs")
    @classmethod
    def _pairs_are_two_chars(cls, value: list[str]) -> list[str]:
        if any(len(pair) != 2 for pair in value):
            raise ValueError("each quote pair is exactly two characters (open, close)")
        return value


class ScopeRules(Strict):
    """Whose action and which matter a keyword is about: another person's, a report's, an old closed one."""

    third_party_cues: list[str] = Field(default_factory=list)
    first_person: list[str] = Field(default_factory=list)
    report_cues: list[str] = Field(default_factory=list)
    past_cues: list[str] = Field(default_factory=list)
    closed_cues: list[str] = Field(default_factory=list)
    ongoing_cues: list[str] = Field(default_factory=list)
    decline_cues: list[str] = Field(default_factory=list)
    # How many clauses after the keyword's own a short refusal may come (the offer's terms between).
    decline_reach: int = Field(default=3, ge=0, le=6)
    # The writer of a transcription or a staff member narrating their own actions (坐席已通知网点并报警).
    narrator_cues: list[str] = Field(default_factory=list)
    # Who, named after the narrator, makes the clause the customer's again (客户, 来电人, 他 …).
    customer_subjects: list[str] = Field(default_factory=list)
    window: int = 12


class TextRules(Strict):
    """The `text` section of the rules file."""

    homophones: dict[str, str] = Field(default_factory=dict)
    clause_delimiters: str
    negation: NegationRules
    hypothetical: HypotheticalRules
    quotes: QuoteRules
    scope: ScopeRules = Field(default_factory=ScopeRules)

    _fixes: list[tuple[str, str]] = PrivateAttr(default_factory=list)

    @field_validator("homophones")
    @classmethod
    def _same_length(cls, value: dict[str, str]) -> dict[str, str]:
        for wrong, right in value.items():
            if len(wrong) != len(right):
                raise ValueError(f"homophone {wrong!r} -> {right!r} must keep the length")
        return value

    def normalise_term(self, term: str) -> str:
        """Normalise a lexicon term or pattern the same way as complaint text."""
        return normalise(term, rules=self)


def _half_width(char: str) -> str:
    code = ord(char)
    if 0xFF01 <= code <= 0xFF5E:
        return chr(code - 0xFEE0)
    if code == 0x3000:
        return " "
    return char


@lru_cache(maxsize=8192)
def _simplified_char(char: str) -> str:
    converted = zhconv.convert(char, "zh-cn")
    return converted if len(converted) == 1 else char


def _simplified(text: str) -> str:
    converted = zhconv.convert(text, "zh-cn")
    if len(converted) == len(text):
        return str(converted)
    return "".join(_simplified_char(c) for c in text)


def normalise(text: str, *, rules: TextRules) -> str:
    """Half-width, simplified, lower-case, homophones fixed; always the same length as `text`."""
    out = "".join(_half_width(c) for c in text).lower()
    if any(ord(c) > 0x2E80 for c in out):
        out = _simplified(out)
    for wrong, right in rules.homophones.items():
        out = out.replace(wrong, right)
    return out


@dataclass(frozen=True)
class Quote:
    """A quotation span (inside the marks) and whether someone other than the complainant speaks."""

    start: int
    end: int
    by_other: bool


@dataclass(frozen=True)
class MatchContext:
    """How a keyword occurrence is framed in its sentence."""

    negated: bool = False
    quoted: bool = False
    hypothetical: bool = False
    conditional: bool = False
    third_party: bool = False
    reported: bool = False
    unrelated_past: bool = False
    declined: bool = False


@dataclass
class TextView:
    """A complaint text prepared once for all keyword look-ups."""

    original: str
    norm: str
    rules: TextRules
    _bounds: list[int] = field(default_factory=list)
    _quotes: list[Quote] = field(default_factory=list)

    def __post_init__(self) -> None:
        """Index clause boundaries and quotations."""
        delimiters = set(self.rules.clause_delimiters)
        self._bounds = [i for i, c in enumerate(self.norm) if c in delimiters]
        self._quotes = find_quotes(self.norm, rules=self.rules.quotes)

    def clause(self, pos: int) -> tuple[int, int]:
        """Start and end (exclusive) of the clause around `pos`."""
        index = bisect.bisect_right(self._bounds, pos)
        start = self._bounds[index - 1] + 1 if index > 0 else 0
        end = self._bounds[index] if index < len(self._bounds) else len(self.norm)
        return start, end

    def sentence_start(self, pos: int) -> int:
        """Start of the sentence around `pos` (after the last 。!? or newline)."""
        for i in range(pos - 1, -1, -1):
            if self.norm[i] in "。!?\n.":
                return i + 1
        return 0

    def quoted_by_other(self, start: int, end: int) -> bool:
        """True when [start, end) lies inside a quotation not spoken by the complainant."""
        return any(q.by_other and q.start <= start and end <= q.end for q in self._quotes)

    def context(self, start: int, end: int) -> MatchContext:
        """Negation, quotation and conditional framing of the span [start, end)."""
        return MatchContext(
            negated=is_negated(self, start, end),
            quoted=self.quoted_by_other(start, end),
            hypothetical=in_antecedent(self, start),
            conditional=in_consequent(self, start),
            third_party=about_someone_else(self, start),
            reported=in_a_report(self, start),
            unrelated_past=about_an_old_matter(self, start),
            declined=declined_after(self, end),
        )

    def sentence_end(self, pos: int) -> int:
        """End (exclusive) of the sentence around `pos`."""
        for i in range(pos, len(self.norm)):
            if self.norm[i] in "。!?\n":
                return i
        return len(self.norm)


def find_quotes(text: str, *, rules: QuoteRules) -> list[Quote]:
    """Quotation spans with their speaker: the nearest cue before the opening mark decides."""
    quotes: list[Quote] = []
    for pair in rules.pairs:
        opening, closing = pair[0], pair[1]
        pos = text.find(opening)
        while pos >= 0:
            close = text.find(closing, pos + 1)
            if close < 0:
                break
            lead = text[max(0, pos - rules.window) : pos]
            quotes.append(Quote(start=pos + 1, end=close, by_other=_spoken_by_other(lead, rules)))
            pos = text.find(opening, close + 1)
    return quotes


def _last_cue_end(lead: str, cues: list[str]) -> int:
    ends = [lead.rfind(cue) + len(cue) for cue in cues if cue in lead]
    return max(ends, default=-1)


def _spoken_by_other(lead: str, rules: QuoteRules) -> bool:
    customer = _last_cue_end(lead, rules.customer_cues)
    other = _last_cue_end(lead, rules.other_cues)
    return customer < 0 or other > customer


def _cue_positions(text: str, cues: list[str], exceptions: list[str]) -> list[int]:
    """End positions of cue occurrences that are not part of an exception phrase."""
    hidden = [False] * len(text)
    for phrase in exceptions:
        pos = text.find(phrase)
        while pos >= 0:
            hidden[pos : pos + len(phrase)] = [True] * len(phrase)
            pos = text.find(phrase, pos + 1)
    ends: list[int] = []
    for cue in cues:
        pos = text.find(cue)
        while pos >= 0:
            if not any(hidden[pos : pos + len(cue)]):
                ends.append(pos + len(cue))
            pos = text.find(cue, pos + 1)
    return ends


def is_negated(view: TextView, start: int, end: int) -> bool:
    """A negation cue shortly before the span (no breaker between) or right after it."""
    rules = view.rules.negation
    clause_start, clause_end = view.clause(start)
    before = view.norm[max(clause_start, start - rules.window) : start]
    window = rules.latin_window if before and before.isascii() else rules.window
    lead = view.norm[max(clause_start, start - window) : start]
    for cue_end in _cue_positions(lead, rules.cues, rules.exceptions):
        between = lead[cue_end:]
        if not any(b in between for b in rules.breakers):
            return True
    tail = view.norm[end : min(clause_end, end + rules.post_window)]
    return bool(_cue_positions(tail, rules.post_cues, rules.exceptions))


def about_someone_else(view: TextView, start: int) -> bool:
    """Someone else acts: a third person (朋友, 邻居, 有人 …) shortly before the keyword with no 我 after
    them, or the narrator of a transcription (坐席 …) opening the sentence with no customer named since."""
    rules = view.rules.scope
    clause_start, _ = view.clause(start)
    lead = view.norm[max(clause_start, start - rules.window) : start]
    cue_end = _last_cue_end(lead, rules.third_party_cues)
    if cue_end >= 0 and not any(p in lead[cue_end:] for p in rules.first_person):
        return True
    return _still_their_story(view, start) or _narrated_by_staff(view, start)


def _still_their_story(view: TextView, start: int) -> bool:
    """A third person opened an earlier clause of the sentence and no clause since has 我 as its subject
    (我朋友去年和我情况一样，跟你们打官司，法院判你们赔了: the friend's lawsuit)."""
    rules = view.rules.scope
    clause_start, _ = view.clause(start)
    sentence_start = view.sentence_start(start)
    if clause_start <= sentence_start:
        return False
    earlier = view.norm[sentence_start:clause_start]
    cue_end = _last_cue_end(earlier, rules.third_party_cues)
    if cue_end < 0:
        return False
    own = view.norm[clause_start:start]
    if any(p in own for p in rules.first_person):
        return False
    later = re.split(f"[{re.escape(view.rules.clause_delimiters)}]", earlier[cue_end:])[1:]
    return not any(c.strip().startswith(tuple(rules.first_person)) for c in later)


def _narrated_by_staff(view: TextView, start: int) -> bool:
    rules = view.rules.scope
    sentence = view.norm[view.sentence_start(start) : start]
    opening = sentence.lstrip(" \n:")[:8]
    cue = next((c for c in rules.narrator_cues if opening.startswith(c)), None)
    if cue is None:
        return False
    since = sentence[sentence.find(cue) + len(cue) :]
    clauses = re.split(f"[{re.escape(view.rules.clause_delimiters)}]", since)
    subjects = (*rules.customer_subjects, *rules.first_person)
    return not any(c.strip().startswith(subjects) for c in clauses)


def in_a_report(view: TextView, start: int) -> bool:
    """The keyword is inside what a report says (新闻, 报道, 听说 … earlier in the same sentence)."""
    lead = view.norm[view.sentence_start(start) : start]
    return _last_cue_end(lead, view.rules.scope.report_cues) >= 0


def declined_after(view: TextView, end: int) -> bool:
    """The complainant turns the thing down soon after it (…全额退保，我没理 / 找停息挂账的公司我没去 /
    说能帮他停息挂账，收费3000元，客户没有理会).

    Only a short refusal counts, in the keyword's clause or standing alone as one of the next
    `decline_reach` clauses of the sentence: "…，我没同意和解" refuses something else.
    """
    rules = view.rules.scope
    _, clause_end = view.clause(end - 1)
    tail = view.norm[end : min(clause_end, end + rules.window)]
    if any(c in tail and len(tail) <= tail.find(c) + len(c) + 3 for c in rules.decline_cues):
        return True
    sentence_end = view.sentence_end(end - 1)
    pos = clause_end + 1
    for _ in range(rules.decline_reach):
        if pos >= sentence_end:
            return False
        clause_start, next_end = view.clause(pos)
        if _short_refusal(view.norm[clause_start:next_end].strip(), rules.decline_cues):
            return True
        pos = next_end + 1
    return False


def _short_refusal(clause: str, cues: list[str]) -> bool:
    """The clause is a refusal and little else: a cue with at most a subject before it and a word after."""
    for cue in cues:
        at = clause.find(cue)
        if 0 <= at <= 3 and len(clause) - at - len(cue) <= 3:
            return True
    return False


def about_an_old_matter(view: TextView, start: int) -> bool:
    """The keyword's clause is about the past (去年, 早就 …) or a closed matter, and nothing says it goes on."""
    rules = view.rules.scope
    clause_start, clause_end = view.clause(start)
    clause = view.norm[clause_start:clause_end]
    sentence = view.norm[view.sentence_start(start) : view.sentence_end(start)]
    old = any(c in clause for c in rules.past_cues) or any(c in clause for c in rules.closed_cues)
    return old and not any(c in sentence for c in rules.ongoing_cues)


def _consequence_started(rest: str, rules: HypotheticalRules, delimiters: str) -> bool:
    return any(m in rest for m in rules.consequent_markers) or any(d in rest for d in delimiters)


def in_antecedent(view: TextView, start: int) -> bool:
    """The span sits between a conditional marker and the start of its consequence."""
    rules = view.rules.hypothetical
    lead = view.norm[view.sentence_start(start) : start]
    marker_end = _last_cue_end(lead, rules.markers)
    if marker_end < 0:
        return False
    return not _consequence_started(lead[marker_end:], rules, view.rules.clause_delimiters)


def in_consequent(view: TextView, start: int) -> bool:
    """The span is the consequence of a condition (a threat: 否则 / 不然 / 如果 … 就)."""
    rules = view.rules.hypothetical
    lead = view.norm[view.sentence_start(start) : start]
    if any(m in lead for m in rules.threat_markers):
        return True
    marker_end = _last_cue_end(lead, rules.markers)
    if marker_end < 0:
        return False
    return _consequence_started(lead[marker_end:], rules, view.rules.clause_delimiters)


class Segmenter:
    """jieba word segmentation, initialised once with the rules' own words."""

    def __init__(self, *, words: list[str]) -> None:
        """Load the jieba dictionary once and teach it the lexicon words."""
        jieba.setLogLevel(logging.WARNING)
        self._tokenizer = jieba.Tokenizer()
        self._tokenizer.initialize()
        for word in words:
            self._tokenizer.add_word(word, freq=100000)

    def tokens(self, text: str) -> list[tuple[str, int, int]]:
        """(word, start, end) tokens of `text`."""
        return [(str(w), int(s), int(e)) for w, s, e in self._tokenizer.tokenize(text)]

    def boundaries(self, text: str) -> set[int]:
        """Every token start and end offset of `text`."""
        marks: set[int] = set()
        for _, start, end in self.tokens(text):
            marks.update((start, end))
        return marks
