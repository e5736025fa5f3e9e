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
    assert "911" in rules.messages[Alarm.EMERGENCY]
    assert "988" in rules.messages[Alarm.CRISIS]


def test_a_broken_rule_file_is_a_clear_error(tmp_path: Path) -> None:
    broken = tmp_path / "safety.yml"
    broken.write_text(SAFETY_FILE.read_text().replace("    - unable to swallow", "    - unable ~2"))
    with pytest.raises(KnowledgeError, match=f"{broken}.*must start and end with a word"):
        load_rules(broken)
