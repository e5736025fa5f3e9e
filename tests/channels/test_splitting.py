"""bot/channels/splitting.py: parts within the limit, in order, the disclaimer last."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot import answers
from bot.channels.splitting import split_message, utf16_length
from bot.knowledge import Knowledge

SENTENCE = "Mycophenolate calms the immune system."


def words(text: str) -> str:
    return "".join(text.split())


def test_a_short_text_is_one_part_unchanged() -> None:
    assert split_message("Hello!\nHow are you?", 100) == ["Hello!\nHow are you?"]


def test_a_blank_text_has_no_parts() -> None:
    assert split_message("  \n ", 10) == []


def test_parts_break_at_line_ends() -> None:
    lines = [f"Line {i}: " + "x" * 20 for i in range(6)]
    parts = split_message("\n".join(lines), 70)
    assert parts == ["\n".join(lines[0:2]), "\n".join(lines[2:4]), "\n".join(lines[4:6])]


def test_a_long_line_breaks_between_sentences() -> None:
    line = " ".join([SENTENCE] * 5)
    parts = split_message(line, 90)
    assert all(len(p) <= 90 for p in parts)
    assert all(p.endswith(".") for p in parts)
    assert " ".join(parts) == line


def test_a_long_sentence_breaks_between_words() -> None:
    sentence = " ".join(["immunosuppressant"] * 10)
    parts = split_message(sentence, 40)
    assert all(len(p) <= 40 for p in parts)
    assert " ".join(parts) == sentence


def test_a_word_longer_than_the_limit_is_cut() -> None:
    assert split_message("a" * 25, 10) == ["a" * 10, "a" * 10, "a" * 5]


def test_the_limit_can_count_utf16_units() -> None:
    text = "💊" * 10  # each pill is two UTF-16 units
    parts = split_message(text, 8, utf16_length)
    assert parts == ["💊" * 4, "💊" * 4, "💊" * 2]


@pytest.mark.parametrize("limit", [320, 1600, 2000, 3000, 4096])
def test_a_long_medical_answer_keeps_the_disclaimer_whole_at_the_end(
    knowledge: Knowledge, limit: int
) -> None:
    paragraphs = [f"{i}. " + " ".join(f.text for f in knowledge.facts.values()) for i in range(3)]
    text = answers.medical(knowledge, paragraphs).text
    parts = split_message(text, limit)
    assert len(parts) > 1
    assert all(len(p) <= limit for p in parts)
    assert parts[-1].endswith(knowledge.disclaimer)
    assert "\n".join(parts).count(knowledge.disclaimer) == 1
    assert words("".join(parts)) == words(text)


lines = st.lists(st.text(alphabet=st.sampled_from("ab .!?\u00e9💊"), max_size=80), max_size=12)


@given(lines=lines, limit=st.integers(min_value=2, max_value=60))
def test_parts_fit_and_keep_every_character(lines: list[str], limit: int) -> None:
    text = "\n".join(lines)
    parts = split_message(text, limit, utf16_length)
    assert all(0 < utf16_length(p) <= limit for p in parts)
    assert all(p == p.strip() for p in parts)
    assert words("".join(parts)) == words(text)
    last = text.strip().split("\n")[-1].strip()
    if parts and utf16_length(last) <= limit:
        assert parts[-1].endswith(last)


def test_the_limit_must_be_positive() -> None:
    with pytest.raises(ValueError):
        split_message("text", 0)
