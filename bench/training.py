"""Time our training, and check that an unchanged model is not trained again.

Everything happens in a temporary ``MODEL_PATH`` and model cache (``LEMS_BOT_CACHE``), so
the real ``models/lems-bot.tar.gz`` and ``~/.cache/mycophenolate-lems-bot`` are untouched.
"""

from __future__ import annotations

import datetime
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from bench.servers import quiet
from bot.launch.settings import PROJECT_DIR
from bot.launch.train import inputs_hash

TRAIN_TIMEOUT = 900
_HOOK = re.compile(
    r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) INFO +rasa\.engine\.training\.hooks +- "
    r"(Starting to train|Finished training) component '([^']+)'"
)


def component_times(log: str) -> list[tuple[str, float]]:
    """Seconds each component took to train, from the INFO lines ``rasa train`` logs.

    Rasa logs to the second, so short components show 0 s. A component trained twice
    (the same featurizer for NLU and for core) is summed.
    """
    started: dict[str, datetime.datetime] = {}
    totals: dict[str, float] = {}
    for line in log.splitlines():
        match = _HOOK.match(line)
        if not match:
            continue
        when = datetime.datetime.strptime(match.group(1), "%Y-%m-%d %H:%M:%S")
        name = match.group(3)
        if match.group(2) == "Starting to train":
            started[name] = when
        elif name in started:
            seconds = (when - started.pop(name)).total_seconds()
            totals[name] = totals.get(name, 0.0) + seconds
    return sorted(totals.items(), key=lambda item: -item[1])


@dataclass(frozen=True)
class TrainRun:
    """One run of ``python -m bot.launch.train``."""

    command: str
    seconds: float
    last_line: str  # what it printed last (e.g. "Model is up to date ...")
    model_changed: bool  # whether the model file was (re)written
    components: tuple[tuple[str, float], ...] = ()  # seconds per trained component
    inputs: str = ""  # digest of the training inputs when the run started


@dataclass(frozen=True)
class TrainingResult:
    """A forced training, then two runs that must reuse its model."""

    model: Path
    forced: TrainRun
    again: TrainRun  # nothing changed: must say the model is up to date
    from_cache: TrainRun  # model file deleted, cache kept: must restore, not train
    notes: tuple[str, ...] = ()  # e.g. the inputs were edited while this ran

    @property
    def reused(self) -> bool:
        """Whether both later runs reused the model instead of training."""
        return (
            not self.again.model_changed
            and "up to date" in self.again.last_line
            and "Reused" in self.from_cache.last_line
            and "Trained" not in self.from_cache.last_line
        )


def _signature(model: Path) -> tuple[int, int] | None:
    try:
        stat = model.stat()
    except FileNotFoundError:
        return None
    return stat.st_mtime_ns, stat.st_size


def run_train(model: Path, cache: Path, log: Path, force: bool) -> TrainRun:
    """Run ``python -m bot.launch.train [--force]`` into ``model``; time it."""
    command = [sys.executable, "-m", "bot.launch.train", *(["--force"] if force else [])]
    env = quiet(dict(os.environ))
    env.update(MODEL_PATH=str(model), LEMS_BOT_CACHE=str(cache))
    before = _signature(model)
    digest = inputs_hash()
    started = time.monotonic()
    result = subprocess.run(
        command,
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=TRAIN_TIMEOUT,
        check=False,
    )
    seconds = time.monotonic() - started
    with log.open("a") as out:
        out.write(f"$ {' '.join(command)}\n{result.stdout}\n{result.stderr}\n")
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{result.stderr[-2000:]}")
    lines = [line for line in result.stdout.splitlines() if line.strip()]
    return TrainRun(
        command="python -m bot.launch.train" + (" --force" if force else ""),
        seconds=seconds,
        last_line=lines[-1] if lines else "",
        model_changed=_signature(model) != before,
        components=tuple(component_times(result.stdout + "\n" + result.stderr)),
        inputs=digest,
    )


def measure(workdir: Path) -> TrainingResult:
    """Force a training, run again unchanged, then again from the cache only.

    If someone edits the inputs (``data/``, ``domain.yml`` ...) while the forced training
    runs, the next run rightly trains again; that run is then repeated once, and noted.
    """
    workdir.mkdir(parents=True, exist_ok=True)
    model = workdir / "models" / "lems-bot.tar.gz"
    cache = workdir / "cache"
    log = workdir / "train.log"
    notes: list[str] = []
    forced = run_train(model, cache, log, force=True)
    again = run_train(model, cache, log, force=False)
    if again.inputs != forced.inputs:
        notes.append(
            "The training inputs were edited while the forced training ran, so the second "
            f"run trained again ({again.seconds:.0f} s); the unchanged run was repeated."
        )
        again = run_train(model, cache, log, force=False)
    model.unlink()
    model.with_suffix(".inputs").unlink(missing_ok=True)
    from_cache = run_train(model, cache, log, force=False)
    if from_cache.inputs != again.inputs:
        notes.append("The training inputs were edited during the cache check.")
    return TrainingResult(
        model=model, forced=forced, again=again, from_cache=from_cache, notes=tuple(notes)
    )
