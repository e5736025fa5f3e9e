"""The stress run's check of stored conversations (harness.stress.problems)."""

from __future__ import annotations

from harness.stress import DOUBLED, LOST, PROBLEMS, problems
from harness.stress import Attempt as Try


def stored(*turns: tuple[int, int], replied: bool = True) -> list[tuple[str, dict[str, object]]]:
    """Events as the database holds them: each (number, try) a user turn, then its reply."""
    events: list[tuple[str, dict[str, object]]] = []
    for n, t in turns:
        events.append(("user", {"text": "q", "metadata": {"stress": {"n": n, "try": t}}}))
        if replied:
            events.append(("bot", {"text": "a"}))
    return events


def test_the_check_accepts_a_failed_try_stored_before_its_retry() -> None:
    tries = [Try(0, 0, None), Try(1, 0, "ServerDisconnectedError"), Try(1, 1, None)]
    assert problems(tries, stored((0, 0), (1, 0), (1, 1))) == {}


def test_the_check_names_lost_doubled_reordered_and_unanswered_turns() -> None:
    tries = [Try(0, 0, None), Try(1, 0, None), Try(2, 0, None)]
    assert set(problems(tries, stored((0, 0), (2, 0)))) == {LOST}
    assert set(problems(tries, stored((0, 0), (1, 0), (1, 0), (2, 0)))) == {DOUBLED}
    assert set(problems(tries, stored((1, 0), (0, 0), (2, 0)))) == {"reordered"}
    assert set(problems(tries, stored((0, 0), (1, 0), (2, 0), replied=False))) == {"unanswered"}
    assert set(problems(tries, stored((0, 0), (1, 0), (1, 1), (2, 0)))) == {DOUBLED}
    assert set(PROBLEMS) == {LOST, DOUBLED, "reordered", "unanswered"}


def test_an_unanswered_message_and_a_turn_without_its_number_are_named() -> None:
    assert set(problems([Try(0, 0, "HTTP 503")], stored((0, 0)))) == {"unanswered"}
    untagged = [("user", {"text": "hello"})]
    assert set(problems([Try(0, 0, None)], untagged)) == {DOUBLED}
