"""Everything one run found, and the targets it is judged against."""

from __future__ import annotations

import datetime
import os
import platform
import subprocess
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

from bench.content import ContentResult
from bench.nlu_eval import Evaluation
from bench.profiling import Profile
from bench.readability import Graded
from bench.redflags import RedFlagResult
from bench.serving import ServeResult
from bench.stats import ratio, repeat_ratios
from bench.stress import StressRuns
from bench.training import TrainingResult
from bench.voice import VoiceResult
from bot.launch.settings import PROJECT_DIR

TRAINING_TARGET_SECONDS = 90.0
OURS_KEY = "ours"
DEFAULT_KEY = "default"  # Rasa's default pipeline, as rasa init configures it
QUICK_EPOCHS = 25
QUICK_KEY = f"default-{QUICK_EPOCHS}-epochs"  # the same, DIET and ResponseSelector at 25 epochs


@dataclass(frozen=True)
class Environment:
    """The machine and software the figures were measured on."""

    date: str
    cpus: int
    memory_gib: float
    python: str
    packages: dict[str, str]
    system: str
    commit: str
    load_before: tuple[float, float, float]
    load_after: tuple[float, float, float] = (0.0, 0.0, 0.0)

    @classmethod
    def read(cls) -> Environment:
        """Read the machine, the versions and the load average now."""
        packages = {}
        for name in ("rasa", "rasa-sdk", "spacy", "tensorflow", "textstat", "aiohttp"):
            try:
                packages[name] = metadata.version(name)
            except metadata.PackageNotFoundError:
                packages[name] = "not installed"
        return cls(
            date=datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
            cpus=os.cpu_count() or 0,
            memory_gib=memory_gib(),
            python=platform.python_version(),
            packages=packages,
            system=f"{platform.system()} {platform.release()} ({platform.machine()})",
            commit=commit(),
            load_before=os.getloadavg(),
        )


def memory_gib(meminfo: Path = Path("/proc/meminfo")) -> float:
    """Total memory in GiB (0 when unknown)."""
    try:
        for line in meminfo.read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / 1024**2
    except OSError:
        pass
    return 0.0


def commit() -> str:
    """The checked-out commit, marked when the work tree has changes."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=PROJECT_DIR,
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain"],
            cwd=PROJECT_DIR,
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return f"{head} (with uncommitted changes)" if dirty else head


@dataclass(frozen=True)
class Target:
    """One target row: the figures, the rule and whether it was met (None: not measured)."""

    name: str
    ours: str
    baseline: str
    ratio: str
    rule: str
    met: bool | None


@dataclass
class BenchResults:
    """The whole run."""

    environment: Environment
    graded: list[Graded]
    content: ContentResult
    redflags: RedFlagResult
    training: TrainingResult | None = None
    baseline_train_seconds: float | None = None
    baseline_components: tuple[tuple[str, float], ...] = ()  # seconds per trained component
    serve: dict[str, ServeResult] = field(default_factory=dict)
    nlu: dict[str, Evaluation] = field(default_factory=dict)
    profiles: dict[str, Profile] = field(default_factory=dict)
    voice: VoiceResult | None = None
    stress: StressRuns | None = None  # the long two-server run (bench.stress)
    plots: dict[str, str] = field(default_factory=dict)  # name -> path relative to docs/
    notes: list[str] = field(default_factory=list)
    model_note: str = ""
    wall_seconds: float = 0.0
    budget_seconds: float = 0.0


def _fmt(value: float | None, unit: str, digits: int = 1) -> str:
    return "n/a" if value is None else f"{value:.{digits}f} {unit}".strip()


def _ratio(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}x"


REPEATS = 5  # the sequential latency run, cut into this many runs for the ratio's spread


def _spread(ours: ServeResult | None, base: ServeResult | None, q: float) -> str:
    """The ratio's lowest and highest over the repeats: " (0.48-0.55x over 5 runs)"."""
    if ours is None or base is None:
        return ""
    ratios = repeat_ratios(
        [o.seconds for o in ours.sequential.outcomes if o.ok],
        [o.seconds for o in base.sequential.outcomes if o.ok],
        REPEATS,
        q,
    )
    if len(ratios) < 2:
        return ""
    return f" ({min(ratios):.2f}-{max(ratios):.2f}x over {len(ratios)} runs)"


