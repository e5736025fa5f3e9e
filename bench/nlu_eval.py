"""Intent evaluation of one NLU pipeline, run as a worker process.

``python -m bench.nlu_eval --pipeline NAME --config CONFIG --workdir DIR --out JSON ...``

It scores the held-out questions (with a given model, or one it trains on all of
``data/nlu``), then runs stratified k-fold cross-validation on ``data/nlu``, training the
NLU only for each fold (``rasa.model_training.train_nlu``) and parsing the fold's examples
with ``Agent.parse_message``. A fold is started only if the time it is expected to take
(the previous training's) fits before ``--deadline``; the result file is rewritten after
every step, so whatever finished is kept if the process is stopped.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from bench.nlu_metrics import Prediction, stratified_folds
from bench.progress import Progress
from bot.launch.settings import PROJECT_DIR

HELDOUT = PROJECT_DIR / "tests" / "nlu" / "heldout.yml"
TRAINING = PROJECT_DIR / "data" / "nlu"
DOMAIN = PROJECT_DIR / "domain.yml"
FOLDS = 5
SEED = 7
FALLBACK_INTENT = "nlu_fallback"
TRAIN_SHARE = (FOLDS - 1) / FOLDS  # a fold trains on this share of the data


@dataclass
class Fold:
    """One cross-validation fold's timings and predictions."""

    index: int
    train_seconds: float
    eval_seconds: float
    predictions: list[Prediction]
    train_cpu_seconds: float = 0.0  # CPU time of the training (all threads)


