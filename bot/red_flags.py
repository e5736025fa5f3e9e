"""Apply the safety rules to a message with a spaCy ``Matcher`` over word lemmas."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bot.knowledge import KnowledgeError
from bot.nlp import lemmas
from bot.safety import (
    FEVER,
    FEVER_DECIMAL,
    NUMBERS,
    SAFETY_FILE,
    Alarm,
    Phrase,
    SafetyRules,
    alarm_of,
    alarms_of,
)

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc, Span, Token

_SENTENCE_ENDS = {".", "!", "?", ";", "\n"}
_NEGATION_WINDOW = 4  # a negation this many words before a red flag cancels it
_CRISIS_NEGATION_WINDOW = 2  # "not (feeling) suicidal"; "not sure, I want to die" counts
_LATIN_ONLY = re.compile(r"[a-z\u00c0-\u024f\s'-]+")
OTHER_LANGUAGE = "other_language"  # the group of a red flag found in another language
_UNITS = re.compile(r"(\d)(°?[cfCF])\b")  # "38c" -> "38 c", so the number is one token
_PAST = "past_marker"
_IGNORE = "ignore"
_CRISIS_IGNORE = "crisis_ignore"
# "I think about not waking up" is crisis, not unconsciousness: a fainting match that
# overlaps a crisis match is dropped (an overdose beside a crisis is kept: both apply)
_FAINTING = "emergency.fainting"


@dataclass(frozen=True)
class Finding:
    """What the rules found in one message."""

    alarms: frozenset[Alarm]
    groups: tuple[str, ...]  # e.g. ("emergency.chest_pain",), in message order
    # red flags the rules matched and set aside: negated, past, inside an ignore phrase
    dismissed: tuple[str, ...] = ()

    @property
    def alarm(self) -> Alarm | None:
        """The alarm that decides the intent: crisis before emergency."""
        for alarm in (Alarm.CRISIS, Alarm.EMERGENCY):
            if alarm in self.alarms:
                return alarm
        return None


def _token_patterns(nlp: Language, phrase: Phrase) -> list[dict[str, Any]]:
    pattern: list[dict[str, Any]] = []
    for step in phrase.steps:
        if isinstance(step, int):
            pattern.extend({"OP": "?"} for _ in range(step))
        elif len(step) == 1 and step[0] in NUMBERS:
            pattern.append({"LIKE_NUM": True})
        elif step[0].startswith("="):
            pattern.append({"LOWER": {"IN": [w[1:] for w in step]}})
        elif len(step) == 1:
            pattern.extend({"LEMMA": lemma} for lemma in lemmas(nlp, step[0]))
        else:
            alternatives = [lemmas(nlp, w) for w in step]
            if any(len(a) != 1 for a in alternatives):
                raise KnowledgeError(
                    f"{SAFETY_FILE}: alternatives must be single words in '{phrase.source}'"
                )
            pattern.append({"LEMMA": {"IN": sorted({a[0] for a in alternatives})}})
    return pattern


class RedFlagMatcher:
    """Finds emergency and crisis phrases in a message, ignoring negated or past ones."""

    def __init__(self, nlp: Language, rules: SafetyRules) -> None:
        """Compile ``rules`` against ``nlp``'s tokenizer and lemmatizer."""
        from spacy.matcher import Matcher

        self.nlp = nlp
        self.rules = rules
        self.matcher = Matcher(nlp.vocab)
        self.phrases: dict[str, Phrase] = {}  # by the key each phrase is matched under
        for phrases in rules.phrases.values():
            for index, phrase in enumerate(phrases):
                key = f"{phrase.group}#{index}"
                self.phrases[key] = phrase
                self.matcher.add(key, [_token_patterns(nlp, phrase)])
        for label, markers in (
            (_PAST, rules.past_markers),
            (_IGNORE, rules.ignore),
            (_CRISIS_IGNORE, rules.crisis_ignore),
        ):
            self.matcher.add(label, [_token_patterns(nlp, m) for m in markers])
        self.negations = {lemma for word in rules.negations for lemma in lemmas(nlp, word)}
        # phrases that hold a negation of their own ("can't breathe"): one inside them is theirs
        self.own_negation = {
            key
            for key, phrase in self.phrases.items()
            if any(
                set(lemmas(nlp, w.lstrip("="))) & self.negations
                for step in phrase.steps
                if isinstance(step, tuple)
                for w in step
                if not w.startswith("#")
            )
        }
        self.foreign = {
            alarm: _foreign_pattern(words) for alarm, words in rules.other_languages.items()
        }

    def find(self, text: str, original: str | None = None) -> Finding:
        """Assess ``text`` (any case).

        Other languages are read in ``original`` when given: the text before English
        spelling correction, which mangles other languages.
        """
        lower = text.lower()
        finding = self.find_in_doc(self.nlp(_UNITS.sub(r"\1 \2", lower)))
        unchanged = (original or text).lower()
        foreign = [
            f"{alarm.value}.{OTHER_LANGUAGE}"
            for alarm, pattern in self.foreign.items()
            if pattern is not None and pattern.search(unchanged)
        ]
        if not foreign:
            return finding
        groups = (*finding.groups, *(g for g in foreign if g not in finding.groups))
        alarms = alarms_of(groups)
        return Finding(alarms=alarms, groups=groups, dismissed=finding.dismissed)

    def find_in_doc(self, doc: Doc) -> Finding:
        """Assess an already processed, lower-cased ``doc``."""
        sentences = _sentence_ids(doc)
        spans = [(self.nlp.vocab.strings[m], doc[s:e]) for m, s, e in self.matcher(doc)]
        spans = [(label, span) for label, span in spans if self._fits(label, span)]
        past_sentences = {sentences[span.start] for label, span in spans if label == _PAST}
        normal_sentences = {
            sentences[t.i]
            for t in doc
            if t.like_num
            and (v := _number(t.text)) is not None
            and self.rules.is_normal_temperature(v)
        }
        ignored = _covered(spans, _IGNORE)
        crisis_ignored = _covered(spans, _CRISIS_IGNORE)
        crises = [  # the crisis matches that count: not negated, not inside crisis_ignore
            span
            for label, span in spans
            if label.startswith(Alarm.CRISIS.value)
            and not self._negated(span, sentences, crisis=True)
            and not crisis_ignored.issuperset(range(span.start, span.end))
        ]
        crisis_tokens = {i for span in crises for i in range(span.start, span.end)}
        groups: list[str] = []
        dismissed: list[str] = []
        for key, span in sorted(spans, key=lambda item: item[1].start):
            if key in (_PAST, _IGNORE, _CRISIS_IGNORE):
                continue
            label = self.phrases[key].group
            if label in groups:
                continue
            alarm = alarm_of(label)
            if alarm is Alarm.CRISIS and span not in crises:
                dismissed.append(label)
                continue
            sentence = sentences[span.start]
            if alarm is Alarm.EMERGENCY and (
                sentence in past_sentences
                or self._negated(span, sentences)
                or self._negated_inside(key, span)
                or ignored.issuperset(range(span.start, span.end))
                or (label == _FAINTING and crisis_tokens.intersection(range(span.start, span.end)))
                or (label.endswith("serious_infection") and sentence in normal_sentences)
            ):
                dismissed.append(label)
                continue
            groups.append(label)
        alarms = alarms_of(groups)
        return Finding(alarms=alarms, groups=tuple(groups), dismissed=tuple(dismissed))

    def _fits(self, key: str, span: Span) -> bool:
        """Whether a match meets its phrase's anchors and fever numbers."""
        phrase = self.phrases.get(key)
        if phrase is None:
            return True
        if phrase.at_start or phrase.at_end:
            words = [t for t in span.doc if not t.is_punct and not t.is_space]
            if phrase.at_start and (not words or span.start > words[0].i):
                return False
            if phrase.at_end and (not words or span.end <= words[-1].i):
                return False
        if (FEVER,) in phrase.steps or (FEVER_DECIMAL,) in phrase.steps:
            decimal = (FEVER_DECIMAL,) in phrase.steps
            values = [
                _number(t.text) for t in span if t.like_num and (not decimal or _decimal(t.text))
            ]
            return any(v is not None and self.rules.is_fever(v) for v in values)
        return True

    def _negated_inside(self, key: str, span: Span) -> bool:
        """A negation within a phrase that has none of its own ("lips aren't swollen")."""
        if key in self.own_negation:
            return False
        return any(t.lemma_.lower() in self.negations and not _interjection(t) for t in span)

    def _negated(self, span: Span, sentences: list[int], crisis: bool = False) -> bool:
        size = _CRISIS_NEGATION_WINDOW if crisis else _NEGATION_WINDOW
        window = span.doc[max(0, span.start - size) : span.start]
        return any(
            t.lemma_.lower() in self.negations
            and sentences[t.i] == sentences[span.start]
            and not _interjection(t)
            for t in window
        )


