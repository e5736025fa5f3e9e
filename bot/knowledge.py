"""The curated fact set: typed records, loaded from ``bot/knowledge/*.yml`` and validated.

A broken or incomplete file raises :class:`KnowledgeError` naming the file and the problem,
so the servers refuse to start instead of answering with gaps.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from string import Formatter
from typing import Any

import yaml

KNOWLEDGE_DIR = Path(__file__).resolve().parent / "knowledge"
MAX_QUOTE_WORDS = 9  # a pointer into the source, never a copy of one of its sentences
REQUIRED_PHRASES = frozenset(
    {
        "side_effect_listed",
        "side_effect_not_listed",
        "side_effect_unknown",
        "side_effect_unknown_after",
        "more_none",
        "more_which_topic",
        "more_button",
        "menu_prompt",
        "out_of_scope",
        "not_understood",
        "did_you_mean",
        "something_else",
        "feedback_yes_button",
        "feedback_no_button",
        "feedback_thanks",
        "feedback_sorry",
        "what_to_do_unknown",
        "how_common_unknown",
        "source_line",
        "forgotten",
        "not_forgotten",
        "not_saved",
        "action_unavailable",
        "feelings_lead",
        "likely_alarm_lead",
        "safety_line",
        "alert_heading_emergency",  # what an alert is headed, by its level (bot.safety.Alarm)
        "alert_heading_crisis",
        # the channels' own replies (bot/channels/wording.py)
        "media_only",
        "handling_failed",
        "unreadable",
        "session_ended",
        "busy",
        "choose_prompt",
        "numbered_list_prompt",
        "take_it_along_web",  # after "I'll ask my doctor": save or print this (the widget)
        "take_it_along",  # ... on a messaging app
    }
)

# every text of the web widget's own (widget.yml), by its dotted key, with the placeholders
# it must have: exactly these keys, no more (the widget's code names each)
WIDGET_TEXTS: Mapping[str, frozenset[str]] = {
    key: frozenset(placeholders)
    for key, *placeholders in (
        ("language",),
        ("title",),
        ("launcher_label",),
        ("status.connecting",),
        ("status.reconnecting",),
        ("status.unavailable",),
        ("speakers.user",),
        ("speakers.bot",),
        ("speakers.note",),
        ("close",),
        ("larger_panel",),
        ("text_size",),
        ("text_size_sample",),
        ("text_sizes.normal",),
        ("text_sizes.large",),
        ("text_sizes.largest",),
        ("more",),
        ("conversation_tools",),
        ("save",),
        ("print",),
        ("start_over",),
        ("start_over_question",),
        ("keep_conversation",),
        ("confirm_start_over",),
        ("conversation",),
        ("typing",),
        ("suggested_replies",),
        ("input_label",),
        ("input_placeholder",),
        ("input_hint",),
        ("send",),
        ("characters_left", "left", "limit"),
        ("no_characters_left", "limit"),
        ("paste_cut", "pasted", "kept", "limit"),
        ("no_answer",),
        ("delivery.queued",),
        ("delivery.failed",),
        ("delivery.no_answer",),
        ("retry",),
        ("transcript.speakers.user",),
        ("transcript.speakers.bot",),
        ("transcript.saved", "date"),
        ("transcript.file_name", "date"),
    )
}


class KnowledgeError(ValueError):
    """A fact file is missing, unreadable or inconsistent."""


@dataclass(frozen=True)
class SourceInfo:
    """Where the facts come from."""

    publisher: str
    title: str
    last_updated: datetime.date


@dataclass(frozen=True)
class Fact:
    """One plain-language statement, tied to the passage of the source it comes from."""

    id: str
    text: str
    source_quote: str


@dataclass(frozen=True)
class Topic:
    """A patient topic: the intent that asks for it and the facts that answer it."""

    id: str
    intent: str
    title: str
    facts: tuple[str, ...]
    more: tuple[str, ...] = ()
    how_common: tuple[str, ...] = ()
    note: str | None = None
    lists_side_effects: bool = False


@dataclass(frozen=True)
class Referral:
    """What the bot says to a question the source does not answer, and what asks it.

    Reached by its ``intent``, by its ``terms`` in any message, or by its
    ``context_terms`` while it is the topic in hand. With ``needs_topic``, its terms count
    only when one of those topics is in the message or in hand, but its ``own_terms``
    ("sperm") always do. ``facts`` are what the source does say that bears on the
    question.
    """

    id: str
    title: str
    text: str
    intent: str | None = None
    terms: tuple[str, ...] = ()
    context_terms: tuple[str, ...] = ()
    needs_topic: tuple[str, ...] = ()
    own_terms: tuple[str, ...] = ()
    facts: tuple[str, ...] = ()


@dataclass(frozen=True)
class Languages:
    """The notice for a message in another language, in that language where known."""

    english: str
    notices: Mapping[str, str]
    english_words: frozenset[str]
    neutral_words: frozenset[str] = frozenset()  # names used in every language

    def notice(self, language: str) -> str:
        """The notice in ``language`` (lingua's name, e.g. "SPANISH"), else in English."""
        return self.notices.get(language.upper(), self.english)


@dataclass(frozen=True)
class Symptom:
    """A side effect, listed in the source (with its quote) or not listed."""

    id: str
    name: str
    synonyms: tuple[str, ...]
    listed: bool
    source_quote: str | None = None


@dataclass(frozen=True)
class Knowledge:
    """Everything the bot may say about mycophenolate, in one validated object."""

    source: SourceInfo
    disclaimer: str
    disclaimer_short: str  # its short form: the web widget's standing notice
    facts: Mapping[str, Fact]
    topics: Mapping[str, Topic]
    menu: tuple[str, ...]
    symptoms: Mapping[str, Symptom]
    topic_terms: Mapping[str, tuple[str, ...]]
    drug_names: tuple[str, ...]
    referrals: Mapping[str, Referral]
    phrases: Mapping[str, str]
    other_person_words: tuple[str, ...]
    feeling_words: tuple[str, ...]
    care_team_words: tuple[str, ...]  # asking the care team: a closing offers to print
    languages: Languages
    widget_texts: Mapping[str, str]  # the web widget's own, by the keys of WIDGET_TEXTS

    def topic_for_intent(self, intent: str) -> Topic | None:
        """The topic answered for ``intent``, if any."""
        return next((t for t in self.topics.values() if t.intent == intent), None)

    def referral_for_intent(self, intent: str) -> Referral | None:
        """The referral answered for ``intent``, if any."""
        return next((r for r in self.referrals.values() if r.intent == intent), None)

    @property
    def intent_titles(self) -> dict[str, str]:
        """A short title for every intent the bot answers from this knowledge."""
        titles = {t.intent: t.title for t in self.topics.values()}
        titles.update({r.intent: r.title for r in self.referrals.values() if r.intent})
        return titles

    @property
    def source_line(self) -> str:
        """The short line saying where the facts come from and how old they are."""
        return self.phrases["source_line"].format(
            publisher=self.source.publisher, updated=self.source.last_updated
        )

    @property
    def side_effects_topic(self) -> Topic:
        """The topic that lists the side effects (the loader checks there is one)."""
        return next(t for t in self.topics.values() if t.lists_side_effects)

    @property
    def listed_symptoms(self) -> tuple[Symptom, ...]:
        """The side effects the source lists, in the source's order."""
        return tuple(s for s in self.symptoms.values() if s.listed)


class YamlFile:
    """One YAML file of the fact set; its checks report problems with the file's name."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise KnowledgeError(f"{path}: fact file is missing") from None
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
            raise KnowledgeError(f"{path}: cannot be read: {exc}") from None
        self.data = self.mapping(data, "the file")

    def fail(self, message: str) -> KnowledgeError:
        """An error about this file."""
        return KnowledgeError(f"{self.path}: {message}")

    def mapping(self, value: Any, where: str) -> dict[str, Any]:
        """``value`` checked to be a non-empty mapping."""
        if not isinstance(value, dict) or not value:
            raise self.fail(f"{where} must be a non-empty mapping")
        return value

    def text(self, value: Any, where: str) -> str:
        """``value`` checked to be non-empty text, with its whitespace folded."""
        if not isinstance(value, str) or not value.strip():
            raise self.fail(f"{where} must be non-empty text")
        return " ".join(value.split())

    def texts(self, value: Any, where: str) -> tuple[str, ...]:
        """``value`` checked to be a non-empty list of texts."""
        if not isinstance(value, list) or not value:
            raise self.fail(f"{where} must be a non-empty list")
        return tuple(self.text(v, f"{where}[{i}]") for i, v in enumerate(value))

    def quote(self, value: Any, where: str) -> str:
        """A source quote: short enough to point at the source, never to copy it."""
        quote = self.text(value, where)
        if len(re.findall(r"[a-z0-9]+", quote.lower())) > MAX_QUOTE_WORDS:
            raise self.fail(f"{where} must be at most {MAX_QUOTE_WORDS} words")
        return quote


def _read_source(r: YamlFile) -> SourceInfo:
    raw = r.mapping(r.data.get("source"), "source")
    updated = raw.get("last_updated")
    if not isinstance(updated, datetime.date):
        raise r.fail("source.last_updated must be a date (YYYY-MM-DD)")
    return SourceInfo(
        publisher=r.text(raw.get("publisher"), "source.publisher"),
        title=r.text(raw.get("title"), "source.title"),
        last_updated=updated,
    )


def _read_facts(r: YamlFile) -> dict[str, Fact]:
    facts = {}
    for fact_id, raw in r.mapping(r.data.get("facts"), "facts").items():
        entry = r.mapping(raw, f"facts.{fact_id}")
        facts[fact_id] = Fact(
            id=fact_id,
            text=r.text(entry.get("text"), f"facts.{fact_id}.text"),
            source_quote=r.quote(entry.get("source_quote"), f"facts.{fact_id}.source_quote"),
        )
    return facts


def _read_topics(r: YamlFile, facts: Mapping[str, Fact]) -> dict[str, Topic]:
    topics: dict[str, Topic] = {}
    for topic_id, raw in r.mapping(r.data.get("topics"), "topics").items():
        entry = r.mapping(raw, f"topics.{topic_id}")
        where = f"topics.{topic_id}"
        fact_ids = r.texts(entry.get("facts"), f"{where}.facts")
        more = r.texts(entry["more"], f"{where}.more") if "more" in entry else ()
        common = (
            r.texts(entry["how_common"], f"{where}.how_common") if "how_common" in entry else ()
        )
        for fact_id in (*fact_ids, *more, *common):
            if fact_id not in facts:
                raise r.fail(f"{where} names unknown fact '{fact_id}'")
        note = entry.get("note")
        topics[topic_id] = Topic(
            id=topic_id,
            intent=r.text(entry.get("intent"), f"{where}.intent"),
            title=r.text(entry.get("title"), f"{where}.title"),
            facts=fact_ids,
            more=more,
            how_common=common,
            note=None if note is None else r.text(note, f"{where}.note"),
            lists_side_effects=bool(entry.get("lists_side_effects", False)),
        )
    intents = [t.intent for t in topics.values()]
    if len(set(intents)) != len(intents):
        raise r.fail("two topics answer the same intent")
    if sum(t.lists_side_effects for t in topics.values()) != 1:
        raise r.fail("exactly one topic must set lists_side_effects")
    return topics


def _read_symptoms(r: YamlFile) -> dict[str, Symptom]:
    symptoms: dict[str, Symptom] = {}
    for listed, section in ((True, "listed"), (False, "not_listed")):
        for symptom_id, raw in r.mapping(r.data.get(section), section).items():
            entry = r.mapping(raw, f"{section}.{symptom_id}")
            if symptom_id in symptoms:
                raise r.fail(f"symptom '{symptom_id}' is defined twice")
            quote = entry.get("source_quote")
            if listed and quote is None:
                raise r.fail(f"listed.{symptom_id} needs a source_quote")
            symptoms[symptom_id] = Symptom(
                id=symptom_id,
                name=r.text(entry.get("name"), f"{section}.{symptom_id}.name"),
                synonyms=r.texts(entry.get("synonyms"), f"{section}.{symptom_id}.synonyms"),
                listed=listed,
                source_quote=r.quote(quote, f"{section}.{symptom_id}.source_quote")
                if quote is not None
                else None,
            )
    return symptoms


def _check_terms_unique(r: YamlFile, groups: Mapping[str, tuple[str, ...]]) -> None:
    owner: dict[str, str] = {}
    for group, terms in groups.items():
        for term in terms:
            key = term.lower()
            if key in owner and owner[key] != group:
                raise r.fail(f"term '{term}' belongs to both '{owner[key]}' and '{group}'")
            owner[key] = group


def _read_referrals(
    r: YamlFile, facts: Mapping[str, Fact], topics: Mapping[str, Topic]
) -> dict[str, Referral]:
    def optional(entry: dict[str, Any], key: str, where: str) -> tuple[str, ...]:
        return r.texts(entry[key], f"{where}.{key}") if key in entry else ()

    referrals: dict[str, Referral] = {}
    for referral_id, raw in r.data.items():
        entry = r.mapping(raw, referral_id)
        intent = entry.get("intent")
        referral = Referral(
            id=referral_id,
            title=r.text(entry.get("title"), f"{referral_id}.title"),
            text=r.text(entry.get("text"), f"{referral_id}.text"),
            intent=None if intent is None else r.text(intent, f"{referral_id}.intent"),
            terms=optional(entry, "terms", referral_id),
            context_terms=optional(entry, "context_terms", referral_id),
            needs_topic=optional(entry, "needs_topic", referral_id),
            own_terms=optional(entry, "own_terms", referral_id),
            facts=optional(entry, "facts", referral_id),
        )
        if referral.own_terms and not referral.needs_topic:
            raise r.fail(f"{referral_id}.own_terms is for a referral with needs_topic: use terms")
        if referral.intent is None and not referral.terms:
            raise r.fail(f"{referral_id} needs an intent or terms, or nothing can reach it")
        for fact_id in referral.facts:
            if fact_id not in facts:
                raise r.fail(f"{referral_id}.facts names unknown fact '{fact_id}'")
        for topic_id in referral.needs_topic:
            if topic_id not in topics and topic_id not in r.data:
                raise r.fail(f"{referral_id}.needs_topic names unknown topic '{topic_id}'")
        referrals[referral_id] = referral
    if not any(ref.intent == "ask_not_covered" for ref in referrals.values()):
        raise r.fail("needs a referral for ask_not_covered (the general one)")
    return referrals


def _read_disclaimers(r: YamlFile) -> tuple[str, str]:
    disclaimer = r.text(r.data.get("disclaimer"), "disclaimer")
    short = r.text(r.data.get("disclaimer_short"), "disclaimer_short")
    if short.lower().rstrip(".") not in disclaimer.lower():
        raise r.fail("disclaimer_short must be words of the disclaimer, its short form")
    return disclaimer, short


def _placeholders(r: YamlFile, template: str, where: str) -> set[str]:
    """The ``{name}`` placeholders of ``template``: plain names only, as the widget fills."""
    try:
        parsed = list(Formatter().parse(template))
    except ValueError as exc:
        raise r.fail(f"{where} has a stray brace: {exc}") from None
    names = set()
    for literal, name, spec, conversion in parsed:
        if "{" in literal or "}" in literal:
            raise r.fail(f"{where} has a stray brace")
        if name is None:
            continue
        if not name.isidentifier() or spec or conversion:
            raise r.fail(f"{where} has placeholder {{{name}}}: only plain {{name}} is filled in")
        names.add(name)
    return names


def _read_widget_texts(r: YamlFile) -> dict[str, str]:
    flat: dict[str, Any] = {}

    def flatten(value: dict[str, Any], prefix: str) -> None:
        for key, item in value.items():
            if isinstance(item, dict):
                flatten(r.mapping(item, f"{prefix}{key}"), f"{prefix}{key}.")
            else:
                flat[f"{prefix}{key}"] = item

    flatten(r.data, "")
    missing = sorted(WIDGET_TEXTS.keys() - flat.keys())
    if missing:
        raise r.fail(f"missing texts: {', '.join(missing)}")
    unknown = sorted(flat.keys() - WIDGET_TEXTS.keys())
    if unknown:
        raise r.fail(f"unknown texts (the widget has no use for them): {', '.join(unknown)}")
    texts = {}
    for key, expected in WIDGET_TEXTS.items():
        text = r.text(flat[key], key)
        found = _placeholders(r, text, key)
        if found != expected:
            want = ", ".join(f"{{{n}}}" for n in sorted(expected))
            have = ", ".join(f"{{{n}}}" for n in sorted(found)) or "none"
            if not want:
                raise r.fail(f"{key} must have no placeholders, not {have}")
            raise r.fail(f"{key} must have the placeholders {want}, not {have}")
        texts[key] = text
    return texts


def load(directory: Path = KNOWLEDGE_DIR) -> Knowledge:
    """Load and validate the fact set in ``directory``; raise :class:`KnowledgeError`."""
    fact_file = YamlFile(directory / "facts.yml")
    facts = _read_facts(fact_file)
    topics = _read_topics(fact_file, facts)
    menu = fact_file.texts(fact_file.data.get("menu"), "menu")
    for topic_id in menu:
        if topic_id not in topics:
            raise fact_file.fail(f"menu names unknown topic '{topic_id}'")

    symptom_file = YamlFile(directory / "side_effects.yml")
    symptoms = _read_symptoms(symptom_file)
    raw_terms = symptom_file.mapping(symptom_file.data.get("topic_terms"), "topic_terms")
    topic_terms = {
        topic_id: symptom_file.texts(terms, f"topic_terms.{topic_id}")
        for topic_id, terms in raw_terms.items()
    }
    for topic_id in topic_terms:
        if topic_id not in topics:
            raise symptom_file.fail(f"topic_terms names unknown topic '{topic_id}'")
    _check_terms_unique(
        symptom_file, {**{s.id: s.synonyms for s in symptoms.values()}, **topic_terms}
    )

    referral_file = YamlFile(directory / "referrals.yml")
    referrals = _read_referrals(referral_file, facts, topics)
    phrase_file = YamlFile(directory / "phrases.yml")
    phrases = {key: phrase_file.text(text, key) for key, text in phrase_file.data.items()}
    missing = sorted(REQUIRED_PHRASES - phrases.keys())
    if missing:
        raise phrase_file.fail(f"missing phrases: {', '.join(missing)}")

    words = YamlFile(directory / "context_words.yml")
    language_file = YamlFile(directory / "languages.yml")
    notices = language_file.mapping(language_file.data.get("notices"), "notices")

    def lowered(key: str) -> frozenset[str]:
        return frozenset(w.lower() for w in language_file.texts(language_file.data.get(key), key))

    languages = Languages(
        english=language_file.text(language_file.data.get("english"), "english"),
        notices={k.upper(): language_file.text(v, f"notices.{k}") for k, v in notices.items()},
        neutral_words=lowered("neutral_words"),
        english_words=lowered("english_words"),
    )
    disclaimer, disclaimer_short = _read_disclaimers(fact_file)
    return Knowledge(
        source=_read_source(fact_file),
        disclaimer=disclaimer,
        disclaimer_short=disclaimer_short,
        facts=facts,
        topics=topics,
        menu=menu,
        symptoms=symptoms,
        topic_terms=topic_terms,
        drug_names=fact_file.texts(fact_file.data.get("drug_names"), "drug_names"),
        referrals=referrals,
        phrases=phrases,
        other_person_words=words.texts(words.data.get("other_person"), "other_person"),
        feeling_words=words.texts(words.data.get("feelings"), "feelings"),
        care_team_words=words.texts(words.data.get("care_team"), "care_team"),
        languages=languages,
        widget_texts=_read_widget_texts(YamlFile(directory / "widget.yml")),
    )


@lru_cache(maxsize=1)
def default() -> Knowledge:
    """The project's fact set, loaded once per process (on first use, not at import)."""
    return load()
