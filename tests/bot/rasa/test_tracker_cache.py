"""The in-memory copies of saved conversations."""

from __future__ import annotations

import pytest
from rasa.shared.core.events import ActionExecuted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.rasa.tracker_cache import Stamp, TrackerCache


def tracker(sender: str, *texts: str) -> DialogueStateTracker:
    events = [ActionExecuted("action_listen")] + [UserUttered(text) for text in texts]
    return DialogueStateTracker.from_events(sender, events)


def test_a_snapshot_is_given_back_only_while_its_stamp_matches() -> None:
    cache = TrackerCache(10)
    cache.put("a", Stamp(2, 7), tracker("a", "hello"))
    snapshot = cache.get("a", Stamp(2, 7))
    assert snapshot is not None and snapshot.events == 2
    assert snapshot.tracker().latest_message.text == "hello"
    assert cache.get("a", Stamp(3, 9)) is None, "the database changed: stale"
    assert cache.get("a", Stamp(2, 7)) is None, "a stale snapshot is dropped"


def test_each_copy_is_independent_of_the_snapshot() -> None:
    cache = TrackerCache(10)
    cache.put("a", Stamp(2, 7), tracker("a", "hello"))
    snapshot = cache.get("a", Stamp(2, 7))
    assert snapshot is not None
    changed = snapshot.tracker()
    changed.update(UserUttered("not saved"))
    assert snapshot.tracker().latest_message.text == "hello"
    assert len(snapshot.tracker().events) == 2


def test_the_least_recently_used_conversation_goes_first() -> None:
    cache = TrackerCache(2)
    cache.put("a", Stamp(1, 1), tracker("a"))
    cache.put("b", Stamp(1, 2), tracker("b"))
    assert cache.get("a", Stamp(1, 1)) is not None  # a is now the most recent
    cache.put("c", Stamp(1, 3), tracker("c"))
    assert len(cache) == 2
    assert cache.get("b", Stamp(1, 2)) is None
    assert cache.get("a", Stamp(1, 1)) is not None


def test_size_zero_keeps_nothing_and_a_negative_size_is_refused() -> None:
    cache = TrackerCache(0)
    cache.put("a", Stamp(1, 1), tracker("a"))
    assert len(cache) == 0
    with pytest.raises(ValueError, match="0 or more"):
        TrackerCache(-1)


def test_drop_forgets_a_conversation() -> None:
    cache = TrackerCache(10)
    cache.put("a", Stamp(1, 1), tracker("a"))
    cache.drop("a")
    cache.drop("never there")
    assert cache.get("a", Stamp(1, 1)) is None


def test_a_conversation_unused_for_an_hour_is_dropped() -> None:
    now = [0.0]
    cache = TrackerCache(10, idle_seconds=3600, clock=lambda: now[0])
    cache.put("old", Stamp(1, 1), tracker("old"))
    now[0] = 1800.0
    cache.put("recent", Stamp(1, 2), tracker("recent"))
    assert cache.get("old", Stamp(1, 1)) is not None  # reading it counts as using it
    now[0] = 1800.0 + 3599.0
    assert len(cache) == 2
    now[0] = 1800.0 + 3601.0
    assert cache.get("recent", Stamp(1, 2)) is None
    assert len(cache) == 0
