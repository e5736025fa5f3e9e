import pytest

from bot.spelling import SpellingCorrector, distance

PROBS = {"nauseous": -13.0, "breastfeeding": -14.0, "likes": -11.0, "like": -9.0, "dose": -12.0}


@pytest.fixture(scope="module")
def corrector() -> SpellingCorrector:
    return SpellingCorrector(["nauseous", "breastfeeding", "like", "cellcept", "dose"], PROBS)


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("nauseus", "nauseous"),  # one edit
        ("brestfeeding", "breastfeeding"),
        ("brestfeedin", "breastfeeding"),  # two edits in a long word
        ("cellcep", "cellcept"),  # the bot's own word, unknown to the frequency list
        ("likes", "likes"),  # a common word is never corrected
        ("cat", "cat"),  # too short
        ("zebra", "zebra"),  # nothing near it
    ],
)
def test_correct_word(corrector: SpellingCorrector, word: str, expected: str) -> None:
    assert corrector.correct_word(word) == expected


def test_correct_keeps_the_rest_of_the_text(corrector: SpellingCorrector) -> None:
    assert corrector.correct("Nauseus after 2 tablets?") == "nauseous after 2 tablets?"
    assert corrector.correct("I wasn't nauseus") == "i wasn't nauseous"


def test_distance_counts_a_swap_as_one_edit() -> None:
    assert distance("needles", "neeldes") == 1
    assert distance("abc", "abc") == 0
    assert distance("kitten", "sitting") == 3
