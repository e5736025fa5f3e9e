import re
import shutil
from pathlib import Path

import pytest

from bot import knowledge as knowledge_module
from bot.knowledge import KNOWLEDGE_DIR, Knowledge, KnowledgeError


def normalise(text: str) -> str:
    text = text.replace("\u2019", "'").replace("\u2018", "'")
    return re.sub(r"\s+", " ", text).strip().lower()


def test_loads_every_topic_the_bot_answers(knowledge: Knowledge) -> None:
    assert {t.intent for t in knowledge.topics.values()} == {
        "ask_what_is",
        "ask_how_it_works",
        "ask_mechanism_detail",
        "ask_what_is_lems",
        "ask_side_effects",
        "ask_infection_risk",
        "ask_cancer_risk",
        "ask_pregnancy",
        "ask_evidence",
        "ask_approval",
        "ask_source",
    }
    assert knowledge.source.last_updated.isoformat() == "2019-07-23"
    assert knowledge.source.publisher == "Lambert-Eaton News"


def test_lists_the_ten_side_effects_of_the_source(knowledge: Knowledge) -> None:
    assert len(knowledge.listed_symptoms) == 10


def test_every_fact_points_at_a_passage_of_the_source(
    knowledge: Knowledge, source_text: str
) -> None:
    source = normalise(source_text)
    quotes = [f.source_quote for f in knowledge.facts.values()]
    quotes += [s.source_quote for s in knowledge.listed_symptoms if s.source_quote]
    missing = [q for q in quotes if normalise(q) not in source]
    assert missing == []


def test_every_listed_side_effect_of_the_source_is_in_the_fact_set(
    knowledge: Knowledge, source_text: str
) -> None:
    bullets = [line.strip(" •\t") for line in source_text.splitlines() if "•" in line]
    assert len(bullets) == 10
    quoted = {normalise(s.source_quote or "") for s in knowledge.listed_symptoms}
    assert {normalise(b) for b in bullets} == quoted


@pytest.fixture
def fact_dir(tmp_path: Path) -> Path:
    target = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE_DIR, target)
    return target


def break_file(directory: Path, name: str, old: str, new: str) -> None:
    path = directory / name
    text = path.read_text()
    assert old in text, f"{old!r} not in {name}"
    path.write_text(text.replace(old, new, 1))


def test_a_copy_of_the_fact_set_loads(fact_dir: Path) -> None:
    assert knowledge_module.load(fact_dir).facts.keys() == knowledge_module.load().facts.keys()


@pytest.mark.parametrize(
    ("name", "old", "new", "message"),
    [
        ("facts.yml", "facts: [what_is.oral,", "facts: [what_is.x,", "unknown fact 'what_is.x'"),
        ("facts.yml", "disclaimer: >-", "disclaimer_typo: >-", "disclaimer must be non-empty"),
        ("facts.yml", "last_updated: 2019-07-23", "last_updated: someday", "must be a date"),
        ("facts.yml", 'source_quote: "Mycophenolate is an oral medication"',
         'source_quote: "one two three four five six seven eight nine ten"', "at most 9 words"),
        ("facts.yml", "menu: [how_it_works,", "menu: [nothing,", "unknown topic 'nothing'"),
        ("facts.yml", "facts:\n", "facts: [\n", "cannot be read"),
        ("side_effects.yml", "synonyms: [acne,", "synonyms: [headache, acne,", "belongs to both"),
        ("side_effects.yml", 'source_quote: "Gas"\n', "\n", "needs a source_quote"),
        ("phrases.yml", "more_button:", "more_knob:", "missing phrases: more_button"),
        ("phrases.yml", "safety_line:", "safety_lines:", "missing phrases: safety_line"),
        ("referrals.yml", "  needs_topic: [pregnancy, contraception, breastfeeding]\n", "\n",
         "own_terms is for a referral with needs_topic"),
        ("facts.yml", "disclaimer_short: General information, not medical advice",
         "disclaimer_short: Not a medical service",
         "disclaimer_short must be words of the disclaimer"),
        ("widget.yml", "retry: Retry", "retry_button: Retry", "missing texts: retry"),
        ("widget.yml", "  queued: ", "  waiting: ", "missing texts: delivery.queued"),
        ("widget.yml", "  largest: Largest\n", "  largest: Largest\n  huge: Huge\n",
         "unknown texts (the widget has no use for them): text_sizes.huge"),
        ("widget.yml", "close: Close chat", 'close: " "', "close must be non-empty text"),
        ("widget.yml", "status:\n", "status: Connecting\nold_status:\n",
         "missing texts: status.connecting"),
        ("widget.yml", '"{left} of {limit} characters left"', '"{left} characters left"',
         "characters_left must have the placeholders {left}, {limit}, not {left}"),
        ("widget.yml", "saved: Saved {date}", "saved: Saved {when}",
         "transcript.saved must have the placeholders {date}, not {when}"),
        ("widget.yml", "saved: Saved {date}", "saved: Saved", "transcript.saved must have the "
         "placeholders {date}, not none"),
        ("widget.yml", "send: Send", "send: Send {text}",
         "send must have no placeholders, not {text}"),
        ("widget.yml", "({limit})", "({limit:,})", "paste_cut has placeholder {limit}: only plain"),
        ("widget.yml", "({limit})", "({{limit}})", "paste_cut has a stray brace"),
        ("widget.yml", "({limit})", "({limit)", "paste_cut has a stray brace"),
    ],
)  # fmt: skip
def test_a_broken_fact_file_is_a_clear_error_naming_it(
    fact_dir: Path, name: str, old: str, new: str, message: str
) -> None:
    break_file(fact_dir, name, old, new)
    with pytest.raises(KnowledgeError) as error:
        knowledge_module.load(fact_dir)
    assert str(fact_dir / name) in str(error.value)
    assert message in str(error.value)


@pytest.mark.parametrize("name", ["referrals.yml", "widget.yml"])
def test_a_missing_fact_file_is_a_clear_error(fact_dir: Path, name: str) -> None:
    (fact_dir / name).unlink()
    with pytest.raises(KnowledgeError, match=rf"{re.escape(name)}: fact file is missing"):
        knowledge_module.load(fact_dir)
