"""What the tracker store did with the conversation of the message being handled.

A channel opens a report with :func:`recording` around the handling of one message; the
tracker store (:mod:`bot.rasa.tracker_store`) marks it when it could not read or save the
conversation, or could not erase it as asked, and calls :func:`saved` once it has. The
report is held in a context variable, so it follows the message through Rasa (one asyncio
task) without Rasa passing it on, and a message handled elsewhere has its own.

:func:`saved` sends the replies the channel held back: right after the save, while Rasa
still holds the conversation's lock, so the replies to two quick messages keep their
order, as when Rasa sends them itself.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Awaitable, Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rasa.shared.core.trackers import DialogueStateTracker

logger = logging.getLogger(__name__)
Release = Callable[[], Awaitable[None]]


@dataclass
class SaveReport:
    """Whether the conversation of one message was kept as Rasa left it."""

    failed: bool = False  # a read, save or erasure did not happen
    erasure: bool = False  # the failure was of an erasure the patient asked for
    tracker: DialogueStateTracker | None = None  # what could not be saved
    release: Release | None = None  # sends the replies held so far


_current: ContextVar[SaveReport | None] = ContextVar("lems_save_report", default=None)


@contextlib.contextmanager
def recording(release: Release | None = None) -> Iterator[SaveReport]:
    """A fresh report for the message handled inside the ``with`` block.

    Args:
        release: what sends the replies held so far, called by :func:`saved`.
    """
    report = SaveReport(release=release)
    token = _current.set(report)
    try:
        yield report
    finally:
        _current.reset(token)


def record_failure(tracker: DialogueStateTracker | None, erasure: bool = False) -> None:
    """Mark the current message's report (if any) as not saved."""
    report = _current.get()
    if report is None:
        return
    report.failed = True
    report.erasure = report.erasure or erasure
    if tracker is not None:
        report.tracker = tracker


async def saved() -> None:
    """The conversation is stored: send the replies held so far (unless a failure came first).

    A failure to send is logged, never raised: the tracker store calls this, and Rasa
    would take an exception from it for a failed save.
    """
    report = _current.get()
    if report is None or report.failed or report.release is None:
        return
    try:
        await report.release()
    except Exception:
        logger.exception("Sending the replies of a saved conversation failed.")
