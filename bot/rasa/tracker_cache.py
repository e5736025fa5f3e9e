"""Recently saved conversations, kept in memory so a message need not rebuild its tracker.

Rebuilding a tracker from the database means reading every event of the conversation and
replaying it, on every message. :class:`TrackerCache` keeps a copy of each tracker as it
was saved, with a :class:`Stamp` of the database rows it matches (how many events the
conversation has, the id of the newest and the latest time stamp). The store reads the
stamp (one indexed query) and uses the copy only when it still matches, so a change made
elsewhere (another server, the retention job, an erasure, an edited time stamp) is
noticed and the tracker is read from the database instead.
"""

from __future__ import annotations

import pickle
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rasa.shared.core.trackers import DialogueStateTracker

DEFAULT_SIZE = 1000  # conversations kept; a snapshot is a few kB (7 kB for 10 turns)
DEFAULT_IDLE_SECONDS = 3600.0  # a conversation unused this long is dropped from memory


@dataclass(frozen=True)
class Stamp:
    """What the database holds for one conversation: event count, newest row, latest time."""

    rows: int
    last_id: int | None
    last_time: float | None = None


@dataclass(frozen=True)
class Snapshot:
    """A tracker as it was saved, and the rows it matches."""

    stamp: Stamp
    events: int  # events in the tracker, all of them stored
    pickled: bytes
    used_at: float = 0.0  # when it was saved or last read (the cache's clock)

    def tracker(self) -> DialogueStateTracker:
        """A fresh copy of the tracker (changing it does not change the snapshot)."""
        tracker: DialogueStateTracker = pickle.loads(self.pickled)  # bytes this process pickled
        return tracker


class TrackerCache:
    """The most recently saved trackers, least recently used dropped first.

    A conversation nobody has touched for ``idle_seconds`` is dropped too, so a copy of
    one that the retention job or an erasure removed elsewhere does not linger in memory.
    """

    def __init__(
        self,
        size: int = DEFAULT_SIZE,
        idle_seconds: float = DEFAULT_IDLE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """Keep at most ``size`` conversations (0 turns the cache off)."""
        if size < 0:
            raise ValueError(f"The tracker cache size must be 0 or more, got {size}.")
        self.size = size
        self.idle_seconds = idle_seconds
        self.clock = clock
        self._snapshots: OrderedDict[str, Snapshot] = OrderedDict()

    def __len__(self) -> int:
        """How many conversations are kept."""
        return len(self._snapshots)

    def get(self, sender_id: str, stamp: Stamp) -> Snapshot | None:
        """The snapshot of ``sender_id`` if it matches ``stamp``; a stale one is dropped."""
        self._drop_idle()
        snapshot = self._snapshots.get(sender_id)
        if snapshot is None:
            return None
        if snapshot.stamp != stamp:
            del self._snapshots[sender_id]
            return None
        self._snapshots[sender_id] = snapshot = Snapshot(
            snapshot.stamp, snapshot.events, snapshot.pickled, self.clock()
        )
        self._snapshots.move_to_end(sender_id)
        return snapshot

    def put(self, sender_id: str, stamp: Stamp, tracker: DialogueStateTracker) -> None:
        """Remember ``tracker``, all of whose events the database holds as ``stamp``."""
        if self.size == 0:
            return
        pickled = pickle.dumps(tracker, protocol=pickle.HIGHEST_PROTOCOL)
        self._snapshots[sender_id] = Snapshot(stamp, len(tracker.events), pickled, self.clock())
        self._snapshots.move_to_end(sender_id)
        while len(self._snapshots) > self.size:
            self._snapshots.popitem(last=False)
        self._drop_idle()

    def _drop_idle(self) -> None:
        """Drop the conversations unused for ``idle_seconds`` (the oldest come first)."""
        oldest = self.clock() - self.idle_seconds
        while self._snapshots:
            sender_id, snapshot = next(iter(self._snapshots.items()))
            if snapshot.used_at >= oldest:
                return
            del self._snapshots[sender_id]

    def drop(self, sender_id: str) -> None:
        """Forget ``sender_id``'s snapshot, if any."""
        self._snapshots.pop(sender_id, None)
