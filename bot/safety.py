"""Safety rules: the red-flag and crisis phrases and the replies they trigger.

This module only reads and checks ``bot/knowledge/safety.yml`` (and, for the numbers its
messages give, ``emergency_numbers.yml``); the spaCy matching that applies the rules
lives in :mod:`bot.red_flags` so the action server never imports spaCy.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from functools import lru_cache
from pathlib import Path

from bot import emergency_numbers
from bot.emergency_numbers import NUMBERS_FILE, Country, EmergencyNumbers, Phone, merge_phones
from bot.knowledge import KNOWLEDGE_DIR, KnowledgeError, YamlFile

SAFETY_FILE = KNOWLEDGE_DIR / "safety.yml"
_GAP = re.compile(r"~(\d)")
NUMBER = "#num"  # stands for any number in a phrase
FEVER = "#fever"  # stands for a number in a fever range
FEVER_DECIMAL = "#feverdec"  # the same, written with a decimal point ("38.6", "100,8")
NUMBERS = (NUMBER, FEVER, FEVER_DECIMAL)
START, END = "^", "$"  # the phrase starts / ends the message
# the placeholders each message must fill (see bot/knowledge/emergency_numbers.yml)
NEEDED = {"emergency": {"emergency", "poison"}, "crisis": {"emergency", "crisis_lines"}}


RED_FLAG_ENTITY = "red_flag"  # the entity naming each rule group that fired
BACKSTOP_GROUP = "backstop"  # "<alarm>.backstop": raised by bot.safety_backstop, not a rule


def alarm_of(group: str) -> Alarm:
    """The alarm of a red-flag group: ``emergency.chest_pain`` -> :attr:`Alarm.EMERGENCY`."""
    return Alarm(group.split(".", 1)[0])


def alarms_of(groups: Iterable[str]) -> frozenset[Alarm]:
    """The alarms the red-flag ``groups`` raise."""
    return frozenset(alarm_of(g) for g in groups)


def raised_by_rules(groups: Iterable[str]) -> bool:
    """Whether any of the red-flag ``groups`` ("emergency.chest_pain") is a rule's."""
    return any(g.split(".", 1)[-1] != BACKSTOP_GROUP for g in groups)


class Alarm(str, Enum):
    """What a message needs before anything else. The value is the intent it forces."""

    EMERGENCY = "emergency"
    CRISIS = "crisis"


@dataclass(frozen=True)
class Phrase:
    """One rule phrase: a sequence of word alternatives, with optional gaps.

    ``steps`` holds, in order, either a tuple of alternative words or an ``int`` gap (the
    number of other words allowed there). A word starting with ``=`` is matched exactly,
    others by lemma; ``#num`` matches any number.
    """

    group: str
    source: str
    steps: tuple[tuple[str, ...] | int, ...]
    at_start: bool = False
    at_end: bool = False


@dataclass(frozen=True)
class SafetyRules:
    """The rules, as written in the safety file (before lemmatisation)."""

    phrases: Mapping[Alarm, tuple[Phrase, ...]]
    past_markers: tuple[Phrase, ...]
    ignore: tuple[Phrase, ...]
    crisis_ignore: tuple[Phrase, ...]
    negations: tuple[str, ...]
    messages: Mapping[Alarm, str]  # templates, filled with a country's numbers
    numbers: EmergencyNumbers
    messages_for_someone_else: Mapping[Alarm, str] = field(default_factory=dict)
    poison_groups: frozenset[str] = frozenset()  # "emergency.overdose": name the poison centre
    fever_ranges: tuple[tuple[float, float], ...] = ((38.0, 45.0), (100.4, 113.0))
    other_languages: Mapping[Alarm, tuple[str, ...]] = field(default_factory=dict)
    backstop: Mapping[Alarm, float] = field(default_factory=dict)  # see bot.safety_backstop

    def words(self) -> list[str]:
        """Every word the rules are written in, as written ("=took", "breathe")."""
        every = (
            *(p for ps in self.phrases.values() for p in ps),
            *self.past_markers,
            *self.ignore,
            *self.crisis_ignore,
        )
        return [
            w
            for phrase in every
            for step in phrase.steps
            if isinstance(step, tuple)
            for w in step
            if w not in NUMBERS
        ]

    def message(
        self,
        alarm: Alarm,
        country: str | None = None,
        for_someone_else: bool = False,
        groups: Iterable[str] = (),
    ) -> str:
        """The guidance for ``alarm``, with the numbers of ``country`` (None: unknown).

        ``groups`` are the rule groups that fired ("emergency.overdose"); for swallowed
        tablets the poison centre is named too, where the country has one.
        """
        return self.numbers.fill(*self._filling(alarm, country, for_someone_else, groups))

    def phones(
        self,
        alarms: Iterable[Alarm],
        country: str | None = None,
        for_someone_else: bool = False,
        groups: Iterable[str] = (),
    ) -> tuple[Phone, ...]:
        """The numbers the guidance for ``alarms`` gives (see :meth:`message`), each once."""
        fired = tuple(groups)
        return merge_phones(
            phone
            for alarm in alarms
            for phone in self.numbers.phones_given(
                *self._filling(alarm, country, for_someone_else, fired)
            )
        )

    def _filling(
        self, alarm: Alarm, country: str | None, for_someone_else: bool, groups: Iterable[str]
    ) -> tuple[str, Country | None, bool]:
        """The template, the country and whether tablets were swallowed, for filling."""
        templates = self.messages_for_someone_else if for_someone_else else self.messages
        poisoning = bool(self.poison_groups & set(groups))
        return templates[alarm], self.numbers.country(country), poisoning

    def is_fever(self, value: float) -> bool:
        """Whether ``value`` is a temperature in a fever range."""
        return any(low <= value <= high for low, high in self.fever_ranges)

    def is_normal_temperature(self, value: float) -> bool:
        """Whether ``value`` is a body temperature below the fever ranges."""
        return 34.0 <= value < self.fever_ranges[0][0] or 93.0 <= value < self.fever_ranges[-1][0]


