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
from collections import OrderedDict
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rasa.shared.core.trackers import DialogueStateTracker

DEFAULT_SIZE = 1000  # conversations kept; a snapshot is a few tens of kB


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

    def tracker(self) -> DialogueStateTracker:
        """A fresh copy of the tracker (changing it does not change the snapshot)."""
        tracker: DialogueStateTracker = pickle.loads(self.pickled)  # bytes this process pickled
        return tracker


class TrackerCache:
    """The most recently saved trackers, least recently used dropped first."""

    def __init__(self, size: int = DEFAULT_SIZE) -> None:
        """Keep at most ``size`` conversations (0 turns the cache off)."""
        if size < 0:
            raise ValueError(f"The tracker cache size must be 0 or more, got {size}.")
        self.size = size
        self._snapshots: OrderedDict[str, Snapshot] = OrderedDict()

    def __len__(self) -> int:
        """How many conversations are kept."""
        return len(self._snapshots)

    def get(self, sender_id: str, stamp: Stamp) -> Snapshot | None:
        """The snapshot of ``sender_id`` if it matches ``stamp``; a stale one is dropped."""
        snapshot = self._snapshots.get(sender_id)
        if snapshot is None:
            return None
        if snapshot.stamp != stamp:
            del self._snapshots[sender_id]
            return None
        self._snapshots.move_to_end(sender_id)
        return snapshot

    def put(self, sender_id: str, stamp: Stamp, tracker: DialogueStateTracker) -> None:
        """Remember ``tracker``, all of whose events the database holds as ``stamp``."""
        if self.size == 0:
            return
        pickled = pickle.dumps(tracker, protocol=pickle.HIGHEST_PROTOCOL)
        self._snapshots[sender_id] = Snapshot(stamp, len(tracker.events), pickled)
        self._snapshots.move_to_end(sender_id)
        while len(self._snapshots) > self.size:
            self._snapshots.popitem(last=False)

    def drop(self, sender_id: str) -> None:
        """Forget ``sender_id``'s snapshot, if any."""
        self._snapshots.pop(sender_id, None)