def targets(results: BenchResults) -> list[Target]:
    """The targets of the brief, met or not."""
    rows: list[Target] = []
    ours, base = results.serve.get("ours"), results.serve.get("baseline")
    for name, pick in (("p50", lambda r: r.latency.p50), ("p95", lambda r: r.latency.p95)):
        o = pick(ours) * 1000 if ours else None
        b = pick(base) * 1000 if base else None
        r = ratio(o, b)
        rows.append(
            Target(
                f"REST latency {name}",
                _fmt(o, "ms"),
                _fmt(b, "ms"),
                _ratio(r) + _spread(ours, base, 50 if name == "p50" else 95),
                "≤ 0.4x baseline",
                None if r is None else r <= 0.4,
            )
        )
    o_ready = ours.ready_seconds if ours else None
    b_ready = base.ready_seconds if base else None
    r = ratio(o_ready, b_ready)
    rows.append(
        Target(
            "Ready to answer (process start → first REST reply)",
            _fmt(o_ready, "s"),
            _fmt(b_ready, "s"),
            _ratio(r),
            "≤ 0.5x baseline",
            None if r is None else r <= 0.5,
        )
    )
    growth = ours.length_growth if ours else None
    turns = len(ours.by_turn) if ours else 0
    base_growth = base.length_growth if base else None
    rows.append(
        Target(
            f"Latency at turn {turns} vs turn 1 of one conversation (p50 of 20 turns)",
            _ratio(growth),
            _ratio(base_growth),
            "n/a",
            "≤ 1.3x",
            None if growth is None else growth <= 1.3,
        )
    )
    o_load = ours.load(20) if ours else None
    b_load = base.load(20) if base else None
    o_tp = o_load.throughput if o_load else None
    b_tp = b_load.throughput if b_load else None
    r = ratio(o_tp, b_tp)
    errors = o_load.errors if o_load else None
    rows.append(
        Target(
            "Throughput, 20 concurrent senders",
            f"{_fmt(o_tp, 'msg/s')}, {errors if errors is not None else 'n/a'} errors",
            f"{_fmt(b_tp, 'msg/s')}, {b_load.errors if b_load else 'n/a'} errors",
            _ratio(r),
            "≥ 2x baseline, 0 errors",
            None if r is None or errors is None else (r >= 2 and errors == 0),
        )
    )
    train = results.training
    base_train = results.baseline_train_seconds
    o_train = train.forced.seconds if train else None
    rows.append(
        Target(
            "Training time (fresh, whole model)",
            _fmt(o_train, "s"),
            _fmt(base_train, "s"),
            _ratio(ratio(o_train, base_train)),
            f"≤ {TRAINING_TARGET_SECONDS:g} s",
            None if o_train is None else o_train <= TRAINING_TARGET_SECONDS,
        )
    )
    rows += stress_targets(results.stress)
    rows += voice_targets(results)
    rows.append(
        Target(
            "No retraining when nothing changed",
            f"2nd run {_fmt(train.again.seconds, 's')}" if train else "n/a",
            "n/a (rasa train reuses by fingerprint)",
            "",
            "model reused, not trained",
            None if train is None else train.reused,
        )
    )
    return rows


def stress_targets(stress: StressRuns | None) -> list[Target]:
    """Two servers, one killed mid-run: no user turn lost, doubled or reordered (issue 14)."""
    if stress is None or not stress.runs:
        return []
    plan = stress.runs[0].plan
    counts = [
        (r.cache_size, r.count("lost"), r.count("doubled"), r.count("reordered"))
        for r in stress.runs
    ]
    return [
        Target(
            f"Two servers, one killed mid-run ({plan.conversations} conversations x "
            f"{plan.turns} turns): user turns lost / doubled / reordered",
            "; ".join(
                f"cache {'on' if cache else 'off'}: {lost} / {doubled} / {reordered}"
                for cache, lost, doubled, reordered in counts
            ),
            "n/a",
            "",
            "0 each, every message answered, cache on and off",
            all(r.ok for r in stress.runs),
        )
    ]


def voice_targets(results: BenchResults) -> list[Target]:
    """The understanding and safety targets, on patients' own words (issue 11)."""
    voice = results.voice
    rows: list[Target] = []
    if voice is not None:
        s = voice.summary
        for name, value, goal, good in (
            (
                "Patient-voice single messages right",
                s.single_accuracy,
                "≥ 97%",
                s.single_accuracy >= 0.97,
            ),
            (
                "Patient-voice conversations with every turn right",
                s.conversation_accuracy,
                "≥ 90%",
                s.conversation_accuracy >= 0.90,
            ),
            (
                "Emergency/crisis recall (patient voice)",
                s.alarm_recall,
                "100%",
                s.alarm_recall >= 1.0,
            ),
            (
                "False alarms on ordinary messages (patient voice)",
                s.false_alarm_rate,
                "≤ 1%",
                s.false_alarm_rate <= 0.01,
            ),
        ):
            rows.append(Target(name, f"{100 * value:.1f}%", "n/a", "", goal, good))
        if voice.held_back is not None:
            for label in ("emergency", "crisis"):
                held = voice.held_back.recall(label)
                rows.append(
                    Target(
                        f"{label.capitalize()} recall, held-back red-flag messages",
                        f"{100 * held:.1f}%",
                        "n/a",
                        "",
                        "100%",
                        held >= 1.0,
                    )
                )
    flags = results.redflags
    recall = min((x.recall for x in flags.scores), default=None)
    ordinary = [c for c in flags.cases if c.label == "none"]
    false = sum(bool(c.found) for c in ordinary) / len(ordinary) if ordinary else None
    rows.append(
        Target(
            "Red-flag recall, labelled set (lowest of emergency, crisis)",
            "n/a" if recall is None else f"{100 * recall:.1f}%",
            "n/a",
            "",
            "100%",
            None if recall is None else recall >= 1.0,
        )
    )
    rows.append(
        Target(
            "False alarms, labelled set (cases labelled none)",
            "n/a" if false is None else f"{100 * false:.1f}%",
            "n/a",
            "",
            "≤ 1%",
            None if false is None else false <= 0.01,
        )
    )
    ours = results.nlu.get(OURS_KEY)
    if ours is not None and ours.folds:
        predictions = [p for f in ours.folds for p in f.predictions]
        accuracy = sum(p.correct for p in predictions) / len(predictions)
        rows.append(
            Target(
                f"Intent cross-validation ({len(ours.folds)} folds)",
                f"{100 * accuracy:.1f}%",
                "n/a",
                "",
                "≥ 85%",
                accuracy >= 0.85,
            )
        )
    return rows
