import re
from pathlib import Path

import pytest

from bot.knowledge import KnowledgeError
from bot.safety import SAFETY_FILE, Alarm, load_rules, parse_phrase


def test_parse_phrase_reads_alternatives_gaps_exact_words_and_numbers() -> None:
    phrase = parse_phrase("g", "lip|face ~3 =took #num")
    assert phrase.steps == (("lip", "face"), 3, ("=took",), ("#num",))


@pytest.mark.parametrize("bad", ["~2 chest", "chest ~2", "a||b", "#num|fever", "=took|take"])
def test_parse_phrase_rejects_bad_syntax(bad: str) -> None:
    with pytest.raises(ValueError):
        parse_phrase("g", bad)


def test_parse_phrase_reads_anchors_and_fever_numbers() -> None:
    phrase = parse_phrase("g", "^ #fever $")
    assert phrase.steps == (("#fever",),)
    assert phrase.at_start and phrase.at_end


def test_fever_ranges_come_from_the_file() -> None:
    rules = load_rules()
    assert rules.is_fever(38.0) and rules.is_fever(39.5) and rules.is_fever(101.0)
    assert not rules.is_fever(37.9) and not rules.is_fever(100.0) and not rules.is_fever(500)
    assert rules.is_normal_temperature(37.2) and not rules.is_normal_temperature(38.5)


def test_broken_fever_ranges_are_a_clear_error(tmp_path: Path) -> None:
    broken = tmp_path / "safety.yml"
    broken.write_text(SAFETY_FILE.read_text().replace("  - [38.0, 45.0]", "  - [38.0]"))
    with pytest.raises(KnowledgeError, match="fever_ranges"):
        load_rules(broken)


def test_rules_have_both_alarms_and_their_messages() -> None:
    rules = load_rules()
    assert rules.phrases[Alarm.EMERGENCY] and rules.phrases[Alarm.CRISIS]
    gb = rules.numbers.countries["GB"]
    emergency = rules.message(Alarm.EMERGENCY, "GB")
    assert emergency.startswith("This could be an emergency. Please get help now.")
    assert (
        f"Call {gb.emergency[0]} in the UK, or go to the nearest emergency department" in emergency
    )
    crisis = rules.message(Alarm.CRISIS, "GB")
    assert all(line.call in crisis for line in gb.crisis if line.call)


def test_the_poison_centre_is_named_for_tablets_swallowed_only() -> None:
    rules = load_rules()
    us = rules.numbers.countries["US"]
    assert us.poison is not None and us.poison.call is not None
    assert rules.poison_groups == {"emergency.overdose", "emergency.swallowed_by_someone_else"}
    for group in rules.poison_groups:
        for other in (False, True):
            assert us.poison.call in rules.message(Alarm.EMERGENCY, "US", other, [group])
    assert us.poison.call not in rules.message(
        Alarm.EMERGENCY, "US", groups=["emergency.chest_pain"]
    )
    assert us.poison.call not in rules.message(Alarm.CRISIS, "US", groups=["emergency.overdose"])


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        ("help now. Call {emergency}", "help now. Call 911", "messages.emergency must contain {"),
        (
            "{crisis_lines} Please also reach",
            "Please",
            "messages.crisis must contain {crisis_lines}",
        ),
        ("{poison} Stay with them", "Stay", "someone_else.emergency must contain {poison}"),
        ("{poison} If someone", "{poisson} If someone", "unknown placeholders ['poisson']"),
        ("[overdose, swallowed", "[overdose, swalowed", "unknown emergency groups: emergency.swa"),
    ],
)
def test_a_broken_message_template_is_a_clear_error(
    tmp_path: Path, old: str, new: str, problem: str
) -> None:
    text = SAFETY_FILE.read_text()
    assert text.count(old) == 1
    broken = tmp_path / "safety.yml"
    broken.write_text(text.replace(old, new))
    with pytest.raises(KnowledgeError, match=re.escape(problem)):
        load_rules(broken)


def test_a_broken_rule_file_is_a_clear_error(tmp_path: Path) -> None:
    broken = tmp_path / "safety.yml"
    broken.write_text(SAFETY_FILE.read_text().replace("    - unable to swallow", "    - unable ~2"))
    with pytest.raises(KnowledgeError, match=f"{broken}.*must start and end with a word"):
        load_rules(broken)
