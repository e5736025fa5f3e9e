"""bot/channels/memory.py: bounded stores that forget the least recently used first."""

from __future__ import annotations

import pytest

from bot.channels.memory import BoundedDict, RecentIds


def test_a_full_store_forgets_the_least_recently_used_key() -> None:
    store: BoundedDict[int] = BoundedDict(max_items=2)
    store.put("a", 1)
    store.put("b", 2)
    assert store.get("a") == 1  # now "b" is the oldest
    store.put("c", 3)
    assert "b" not in store
    assert (store.get("a"), store.get("c"), len(store)) == (1, 3, 2)


def test_a_missing_key_is_none() -> None:
    assert BoundedDict[str]().get("nobody") is None


def test_the_size_must_be_positive() -> None:
    with pytest.raises(ValueError):
        BoundedDict[int](max_items=0)


def test_an_id_is_new_only_the_first_time() -> None:
    recent = RecentIds()
    assert recent.first_time("m1")
    assert not recent.first_time("m1")
    assert recent.first_time("m2")


def test_old_ids_are_forgotten_when_full() -> None:
    recent = RecentIds(max_items=3)
    for n in range(4):
        recent.first_time(f"m{n}")
    assert recent.first_time("m0")  # forgotten: memory stays bounded
    assert not recent.first_time("m3")
