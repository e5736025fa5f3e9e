"""A/B of the graph runner: Rasa's dask runner against ``SequentialGraphRunner``.

``python -m bench.graph_runner_ab [--rounds 6] [--batches 6] [--messages 40]
[--endpoints FILE] [--launcher-changes]``

Each round starts two fresh processes one after the other, one per runner (the order
alternates from round to round, so a drift of the machine's load falls on both). Each
process loads the model with its runner and times ``--batches`` batches of messages
through ``Agent.handle_text`` (what the REST channel calls, minus HTTP), each batch in new
conversations. One process per runner, because in one process the agent loaded second
ran faster even with the same runner (an A/A showed 2.6 to 3.8 ms per message between
two dask agents). Prints each runner's mean time per message (a process's median batch)
with its spread over the rounds, and the paired difference per round, whose spread is
the run-to-run noise the change has to beat. With ``--endpoints endpoints.yml`` an action
server must answer at ``ACTION_ENDPOINT_URL``; without, there is none and the tracker
store is in memory.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.nlu_eval import HELDOUT, examples
from bot.launch.settings import PROJECT_DIR, Settings

CONVERSATION_LENGTH = 10
RUNNERS = ("dask", "sequential")


async def load_agent(runner: str, endpoints: Path | None) -> Any:
    """The model loaded with ``runner`` ("dask": Rasa's own)."""
    import rasa.core.agent
    import rasa.core.processor
    from rasa.core.utils import read_endpoints_from_path

    from bot.launch.graph_runner import SequentialGraphRunner

    available = read_endpoints_from_path(str(endpoints)) if endpoints else None
    rasas = rasa.core.processor.DaskGraphRunner
    if runner == "sequential":
        rasa.core.processor.DaskGraphRunner = SequentialGraphRunner  # for this load only
    try:
        return await rasa.core.agent.load_agent(
            model_path=str(Settings.from_env().model_path), endpoints=available
        )
    finally:
        rasa.core.processor.DaskGraphRunner = rasas


async def batch(agent: Any, texts: Sequence[str], prefix: str) -> float:
    """Seconds per message for ``texts``, in new conversations named by ``prefix``."""
    began = time.perf_counter()
    for number, text in enumerate(texts):
        await agent.handle_text(text, sender_id=f"{prefix}-{number // CONVERSATION_LENGTH}")
    return (time.perf_counter() - began) / len(texts)


async def measure(
    runner: str, texts: Sequence[str], batches: int, endpoints: Path | None
) -> list[float]:
    """Seconds per message of each of ``batches`` batches, after a warm-up."""
    agent = await load_agent(runner, endpoints)
    await batch(agent, texts[:10], f"warm-{os.getpid()}")
    return [await batch(agent, texts, f"{runner}-{os.getpid()}-{n}") for n in range(batches)]


def make_launcher_changes() -> None:
    """The launcher's other changes to Rasa (timeout, reply check, fallback, keep-alive)."""
    from bot.launch import action_fallback, keep_alive, rasa_server

    rasa_server.set_action_timeout(Settings.from_env().action_timeout_seconds)
    rasa_server.validate_action_replies_once()
    action_fallback.install()
    keep_alive.install()


def one_process(runner: str, args: argparse.Namespace) -> list[float]:
    """Seconds per message of each batch with ``runner``, measured in a fresh process."""
    command = [
        sys.executable, "-m", "bench.graph_runner_ab", "--only", runner,
        "--batches", str(args.batches), "--messages", str(args.messages),
    ]  # fmt: skip
    if args.endpoints:
        command += ["--endpoints", str(args.endpoints)]
    if args.launcher_changes:
        command.append("--launcher-changes")
    done = subprocess.run(
        command, cwd=PROJECT_DIR, capture_output=True, text=True, check=True, timeout=600
    )
    return [float(s) for s in json.loads(done.stdout.strip().splitlines()[-1])["batches"]]


def summary(label: str, values: Sequence[float]) -> str:
    """Mean, standard deviation, min and max of ``values`` (seconds) in ms."""
    ms = [1000 * v for v in values]
    spread = statistics.stdev(ms) if len(ms) > 1 else 0.0
    return (
        f"{label:<22} mean {statistics.mean(ms):6.2f} ms  sd {spread:5.2f}  "
        f"min {min(ms):6.2f}  max {max(ms):6.2f}  (n={len(ms)})"
    )


def compare(args: argparse.Namespace) -> None:
    """Run the rounds and print the figures.

    A process's figure is the median of its batches, so that a batch slowed by another
    program on the machine counts less.
    """
    times: dict[str, list[float]] = {runner: [] for runner in RUNNERS}
    for round_number in range(args.rounds):
        order = RUNNERS if round_number % 2 == 0 else RUNNERS[::-1]
        for runner in order:
            times[runner].append(statistics.median(one_process(runner, args)))
        print(
            f"round {round_number + 1}: "
            + ", ".join(f"{r} {1000 * times[r][-1]:.2f} ms" for r in RUNNERS),
            flush=True,
        )
    dask, sequential = times["dask"], times["sequential"]
    differences = [b - a for a, b in zip(dask, sequential, strict=True)]
    print(summary("dask (Rasa's)", dask))
    print(summary("sequential", sequential))
    print(summary("sequential - dask", differences))
    mean = statistics.mean(differences)
    error = statistics.stdev(differences) / len(differences) ** 0.5
    print(
        f"paired difference: {1000 * mean:+.2f} ms per message, standard error "
        f"{1000 * error:.2f} ms ({100 * mean / statistics.mean(dask):+.1f}% of dask); "
        f"rounds where sequential was faster: {sum(d < 0 for d in differences)} of "
        f"{len(differences)}"
    )


def main(argv: Sequence[str]) -> int:
    """Run the A/B (or, with ``--only``, one side of it) and print it."""
    parser = argparse.ArgumentParser(prog="python -m bench.graph_runner_ab")
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--batches", type=int, default=6)
    parser.add_argument("--messages", type=int, default=40)
    parser.add_argument("--endpoints", type=Path)
    parser.add_argument("--launcher-changes", action="store_true")
    parser.add_argument("--only", choices=RUNNERS, help="measure one runner in this process")
    args = parser.parse_args(argv)
    if args.only is None:
        compare(args)
        return 0
    logging.basicConfig(level=logging.CRITICAL)  # no action server: Rasa logs each failure
    if args.launcher_changes:
        make_launcher_changes()
    texts = [text for text, _ in examples(HELDOUT)][: args.messages]
    seconds = asyncio.run(measure(args.only, texts, args.batches, args.endpoints))
    print(json.dumps({"runner": args.only, "batches": seconds}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
