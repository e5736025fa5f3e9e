"""The intent-evaluation workers (``python -m bench.nlu_eval``), run in the background.

They run at the lowest CPU priority (nice 19, for their session too) while the speed
measurements go on, so they use what the measured servers leave idle of the two cores, and
are stopped at the budget's deadline whatever they are doing (each keeps what it finished
in its JSON file).
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import re
import signal
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from bench.nlu_eval import FOLDS, Evaluation
from bench.progress import Progress, clock
from bench.servers import Server, normal_priority
from bot.launch.settings import PROJECT_DIR

_EPOCHS = re.compile(r"Epochs:\s+\d+%\|[^|]*\|\s*(\d+)/(\d+) \[([\d:]+)")


def last_epoch(log: str) -> str | None:
    """How far the last training got, from its progress bar: "epoch 44 of 100 after 12:33"."""
    found = _EPOCHS.findall(log)
    if not found:
        return None
    done, total, elapsed = found[-1]
    return f"epoch {done} of {total} after {elapsed}"


def rasa_init_config() -> Path:
    """The ``config.yml`` that ``rasa init`` copies into a new project."""
    spec = importlib.util.find_spec("rasa")
    if spec is None or spec.origin is None:
        raise RuntimeError("Rasa is not installed")
    return Path(spec.origin).parent / "cli" / "initial_project" / "config.yml"


def default_pipeline_config() -> Path:
    """The configuration Rasa fills in when ``config.yml`` leaves the pipeline empty."""
    return (
        rasa_init_config().parents[2]
        / "engine"
        / "recipes"
        / "config_files"
        / ("default_config.yml")
    )


def fewer_epochs(config: Path, epochs: int, target: Path) -> Path:
    """A copy of ``config`` whose DIET and ResponseSelector train for ``epochs``."""
    data = yaml.safe_load(config.read_text(encoding="utf-8"))
    for component in data.get("pipeline") or []:
        if "epochs" in component:
            component["epochs"] = epochs
    target.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return target


def same_settings(first: Path, second: Path) -> bool:
    """Whether two config files hold the same settings (comments aside)."""
    return bool(
        yaml.safe_load(first.read_text(encoding="utf-8"))
        == yaml.safe_load(second.read_text(encoding="utf-8"))
    )


@dataclass
class NluWorkers:
    """Starts the workers, waits for them until the deadline, and collects what they found."""

    work: Path
    progress: Progress
    deadline: float  # time.time() value
    workers: dict[str, Server] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    extra: dict[str, Path] = field(default_factory=dict)  # more result files by name

    def start(
        self,
        name: str,
        config: Path,
        model: Path | None = None,
        first_fold_estimate: float | None = None,
        quick: tuple[str, Path, float] | None = None,
    ) -> None:
        """Start the worker ``name`` for ``config`` (scoring ``model`` if given)."""
        command = [
            sys.executable,
            "-m",
            "bench.nlu_eval",
            "--pipeline",
            name,
            "--config",
            str(config),
            "--workdir",
            str(self.work / f"nlu-{name}"),
            "--out",
            str(self.result_file(name)),
            "--folds",
            str(FOLDS),
            "--deadline",
            str(self.deadline),
            "--started",
            str(self.progress.start),
            "--budget",
            str(self.progress.budget_seconds),
        ]
        if model is not None:
            command += ["--model", str(model)]
        if first_fold_estimate is not None:
            command += ["--first-fold-estimate", str(first_fold_estimate)]
        if quick is not None:
            label, config, ratio = quick
            command += [
                "--quick-label", label, "--quick-config", str(config),
                "--quick-out", str(self.result_file(label)), "--epochs-ratio", str(ratio),
            ]  # fmt: skip
            self.extra[label] = self.result_file(label)
        self.progress.say(
            f"intent evaluation '{name}' started in the background (lowest priority), until "
            f"{clock(self.deadline - self.progress.start)} at the latest"
        )
        self.workers[name] = Server(
            f"nlu-{name}",
            command,
            PROJECT_DIR,
            dict(os.environ),
            self.work / f"nlu-{name}.log",
            show_stdout=True,
            background=True,
        ).start()

    @contextlib.contextmanager
    def paused(self) -> Iterator[None]:
        """Freeze every running worker (SIGSTOP to its session) while something is timed.

        The workers lead sessions of their own, so their whole process group stops and
        takes no CPU at all; they carry on where they were afterwards (SIGCONT).
        """
        frozen = [w for w in self.workers.values() if w.alive()]
        for worker in frozen:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(worker.pid, signal.SIGSTOP)
        try:
            yield
        finally:
            for worker in frozen:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(worker.pid, signal.SIGCONT)

    def result_file(self, name: str) -> Path:
        """Where worker ``name`` writes its results."""
        return self.work / f"nlu-{name}.json"

    def wait(self) -> None:
        """Wait until every worker ended or the deadline passed; stop the rest.

        Nothing is timed any more, so the workers get their normal CPU priority back.
        """
        for worker in self.workers.values():
            if worker.alive():
                normal_priority(worker.pid)
        if any(w.alive() for w in self.workers.values()):
            self.progress.say("waiting for the intent evaluations (now at normal priority) ...")
        try:
            while any(w.alive() for w in self.workers.values()) and time.time() < self.deadline:
                time.sleep(1)
        finally:
            self.stop()

    def stop(self) -> None:
        """Stop every worker still running, noting that it was cut short."""
        for name, worker in self.workers.items():
            if worker.alive():
                log = self.work / f"nlu-{name}" / "worker.log"
                reached = last_epoch(log.read_text(errors="replace")) if log.is_file() else None
                self.notes.append(
                    f"The '{name}' intent evaluation was stopped at the end of the budget "
                    f"({clock(time.time() - self.progress.start)})"
                    + (f", while training: {reached}" if reached else "")
                    + "; what it had finished is reported."
                )
            worker.stop()

    def results(self) -> dict[str, Evaluation]:
        """What each worker saved."""
        found = {}
        files = {name: self.result_file(name) for name in self.workers} | self.extra
        for name, path in files.items():
            if path.is_file():
                found[name] = Evaluation.load(path)
            else:
                self.notes.append(f"The '{name}' intent evaluation saved no result.")
        return found