def _foreign_pattern(words: tuple[str, ...]) -> re.Pattern[str] | None:
    """One regex for the other-language red flags: Latin entries start a word."""
    if not words:
        return None
    parts = [rf"\b{re.escape(w)}" if _LATIN_ONLY.fullmatch(w) else re.escape(w) for w in words]
    return re.compile("|".join(parts))


def _covered(spans: list[tuple[str, Span]], label: str) -> set[int]:
    """Token indices inside the spans matched under ``label``."""
    return {i for name, span in spans if name == label for i in range(span.start, span.end)}


def _interjection(token: Token) -> bool:
    """Whether ``token`` is "no" as in "oh no, ..." or "no, ...", negating nothing."""
    doc = token.doc
    before = doc[token.i - 1].lower_ if token.i > 0 else ""
    after = doc[token.i + 1] if token.i + 1 < len(doc) else None
    return token.lower_ == "no" and (before == "oh" or (after is not None and after.is_punct))


def _decimal(text: str) -> bool:
    """Whether ``text`` is a number written with a decimal point ("38.6", "100,8")."""
    return bool(re.fullmatch(r"\d+[.,]\d+", text))


def _number(text: str) -> float | None:
    """``text`` as a number ("38,5" too), or None."""
    try:
        return float(text.replace(",", "."))
    except ValueError:
        return None


def _sentence_ids(doc: Doc) -> list[int]:
    """The number of the sentence holding each token (split at . ! ? ; and newlines).

    A sentence end belongs to the sentence it ends; the next token starts the next one.
    """
    ids, current = [], 0
    for token in doc:
        ids.append(current)
        if token.text in _SENTENCE_ENDS or "\n" in token.text:
            current += 1
    return ids
