"""Apply the safety rules to a message with a spaCy ``Matcher`` over word lemmas."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bot.knowledge import KnowledgeError
from bot.nlp import lemmas
from bot.safety import NUMBER, SAFETY_FILE, Alarm, Phrase, SafetyRules

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc, Span

_SENTENCE_ENDS = {".", "!", "?", ";", "\n"}
_NEGATION_WINDOW = 3  # a negation this many words before a red flag cancels it
_PAST = "past_marker"
_IGNORE = "ignore"


@dataclass(frozen=True)
class Finding:
    """What the rules found in one message."""

    alarms: frozenset[Alarm]
    groups: tuple[str, ...]  # e.g. ("emergency.chest_pain",), in message order

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
        elif step == (NUMBER,):
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
        self.matcher = Matcher(nlp.vocab)
        for phrases in rules.phrases.values():
            for phrase in phrases:
                self.matcher.add(phrase.group, [_token_patterns(nlp, phrase)])
        for label, markers in ((_PAST, rules.past_markers), (_IGNORE, rules.ignore)):
            self.matcher.add(label, [_token_patterns(nlp, m) for m in markers])
        self.negations = {lemma for word in rules.negations for lemma in lemmas(nlp, word)}

    def find(self, text: str) -> Finding:
        """Assess ``text`` (any case)."""
        return self.find_in_doc(self.nlp(text.lower()))

    def find_in_doc(self, doc: Doc) -> Finding:
        """Assess an already processed, lower-cased ``doc``."""
        spans = [(self.nlp.vocab.strings[m], doc[s:e]) for m, s, e in self.matcher(doc)]
        past_sentences = {_sentence_of(doc, span.start) for label, span in spans if label == _PAST}
        ignored = {
            i for label, span in spans if label == _IGNORE for i in range(span.start, span.end)
        }
        groups: list[str] = []
        for label, span in sorted(spans, key=lambda item: item[1].start):
            if label in (_PAST, _IGNORE) or label in groups:
                continue
            alarm = Alarm(label.split(".", 1)[0])
            if alarm is Alarm.EMERGENCY and (
                _sentence_of(doc, span.start) in past_sentences
                or self._negated(doc, span)
                or ignored.issuperset(range(span.start, span.end))
            ):
                continue
            groups.append(label)
        alarms = frozenset(Alarm(g.split(".", 1)[0]) for g in groups)
        return Finding(alarms=alarms, groups=tuple(groups))

    def _negated(self, doc: Doc, span: Span) -> bool:
        window = doc[max(0, span.start - _NEGATION_WINDOW) : span.start]
        return any(t.lemma_.lower() in self.negations for t in window)


def _sentence_of(doc: Doc, index: int) -> int:
    """Number of the sentence holding token ``index`` (split at . ! ? ; and newlines)."""
    return sum(1 for t in doc[:index] if t.text in _SENTENCE_ENDS or "\n" in t.text)
