"""Faults the Rasa server loads from an endpoints file, for the failure-reply tests."""

from __future__ import annotations

from typing import Any

from rasa.core.lock_store import LOCK_LIFETIME, InMemoryLockStore


class FailingLockStore(InMemoryLockStore):
    """A lock store that cannot lock, as Redis when it is down: every message fails in Rasa.

    ``agent.handle_message`` takes the conversation's lock before anything else, so each
    message raises there, before the NLU has read it.
    """

    def __init__(self, endpoint_config: Any = None) -> None:
        super().__init__()

    def issue_ticket(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
        """Fail, as a lock store that cannot be reached does."""
        raise ConnectionError("the lock store cannot be reached (tests.channels.faults)")
