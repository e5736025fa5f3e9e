"""Small bounded in-memory stores: recent message ids and per-sender state.

They live in the Rasa server's process: a restart forgets them, and with several server
processes each has its own (see docs/channels.md).
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Generic, TypeVar

V = TypeVar("V")

DEFAULT_MAX_ITEMS = 10_000


class BoundedDict(Generic[V]):
    """A string-keyed store that forgets the least recently used key when full."""

    def __init__(self, max_items: int = DEFAULT_MAX_ITEMS) -> None:
        if max_items < 1:
            raise ValueError("max_items must be at least 1")
        self.max_items = max_items
        self._items: OrderedDict[str, V] = OrderedDict()

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, key: object) -> bool:
        return key in self._items

    def get(self, key: str) -> V | None:
        """The value for ``key`` (now the most recently used), or None."""
        if key not in self._items:
            return None
        self._items.move_to_end(key)
        return self._items[key]

    def put(self, key: str, value: V) -> None:
        """Store ``value`` under ``key``, forgetting the oldest key if full."""
        self._items[key] = value
        self._items.move_to_end(key)
        while len(self._items) > self.max_items:
            self._items.popitem(last=False)


class RecentIds:
    """Message ids seen lately, to drop a platform's redelivery of the same message."""

    def __init__(self, max_items: int = DEFAULT_MAX_ITEMS) -> None:
        self._seen: BoundedDict[bool] = BoundedDict(max_items)

    def first_time(self, message_id: str) -> bool:
        """Record ``message_id``; True unless it was already seen."""
        if message_id in self._seen:
            self._seen.get(message_id)  # keep a busy id from being forgotten
            return False
        self._seen.put(message_id, True)
        return True