@dataclass
class Evaluation:
    """Everything one worker found; saved as JSON."""

    pipeline: str
    config: str
    folds_total: int
    model: str | None = None
    full_train_seconds: float | None = None
    full_train_cpu_seconds: float | None = None
    heldout: list[Prediction] = field(default_factory=list)
    heldout_seconds: float | None = None
    folds: list[Fold] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    finished: bool = False

    def to_dict(self) -> dict[str, Any]:
        """As plain data."""
        return {
            "pipeline": self.pipeline,
            "config": self.config,
            "folds_total": self.folds_total,
            "model": self.model,
            "full_train_seconds": self.full_train_seconds,
            "full_train_cpu_seconds": self.full_train_cpu_seconds,
            "heldout": [p.to_dict() for p in self.heldout],
            "heldout_seconds": self.heldout_seconds,
            "folds": [
                {
                    "index": f.index,
                    "train_seconds": f.train_seconds,
                    "train_cpu_seconds": f.train_cpu_seconds,
                    "eval_seconds": f.eval_seconds,
                    "predictions": [p.to_dict() for p in f.predictions],
                }
                for f in self.folds
            ],
            "notes": self.notes,
            "finished": self.finished,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Evaluation:
        """From :meth:`to_dict`'s output."""
        return cls(
            pipeline=data["pipeline"],
            config=data["config"],
            folds_total=int(data["folds_total"]),
            model=data.get("model"),
            full_train_seconds=data.get("full_train_seconds"),
            full_train_cpu_seconds=data.get("full_train_cpu_seconds"),
            heldout=[Prediction.from_dict(p) for p in data.get("heldout", [])],
            heldout_seconds=data.get("heldout_seconds"),
            folds=[
                Fold(
                    index=int(f["index"]),
                    train_seconds=float(f["train_seconds"]),
                    eval_seconds=float(f["eval_seconds"]),
                    predictions=[Prediction.from_dict(p) for p in f["predictions"]],
                    train_cpu_seconds=float(f.get("train_cpu_seconds", 0.0)),
                )
                for f in data.get("folds", [])
            ],
            notes=list(data.get("notes", [])),
            finished=bool(data.get("finished", False)),
        )

    def save(self, path: Path) -> None:
        """Write atomically to ``path``."""
        temporary = path.with_suffix(".tmp")
        temporary.write_text(json.dumps(self.to_dict(), indent=1))
        os.replace(temporary, path)

    @classmethod
    def load(cls, path: Path) -> Evaluation:
        """Read a saved evaluation."""
        return cls.from_dict(json.loads(path.read_text()))


def load_training(path: Path = TRAINING) -> Any:
    """Rasa's ``TrainingData`` of ``path``."""
    from rasa.shared.nlu.training_data.loading import load_data

    return load_data(str(path))


def examples(path: Path) -> list[tuple[str, str]]:
    """``(text, intent)`` of every intent example in ``path``."""
    data = load_training(path)
    return [(m.get("text"), m.get("intent")) for m in data.intent_examples]


async def predict(agent: Any, items: Sequence[tuple[str, str]]) -> list[Prediction]:
    """Parse every ``(text, intent)`` with ``agent``."""
    found = []
    for text, intent in items:
        result = await agent.parse_message(text)
        top = result.get("intent") or {}
        ranking = result.get("intent_ranking") or []
        confidences = {r.get("name"): float(r.get("confidence") or 0.0) for r in ranking}
        predicted = str(top.get("name"))
        confidence = float(top.get("confidence") or 0.0)
        confidences.setdefault(predicted, confidence)
        ranked = [str(r.get("name")) for r in ranking if r.get("name") != FALLBACK_INTENT]
        found.append(
            Prediction(
                text=text,
                expected=intent,
                predicted=predicted,
                confidence=confidence,
                true_confidence=confidences.get(intent, 0.0),
                ranked_first=ranked[0] if ranked else predicted,
            )
        )
    return found


def train(config: Path, data: Path, output: Path, name: str) -> tuple[Path, float, float]:
    """Train the NLU of ``config`` on ``data``: the model, wall seconds and CPU seconds."""
    from rasa.model_training import train_nlu

    started, cpu = time.monotonic(), time.process_time()
    model = train_nlu(
        str(config), str(data), str(output), fixed_model_name=name, domain=str(DOMAIN)
    )
    if model is None:
        raise RuntimeError(f"training {name} produced no model")
    return Path(model), time.monotonic() - started, time.process_time() - cpu


def likely_seconds(wall: float, cpu: float) -> float:
    """What a training like one measured should take now, at normal priority.

    A training that waited for the CPU (at the lowest priority, beside the measured
    servers) used less CPU time than wall time; one that ran on both cores used more.
    The smaller of the two is the better guess for a process that now has about a core.
    """
    return min(wall, cpu) if cpu > 0 else wall


def load_agent(model: Path) -> Any:
    """An agent for ``model``."""
    from rasa.core.agent import Agent

    return Agent.load(str(model))


def write_fold_data(training: Any, keep: Sequence[int], path: Path) -> None:
    """Write the examples ``keep`` (indices into the intent examples) as NLU YAML."""
    from rasa.shared.nlu.training_data.training_data import TrainingData

    chosen = [training.intent_examples[i] for i in keep]
    subset = TrainingData(
        training_examples=chosen,
        entity_synonyms=training.entity_synonyms,
        regex_features=training.regex_features,
        lookup_tables=training.lookup_tables,
    )
    path.write_text(subset.nlu_as_yaml(), encoding="utf-8")


@dataclass
class Worker:
    """Runs the steps of one pipeline's evaluation within a deadline."""

    result: Evaluation
    config: Path
    workdir: Path
    out: Path
    deadline: float  # time.time() value
    progress: Progress
    log: TextIO
    first_fold_estimate: float | None = None

    @contextlib.contextmanager
    def quiet(self) -> Any:
        """Send what Rasa and TensorFlow print to the log file."""
        with contextlib.redirect_stdout(self.log), contextlib.redirect_stderr(self.log):
            yield

    def heldout(self, model: Path | None) -> None:
        """Score the held-out questions, training on all the data first if no model."""
        if model is None:
            name = f"train on all of data/nlu ({self.result.pipeline})"
            with self.progress.step(name), self.quiet():
                slug = "".join(c if c.isalnum() else "-" for c in self.result.pipeline)
                model, seconds, cpu = train(self.config, TRAINING, self.workdir, f"all-{slug}")
            self.result.full_train_seconds = seconds
            self.result.full_train_cpu_seconds = cpu
            self.result.save(self.out)
        self.result.model = str(model)
        with self.progress.step(f"held-out questions ({self.result.pipeline})"):
            started = time.monotonic()
            with self.quiet():
                agent = load_agent(model)
                items = examples(HELDOUT)
                self.result.heldout = asyncio.run(predict(agent, items))
            self.result.heldout_seconds = time.monotonic() - started
        self.result.save(self.out)

    def estimate(self) -> float | None:
        """Expected seconds for the next fold, from what was measured so far."""
        if self.result.folds:
            last = self.result.folds[-1]
            return likely_seconds(last.train_seconds, last.train_cpu_seconds) + last.eval_seconds
        if self.result.full_train_seconds is not None:
            full = likely_seconds(
                self.result.full_train_seconds, self.result.full_train_cpu_seconds or 0.0
            )
            return full * TRAIN_SHARE + (self.result.heldout_seconds or 0.0)
        return self.first_fold_estimate

    def cross_validate(self, folds: int, max_folds: int) -> None:
        """Run up to ``max_folds`` of ``folds`` stratified folds while time allows."""
        with self.quiet():
            training = load_training()
        labels = [m.get("intent") for m in training.intent_examples]
        texts = [m.get("text") for m in training.intent_examples]
        tests = stratified_folds(labels, folds, SEED)
        for index, test in enumerate(tests[:max_folds]):
            expected = self.estimate()
            left = self.deadline - time.time()
            if expected is not None and expected > left:
                self.result.notes.append(
                    f"stopped after {index} of {folds} folds: the next fold was expected to "
                    f"take {expected:.0f} s and {max(left, 0):.0f} s of the budget was left"
                )
                break
            name = f"fold {index + 1}/{folds} ({self.result.pipeline})"
            with self.progress.step(name):
                data = self.workdir / f"fold-{index}.yml"
                held = set(test)
                write_fold_data(training, [i for i in range(len(labels)) if i not in held], data)
                with self.quiet():
                    model, seconds, cpu = train(self.config, data, self.workdir, f"fold-{index}")
                    started = time.monotonic()
                    agent = load_agent(model)
                    items = [(texts[i], labels[i]) for i in test]
                    predictions = asyncio.run(predict(agent, items))
                    del agent
                self.result.folds.append(
                    Fold(index, seconds, time.monotonic() - started, predictions, cpu)
                )
                model.unlink(missing_ok=True)
            self.result.save(self.out)


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    """The worker's command line."""
    parser = argparse.ArgumentParser(prog="python -m bench.nlu_eval", description=__doc__)
    parser.add_argument("--pipeline", required=True, help="a name for the report")
    parser.add_argument("--config", required=True, type=Path)
    parser.add_argument("--model", type=Path, help="score the held-out set with this model")
    parser.add_argument("--workdir", required=True, type=Path)
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--folds", type=int, default=FOLDS)
    parser.add_argument("--max-folds", type=int, default=FOLDS)
    parser.add_argument("--deadline", type=float, required=True, help="time.time() value")
    parser.add_argument("--started", type=float, required=True, help="the run's start")
    parser.add_argument("--budget", type=float, required=True, help="the run's budget, s")
    parser.add_argument("--first-fold-estimate", type=float)
    parser.add_argument(
        "--quick-config",
        type=Path,
        help="first evaluate this cheaper config (fewer epochs), then --config if it fits; "
        "cross-validate the cheaper one",
    )
    parser.add_argument("--quick-label", default="quick", help="the cheaper config's name")
    parser.add_argument("--quick-out", type=Path, help="where the cheaper config's results go")
    parser.add_argument(
        "--epochs-ratio", type=float, default=4.0, help="full epochs / quick epochs"
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str]) -> int:
    """Run the evaluation; progress lines go to stdout, Rasa's output to the log."""
    args = parse_args(argv)
    os.chdir(PROJECT_DIR)
    args.workdir.mkdir(parents=True, exist_ok=True)
    log = (args.workdir / "worker.log").open("a", encoding="utf-8")
    logging.basicConfig(stream=log, level=logging.WARNING, force=True)
    progress = Progress(args.budget, out=sys.stdout, started=args.started, label=args.pipeline)

    def worker(name: str, config: Path, out: Path) -> Worker:
        return Worker(
            result=Evaluation(pipeline=name, config=str(config), folds_total=args.folds),
            config=config,
            workdir=args.workdir,
            out=out,
            deadline=args.deadline,
            progress=progress,
            log=log,
            first_fold_estimate=args.first_fold_estimate,
        )

    main_worker = worker(args.pipeline, args.config, args.out)
    try:
        if args.quick_config is None:
            main_worker.heldout(args.model)
            cross = main_worker
        else:
            cross = worker(args.quick_label, args.quick_config, args.quick_out)
            run_quick_first(cross, main_worker, args.epochs_ratio)
        if args.max_folds > 0:
            cross.cross_validate(args.folds, args.max_folds)
        cross.result.finished = True
    finally:
        main_worker.result.save(args.out)
        if args.quick_config is not None:
            cross.result.save(args.quick_out)
        log.close()
    return 0


def run_quick_first(quick: Worker, full: Worker, epochs_ratio: float) -> None:
    """Score the held-out set with the fewer-epoch config, then the full one if it fits.

    The full training's time is estimated as ``epochs_ratio`` times the quick one's (the
    epochs dominate); it is started only if that fits before the deadline.
    """
    quick.heldout(None)
    took = likely_seconds(
        quick.result.full_train_seconds or 0.0, quick.result.full_train_cpu_seconds or 0.0
    )
    expected = took * epochs_ratio + (quick.result.heldout_seconds or 0.0)
    left = full.deadline - time.time()
    if expected <= left:
        full.heldout(None)
        full.result.finished = True
    else:
        full.result.notes.append(
            f"not trained: {epochs_ratio:g} times the epochs of a training that took "
            f"about {took:.0f} s was expected to take about {expected:.0f} s, and "
            f"{max(left, 0):.0f} s of the budget was left"
        )
    full.result.save(full.out)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
