"""Bursts of simultaneous messages: where answers stay quick and whole, and what comes past.

Each burst is ``senders`` clients sending one message each at the same moment. Every
reply is read: a proper answer, "busy" (the server's bound, :mod:`bot.channels.admission`)
or the action fallback ("can't look that up right now"), which Rasa sends as a normal
HTTP 200 and which monitoring would not see.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass

from bench.load import ANSWERED, LoadResult, run_senders
from bot import knowledge

BURSTS = (20, 50, 100, 200, 500, 1000)
P95_LIMIT = 1.0  # seconds: the quickest a burst may be answered to count as handled
BUSY, FALLBACK = "busy", "fallback"


@dataclass(frozen=True)
class ReplyClassifier:
    """Names a reply by its texts: busy, the action fallback, or answered."""

    busy: str
    fallback: str

    @classmethod
    def ours(cls) -> ReplyClassifier:
        """By our phrases (``busy``, ``action_unavailable``)."""
        phrases = knowledge.default().phrases
        return cls(busy=phrases["busy"], fallback=phrases["action_unavailable"])

    def __call__(self, texts: Sequence[str]) -> str:
        """The reply's kind."""
        if any(self.busy in text for text in texts):
            return BUSY
        if any(text.startswith(self.fallback) for text in texts):
            return FALLBACK
        return ANSWERED


def handled(burst: LoadResult, p95_limit: float = P95_LIMIT) -> bool:
    """Whether every message of ``burst`` was answered properly with p95 under the limit."""
    total = len(burst.outcomes) + burst.unsent
    if not total or burst.errors or burst.kinds().get(ANSWERED, 0) != total:
        return False
    return burst.latency.p95 < p95_limit


def highest_handled(bursts: Sequence[LoadResult], p95_limit: float = P95_LIMIT) -> int | None:
    """The largest burst handled, with every smaller one handled too; None if the first was not."""
    best = None
    for burst in sorted(bursts, key=lambda b: b.senders):
        if not handled(burst, p95_limit):
            break
        best = burst.senders
    return best


def run_bursts(
    url: str,
    messages: Sequence[str],
    sizes: Sequence[int] = BURSTS,
    timeout: float = 30.0,
    total_seconds: float = 60.0,
) -> list[LoadResult]:
    """One burst of each size in ``sizes``, smallest first, each reply classified."""
    classify = ReplyClassifier.ours()
    return [
        asyncio.run(
            run_senders(
                url,
                messages,
                size,
                per_sender=1,
                timeout=timeout,
                total_seconds=total_seconds,
                prefix=f"burst{size}",
                classify=classify,
            )
        )
        for size in sizes
    ]
