"""Measure one running bot: start-up, latency, throughput under load, memory."""

from __future__ import annotations

import asyncio
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass, field

from bench.load import (
    LoadResult,
    Outcome,
    alternating,
    first_answer,
    run_senders,
)
from bench.memory import RssSampler
from bench.overload import BURSTS, run_bursts
from bench.servers import BotUnderTest, Server
from bench.stats import LatencySummary

READY_SECONDS = 300
REQUEST_TIMEOUT = 30.0
LOAD_SECONDS = 150.0  # deadline for each load run
LENGTH_WINDOW = 20  # turns whose median latency is compared along the long conversation


@dataclass(frozen=True)
class ServePlan:
    """How much load to send: bounded counts, bounded time."""

    sequential_messages: int = 300
    concurrency: tuple[int, ...] = (1, 5, 20)
    per_sender: int = 20
    long_turns: int = 400  # one conversation this long to each bot
    bursts: tuple[int, ...] = BURSTS  # simultaneous messages to ours (bench.overload)


@dataclass
class ServeResult:
    """What one bot measured."""

    label: str
    actions_ready_seconds: float | None
    ready_seconds: float  # Rasa process start -> first REST answer
    sequential: LoadResult
    loads: list[LoadResult]
    peak_rss_mib: dict[str, float]  # "rasa", "actions"
    rss_series: dict[str, list[tuple[float, float]]] = field(default_factory=dict)
    by_turn: list[Outcome] = field(default_factory=list)  # the long conversation, in order
    bursts: list[LoadResult] = field(default_factory=list)  # ours only: one per burst size

    @property
    def latency(self) -> LatencySummary:
        """Latency of the sequential messages."""
        return self.sequential.latency

    def turn_p50(self, first: int, last: int) -> float | None:
        """Median latency of the long conversation's turns ``first`` to ``last`` (from 1)."""
        window = [o.seconds for o in self.by_turn[first - 1 : last] if o.ok]
        return LatencySummary.of(window).p50 if window else None

    @property
    def length_growth(self) -> float | None:
        """How much more a message costs at the long conversation's end than at its start."""
        turns = len(self.by_turn)
        if turns < 2 * LENGTH_WINDOW:
            return None
        start = self.turn_p50(1, LENGTH_WINDOW)
        end = self.turn_p50(turns - LENGTH_WINDOW + 1, turns)
        return end / start if start and end is not None else None

    def load(self, senders: int) -> LoadResult | None:
        """The load run with ``senders`` concurrent clients."""
        return next((r for r in self.loads if r.senders == senders), None)


def wait_healthy(url: str, server: Server, timeout: float = READY_SECONDS) -> float:
    """Poll ``url`` until it answers 200; seconds since the server started."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not server.alive():
            raise RuntimeError(f"{server.name} exited:\n{server.log_tail()}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return time.monotonic() - server.started_at
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{server.name} not healthy after {timeout:.0f} s:\n{server.log_tail()}")


def _start(bot: BotUnderTest, sampler: RssSampler) -> tuple[float | None, float]:
    """Start ``bot``'s action server, then its Rasa server; seconds until each was ready."""
    actions_ready = None
    if bot.actions is not None and bot.action_health_url is not None:
        bot.actions.start()
        sampler.watch("actions", bot.actions.pid)
        actions_ready = wait_healthy(bot.action_health_url, bot.actions)
    bot.rasa.start()
    sampler.watch("rasa", bot.rasa.pid)
    try:
        asyncio.run(first_answer(bot.rest_url, bot.rasa.alive, READY_SECONDS))
    except RuntimeError as exc:
        raise RuntimeError(f"{exc}\n{bot.rasa.log_tail()}") from None
    return actions_ready, time.monotonic() - bot.rasa.started_at


def _stop(bot: BotUnderTest) -> None:
    bot.rasa.stop()
    if bot.actions is not None:
        bot.actions.stop()


def measure(
    bots: Sequence[tuple[BotUnderTest, Sequence[str]]], plan: ServePlan
) -> list[ServeResult]:
    """Measure each ``(bot, messages)``; the servers are stopped at the end (always).

    The bots start one after the other, each timed alone. The sequential latency is then
    measured with every bot running, one message to each in turn (:func:`alternating`),
    so that they share the machine's quiet and busy spells alike. The load runs come last,
    one bot at a time, then bursts of simultaneous messages to the first bot (ours).
    """
    samplers: list[RssSampler] = []
    started: list[BotUnderTest] = []
    readiness: list[tuple[float | None, float]] = []
    try:
        for bot, _ in bots:
            samplers.append(RssSampler().start())
            started.append(bot)
            readiness.append(_start(bot, samplers[-1]))
        sequential = asyncio.run(
            alternating(
                [(bot.rest_url, messages) for bot, messages in bots],
                plan.sequential_messages,
                timeout=REQUEST_TIMEOUT,
                total_seconds=LOAD_SECONDS,
            )
        )
        long = asyncio.run(
            alternating(
                [(bot.rest_url, messages) for bot, messages in bots],
                plan.long_turns,
                timeout=REQUEST_TIMEOUT,
                total_seconds=LOAD_SECONDS,
                conversation_length=plan.long_turns,
                prefix="long",
                block=LENGTH_WINDOW,
            )
        )
        loads = [
            [
                asyncio.run(
                    run_senders(
                        bot.rest_url,
                        messages,
                        senders,
                        plan.per_sender,
                        timeout=REQUEST_TIMEOUT,
                        total_seconds=LOAD_SECONDS,
                        prefix=f"load{senders}",
                    )
                )
                for senders in plan.concurrency
            ]
            for bot, messages in bots
        ]
        first, first_messages = bots[0]
        bursts = run_bursts(first.rest_url, first_messages, plan.bursts, REQUEST_TIMEOUT)
        for sampler in samplers:
            sampler.sample()
    finally:
        for sampler in samplers:
            sampler.stop()
        for bot in started:
            _stop(bot)
    return [
        ServeResult(
            label=bot.label,
            actions_ready_seconds=actions_ready,
            ready_seconds=ready,
            sequential=sequential[index],
            loads=loads[index],
            peak_rss_mib={name: track.peak_mib for name, track in sampler.tracks.items()},
            rss_series={name: track.samples for name, track in sampler.tracks.items()},
            by_turn=long[index].outcomes,
            bursts=bursts if index == 0 else [],
        )
        for index, ((bot, _), (actions_ready, ready), sampler) in enumerate(
            zip(bots, readiness, samplers, strict=True)
        )
    ]