def parse_phrase(group: str, source: str) -> Phrase:
    """Parse ``"lip|face ~3 swell"`` into steps; raise ``ValueError`` on bad syntax."""
    steps: list[tuple[str, ...] | int] = []
    parts = source.split()
    at_start = bool(parts) and parts[0] == START
    at_end = len(parts) > 1 and parts[-1] == END
    parts = parts[int(at_start) : len(parts) - int(at_end)]
    for part in parts:
        gap = _GAP.fullmatch(part)
        if gap:
            steps.append(int(gap.group(1)))
            continue
        words = tuple(w for w in part.lower().split("|"))
        if any(not w.strip("=") for w in words) or part.startswith("~"):
            raise ValueError(f"bad word '{part}' in phrase '{source}'")
        if len(words) > 1 and set(NUMBERS) & set(words):
            raise ValueError(f"numbers cannot be alternatives in phrase '{source}'")
        if len({w.startswith("=") for w in words}) > 1:
            raise ValueError(f"mix of exact and lemma words in '{part}' of '{source}'")
        steps.append(words)
    if not steps or isinstance(steps[0], int) or isinstance(steps[-1], int):
        raise ValueError(f"phrase '{source}' must start and end with a word")
    return Phrase(group, source, tuple(steps), at_start=at_start, at_end=at_end)


def load_rules(path: Path = SAFETY_FILE, numbers_path: Path = NUMBERS_FILE) -> SafetyRules:
    """Read and check the safety and numbers files; raise :class:`KnowledgeError` naming one."""
    r = YamlFile(path)

    def phrases(group: str, items: object) -> tuple[Phrase, ...]:
        try:
            return tuple(parse_phrase(group, p) for p in r.texts(items, group))
        except ValueError as exc:
            raise r.fail(str(exc)) from None

    by_alarm: dict[Alarm, tuple[Phrase, ...]] = {}
    for alarm in Alarm:
        groups = r.mapping(r.data.get(alarm.value), alarm.value)
        by_alarm[alarm] = tuple(
            p for name, items in groups.items() for p in phrases(f"{alarm.value}.{name}", items)
        )
    templates = {
        key: {
            a: _template(r, r.mapping(r.data.get(key), key).get(a.value), f"{key}.{a.value}")
            for a in Alarm
        }
        for key in ("messages", "messages_for_someone_else")
    }
    poison_groups = frozenset(
        f"{Alarm.EMERGENCY.value}.{g}"
        for g in r.texts(r.data.get("poison_groups"), "poison_groups")
    )
    unknown = sorted(poison_groups - {p.group for p in by_alarm[Alarm.EMERGENCY]})
    if unknown:
        raise r.fail(f"poison_groups names unknown emergency groups: {', '.join(unknown)}")
    ranges = r.data.get("fever_ranges")
    if not (
        isinstance(ranges, list)
        and ranges
        and all(
            isinstance(x, list) and len(x) == 2 and all(isinstance(v, (int, float)) for v in x)
            for x in ranges
        )
    ):
        raise r.fail("fever_ranges must be a list of [low, high] temperatures")
    foreign = r.mapping(r.data.get("other_languages"), "other_languages")
    backstop = r.mapping(r.data.get("backstop"), "backstop")
    for a in Alarm:
        value = backstop.get(a.value)
        if not isinstance(value, float) or not 0.5 <= value < 1:
            raise r.fail(f"backstop.{a.value} must be a probability from 0.5 up to (not) 1")
    return SafetyRules(
        backstop={a: float(backstop[a.value]) for a in Alarm},
        other_languages={
            a: tuple(w.lower() for w in r.texts(foreign.get(a.value), f"other_languages.{a.value}"))
            for a in Alarm
        },
        fever_ranges=tuple((float(lo), float(hi)) for lo, hi in ranges),
        phrases=by_alarm,
        past_markers=phrases("past_markers", r.data.get("past_markers")),
        ignore=phrases("ignore", r.data.get("ignore")),
        crisis_ignore=phrases("crisis_ignore", r.data.get("crisis_ignore")),
        negations=r.texts(r.data.get("negations"), "negations"),
        messages=templates["messages"],
        messages_for_someone_else=templates["messages_for_someone_else"],
        numbers=emergency_numbers.load(numbers_path),
        poison_groups=poison_groups,
    )


def _template(r: YamlFile, value: object, where: str) -> str:
    """A message template, checked to fill what its alarm needs and nothing else."""
    template = r.text(value, where)
    try:
        fields = emergency_numbers.template_fields(template)
    except ValueError as exc:
        raise r.fail(f"{where}: {exc}") from None
    missing = NEEDED[where.rsplit(".", 1)[1]] - fields
    if missing:
        raise r.fail(f"{where} must contain {', '.join('{' + m + '}' for m in sorted(missing))}")
    return template


@lru_cache(maxsize=1)
def default_rules() -> SafetyRules:
    """The project's safety rules, loaded once per process on first use."""
    return load_rules()


__all__ = ["Alarm", "KnowledgeError", "Phrase", "SafetyRules", "default_rules", "load_rules"]
