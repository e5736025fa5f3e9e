"""Where the time goes: import times, start-up steps, and message handling.

:func:`run` starts ``python -X importtime -m bench.profile_handling`` for one model: it
imports Rasa, loads the model as ``rasa run`` does, answers a first message, then
answers messages under pyinstrument. The helpers here turn its output into tables.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from bench.servers import quiet
from bot.launch.settings import PROJECT_DIR

PROFILE_TIMEOUT = 300

# (category, function name or None for any, fragment of the file path): the steps of
# handling one message, as MessageProcessor runs them.
STEPS: tuple[tuple[str, str | None, str], ...] = (
    ("NLU pipeline", "parse_message", "rasa/core/processor.py"),
    ("policies (next action)", "predict_next_with_tracker_if_should", "rasa/core/processor.py"),
    ("running actions", "_run_action", "rasa/core/processor.py"),
    ("tracker store (load/save)", None, "rasa/core/tracker_store.py"),
    ("lock store", None, "rasa/core/lock_store.py"),
)
# Parts of those steps worth naming on their own (inside "running actions").
HOTSPOTS: tuple[tuple[str, str | None, str], ...] = (
    (
        "validating the action server's reply (jsonschema)",
        "_validate_action_result",
        "rasa/core/actions/action.py",
    ),
    (
        "building the action request (tracker + domain)",
        "_action_call_format",
        "rasa/core/actions/action.py",
    ),
    ("HTTP round trip to the action server", "request", "rasa/utils/endpoints.py"),
)


class FrameLike(Protocol):
    """What :func:`category_times` needs of a pyinstrument frame."""

    @property
    def function(self) -> str:
        """The function name."""

    @property
    def file_path(self) -> str | None:
        """The source file."""

    @property
    def time(self) -> float:
        """Seconds spent in the frame and its children."""

    @property
    def children(self) -> Sequence[FrameLike]:
        """The frames it called."""


def category_times(
    root: FrameLike, categories: Iterable[tuple[str, str | None, str]] = STEPS
) -> dict[str, float]:
    """Seconds spent in each category: the outermost matching frames, not double counted."""
    rules = list(categories)
    totals = {name: 0.0 for name, _, _ in rules}
    stack: list[FrameLike] = [root]
    while stack:
        frame = stack.pop()
        path = (frame.file_path or "").replace(os.sep, "/")
        hit = next(
            (
                name
                for name, function, fragment in rules
                if fragment in path and (function is None or frame.function == function)
            ),
            None,
        )
        if hit is not None:
            totals[hit] += frame.time
            continue
        stack.extend(frame.children)
    return totals


@dataclass(frozen=True)
class ImportTime:
    """Cumulative import time of one top-level package."""

    package: str
    seconds: float


@dataclass
class _Import:
    level: int
    micros: int
    name: str
    children: list[_Import] = field(default_factory=list)

    @property
    def package(self) -> str:
        return self.name.split(".")[0]


def _import_tree(stderr: str) -> list[_Import]:
    """The imports ``python -X importtime`` printed, as trees (it prints children first)."""
    stack: list[_Import] = []
    for line in stderr.splitlines():
        if not line.startswith("import time:"):
            continue
        parts = line[len("import time:") :].split("|")
        if len(parts) != 3 or not parts[1].strip().isdigit():
            continue  # the header line
        name = parts[2].rstrip()
        level = (len(name) - len(name.lstrip(" ")) - 1) // 2
        node = _Import(level, int(parts[1].strip()), name.strip())
        while stack and stack[-1].level > level:
            node.children.insert(0, stack.pop())
        stack.append(node)
    return stack


def import_times(stderr: str, top: int = 10, skip: Iterable[str] = ("bench",)) -> list[ImportTime]:
    """The packages that took longest to import, from ``python -X importtime`` output.

    Each package is charged the cumulative time of its outermost imports, including what
    they imported in turn, so the figures overlap: ``rasa`` includes the ``tensorflow``
    that Rasa imports.
    """
    totals: dict[str, int] = {}
    skipped = set(skip)

    def visit(node: _Import, outer: frozenset[str]) -> None:
        if node.package not in outer:
            totals[node.package] = totals.get(node.package, 0) + node.micros
        for child in node.children:
            visit(child, outer | {node.package})

    for root in _import_tree(stderr):
        visit(root, frozenset())
    ordered = sorted(
        ((p, t) for p, t in totals.items() if p not in skipped), key=lambda item: -item[1]
    )
    return [ImportTime(package, micros / 1e6) for package, micros in ordered[:top]]


@dataclass
class Profile:
    """What the profiling process measured for one bot."""

    label: str
    import_seconds: float
    load_seconds: float
    first_message_seconds: float
    unprofiled_messages: int
    unprofiled_seconds: float  # the same kind of messages without the profiler
    messages: int
    handling_seconds: float  # all profiled messages
    steps: dict[str, float]  # seconds in each of STEPS over the profiled messages
    hotspots: dict[str, float]  # seconds in each of HOTSPOTS
    flat: str  # pyinstrument's slowest functions (self time)
    imports: list[ImportTime] = field(default_factory=list)
    validation: dict[str, float] = field(default_factory=dict)  # s per reply check
    checks_per_message: float = 0.0  # action replies Rasa validated per message
    variants: list[tuple[str, float]] = field(default_factory=list)  # (change, s/message)
    launcher_patches: list[str] = field(default_factory=list)  # applied as the launcher does
    store: str = ""  # "cached" (bot.rasa.tracker_store), "sql" (Rasa's SQL store) or "other"

    @property
    def per_message_ms(self) -> float:
        """Mean handling time of a message without the profiler, in ms."""
        if not self.unprofiled_messages:
            return 0.0
        return 1000 * self.unprofiled_seconds / self.unprofiled_messages

    def share(self, seconds: float) -> float:
        """``seconds`` of profiled time as a share of all profiled handling."""
        return seconds / self.handling_seconds if self.handling_seconds else 0.0


def run(
    label: str,
    model: Path,
    messages: Sequence[str],
    workdir: Path,
    env: Mapping[str, str],
    endpoints: Path | None = None,
    count: int = 100,
    launcher_patches: bool = False,
) -> Profile:
    """Profile ``model`` in a fresh process (with ``-X importtime``)."""
    workdir.mkdir(parents=True, exist_ok=True)
    pool = workdir / f"messages-{label}.json"
    pool.write_text(json.dumps(list(messages)))
    out = workdir / f"profile-{label}.json"
    command = [
        sys.executable,
        "-X",
        "importtime",
        "-m",
        "bench.profile_handling",
        "--model",
        str(model),
        "--messages",
        str(pool),
        "--count",
        str(count),
        "--out",
        str(out),
    ]
    if endpoints is not None:
        command += ["--endpoints", str(endpoints)]
    if launcher_patches:
        command.append("--launcher-patches")
    result = subprocess.run(
        command,
        cwd=PROJECT_DIR,
        env=quiet(dict(env)),
        capture_output=True,
        text=True,
        timeout=PROFILE_TIMEOUT,
        check=False,
    )
    (workdir / f"profile-{label}.log").write_text(result.stderr)
    if result.returncode != 0:
        tail = "\n".join(result.stderr.splitlines()[-20:])
        raise RuntimeError(f"profiling {label} failed:\n{tail}")
    data: dict[str, Any] = json.loads(out.read_text())
    return Profile(
        label=label,
        import_seconds=data["import_seconds"],
        load_seconds=data["load_seconds"],
        first_message_seconds=data["first_message_seconds"],
        unprofiled_messages=data["unprofiled_messages"],
        unprofiled_seconds=data["unprofiled_seconds"],
        messages=data["messages"],
        handling_seconds=data["handling_seconds"],
        steps=data["steps"],
        hotspots=data["hotspots"],
        flat=data["flat"],
        imports=import_times(result.stderr),
        validation=data.get("validation", {}),
        checks_per_message=float(data.get("checks_per_message", 0.0)),
        variants=[(str(n), float(t)) for n, t in data.get("variants", [])],
        launcher_patches=[str(p) for p in data.get("launcher_patches", [])],
        store=str(data.get("store", "")),
    )
