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


def test_a_run_counts_only_if_the_killed_server_came_back_and_took_part() -> None:
    from harness.stress import StressPlan, StressResult

    plan = StressPlan(conversations=2, concurrency=2, turns=3, kill_after=1)

    def result(marks: dict[str, float], after: int, found: dict[str, list[str]]) -> StressResult:
        return StressResult(plan, 0, 2, 6, {}, 0, found, (3, 3), after, marks, [0.1] * 6)

    back = {"killed": 1.0, "restarted": 5.0, "ended": 9.0}
    assert result(back, 2, {}).ok
    assert not result({"killed": 1.0, "ended": 4.0}, 0, {}).ok  # ended before it was back
    assert not result(back, 0, {}).ok  # back, but the run ended before it took a request
    assert not result(back, 2, {LOST: ["s: message 1 not stored"]}).ok
