"""``make bench``: evaluate and benchmark the bot against Rasa's defaults.

Usage: ``python -m bench [--budget-minutes 25] [--only SECTION ...] [--keep]``.

The run has two phases. First, one thing at a time (so nothing else skews the timings):
content checks, red flags, our training, the starter bot's training (``rasa init``),
then both bots' servers under load, the long stress run (two servers, one killed), then
profiles. Second, the intent evaluations of our pipeline and Rasa's default pipeline run
side by side, one worker process each, within what is left of the budget. The workers
start during the first phase but are frozen (SIGSTOP) while anything is timed. Then the
plots and ``docs/benchmarks.md`` are written.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from bench.servers import QUIET_ENV

os.environ.update(QUIET_ENV)  # before anything imports Rasa or TensorFlow

from bench import plots, profiling, redflags, report, serving, stress, training, voice
from bench.content import check as check_content
from bench.messages import shuffled_texts
from bench.nlu_eval import HELDOUT
from bench.progress import Progress, clock
from bench.readability import (
    MAX_GRADE,
    MAX_MEDIAN_GRADE,
    default_graded,
    every_medical_answer,
)
from bench.results import DEFAULT_KEY, QUICK_EPOCHS, QUICK_KEY, BenchResults, Environment
from bench.servers import baseline, ours, rasa_init, starter_model
from bench.workers import (
    NluWorkers,
    default_pipeline_config,
    fewer_epochs,
    rasa_init_config,
    same_settings,
)
from bot.launch.settings import PROJECT_DIR, Settings
from bot.launch.train import inputs_hash, is_fresh

SECTIONS = ("content", "training", "voice", "baseline", "serve", "stress", "profile", "nlu")
DOCS = PROJECT_DIR / "docs"
LOGS = PROJECT_DIR / "results" / "bench"
REPORT_RESERVE_SECONDS = 45  # kept at the end of the budget for plots and the report
INIT_TIMEOUT = 900


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "--budget-minutes", type=float, default=25.0, help="stop in time (default 25)"
    )
    parser.add_argument(
        "--only",
        nargs="+",
        choices=SECTIONS,
        default=list(SECTIONS),
        help="run only these parts (the report shows what was measured)",
    )
    parser.add_argument("--docs", type=Path, default=DOCS, help="where to write the report")
    parser.add_argument(
        "--starter",
        type=Path,
        help="reuse a starter bot made earlier by `rasa init` (its training is then not timed)",
    )
    parser.add_argument(
        "--profile-baseline",
        action="store_true",
        help="profile the starter bot too (about two more minutes)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    parser.add_argument("--sequential", type=int, default=300, help="latency messages")
    parser.add_argument("--per-sender", type=int, default=10, help="messages per sender")
    return parser.parse_args(argv)


class Bench:
    """One run: its steps share the progress printer, the work folder and the results."""

    def __init__(self, args: argparse.Namespace) -> None:
        """Prepare the run (nothing is started yet)."""
        self.args = args
        self.only = set(args.only)
        self.progress = Progress(args.budget_minutes * 60)
        self.work = Path(tempfile.mkdtemp(prefix="lems-bench-"))
        self.results: BenchResults | None = None
        self.starter: Path | None = None
        self.our_model: Path | None = None
        self.heldout_texts = shuffled_texts(HELDOUT)
        self.environment = Environment.read()
        deadline = self.progress.start + self.progress.budget_seconds - REPORT_RESERVE_SECONDS
        self.workers = NluWorkers(self.work, self.progress, deadline)

    def run(self) -> BenchResults:
        """Every step in order; the intent evaluations run in the background meanwhile."""
        from bot import knowledge
        from bot.safety import default_rules

        with self.progress.step("content: reading grades, source quotes, disclaimers"):
            graded = default_graded()
            medical = every_medical_answer(knowledge.default(), default_rules())
            content = check_content(knowledge.default(), medical)
        with self.progress.step("red flags: the labelled set through the safety rules"):
            flags = redflags.evaluate()
        self.results = results = BenchResults(
            environment=self.environment,
            graded=graded,
            content=content,
            redflags=flags,
            budget_seconds=self.progress.budget_seconds,
        )
        try:
            if "nlu" in self.only:
                quick = fewer_epochs(
                    default_pipeline_config(), QUICK_EPOCHS, self.work / "default-quick.yml"
                )
                self.workers.start(
                    DEFAULT_KEY, rasa_init_config(), quick=(QUICK_KEY, quick, 100 / QUICK_EPOCHS)
                )
            if "training" in self.only and self.fits(240, "our training"):
                with (
                    self.progress.step("ours: fresh training, then two runs that must reuse it"),
                    self.workers.paused(),
                ):
                    results.training = training.measure(self.work / "train")
                results.notes += results.training.notes
            self.our_model = self.choose_model()
            if "nlu" in self.only:
                first_fold = results.training.forced.seconds if results.training else None
                self.workers.start("ours", PROJECT_DIR / "config.yml", self.our_model, first_fold)
            if "voice" in self.only and self.fits(120, "the patient-voice evaluation"):
                with (
                    self.progress.step("ours: patient-voice evaluation through REST"),
                    self.workers.paused(),
                ):
                    results.voice = voice.measure(ours(self.work / "voice", self.our_model))
            with self.workers.paused():  # nothing else runs while the bots are timed
                self.make_starter()
                if "serve" in self.only:
                    self.serve()
                if "stress" in self.only and self.fits(360, "the long stress run"):
                    with self.progress.step(
                        "ours: two servers, one killed, 200 conversations x 10 turns, "
                        "cache on and off"
                    ):
                        results.stress = stress.measure(self.work / "stress", self.our_model)
                if "profile" in self.only and self.fits(90, "the profile"):
                    self.profile()
            self.workers.wait()
        finally:
            self.workers.stop()
        results.nlu = self.workers.results()
        results.notes += self.workers.notes
        default = results.nlu.get(DEFAULT_KEY)
        if "nlu" in self.only and (default is None or not default.heldout):
            results.notes.append(
                "Rasa's default pipeline (100 epochs) was not trained on all of data/nlu within "
                "the budget, so only its 25-epoch stand-in has held-out figures in this run."
            )
        return results

    def make_starter(self) -> None:
        """Rasa's starter bot: made (and its training timed) by rasa init, or reused."""
        assert self.results is not None
        if self.args.starter is not None:
            self.starter = self.args.starter.resolve()
            self.results.notes.append(
                f"The starter bot was reused from {self.starter} (--starter): its training "
                "was not timed in this run."
            )
        elif self.only & {"baseline", "serve", "profile"} and self.fits(240, "rasa init"):
            with self.progress.step("baseline: rasa init --no-prompt (scaffolds and trains)"):
                self.results.baseline_train_seconds = rasa_init(
                    self.work / "starter", self.work / "rasa-init.log", INIT_TIMEOUT
                )
            self.starter = self.work / "starter"
            log = (self.work / "rasa-init.log").read_text(errors="replace")
            self.results.baseline_components = tuple(training.component_times(log))
        if self.starter is not None and not same_settings(
            rasa_init_config(), self.starter / "config.yml"
        ):
            self.results.notes.append(
                "The starter's config.yml holds other settings than the one rasa init copies; "
                "the default pipeline was trained with the latter."
            )

    def fits(self, seconds: float, what: str) -> bool:
        """Whether ``seconds`` more fit in the budget; if not, ``what`` is skipped, noted."""
        left = self.progress.remaining() - REPORT_RESERVE_SECONDS
        if left >= seconds:
            return True
        assert self.results is not None
        self.results.notes.append(
            f"Skipped {what}: it needs about {seconds:.0f} s and {max(left, 0):.0f} s of the "
            "budget were left."
        )
        self.progress.say(f"skipped {what}: not enough of the budget left")
        return False

    def choose_model(self) -> Path:
        """The real model if it matches the current inputs, else the one trained here."""
        assert self.results is not None
        real = Settings.from_env().model_path
        if is_fresh(real, inputs_hash()):
            self.results.model_note = (
                f"Our held-out figures and servers use `{real.relative_to(PROJECT_DIR)}` "
                "(trained from the current inputs)."
            )
            return real
        trained = self.results.training.model if self.results.training else None
        if trained is not None and trained.is_file():
            self.results.model_note = (
                f"`{real.relative_to(PROJECT_DIR)}` was missing or stale, so our held-out "
                "figures and servers use the model this run trained from the current inputs."
            )
            return trained
        if real.is_file():
            self.results.model_note = (
                f"Our figures use `{real.relative_to(PROJECT_DIR)}`, which is STALE: its "
                "inputs changed since it was trained, and this run trained no model."
            )
            self.results.notes.append(self.results.model_note)
            return real
        raise SystemExit(f"No model at {real} and none trained here: run `make train`.")

    def serve(self) -> None:
        """Measure both bots' servers: latency side by side, the rest one at a time."""
        assert self.results is not None and self.our_model is not None
        plan = serving.ServePlan(
            sequential_messages=self.args.sequential, per_sender=self.args.per_sender
        )
        bots = [(ours(self.work / "serve-ours", self.our_model), self.heldout_texts)]
        what = "ours"
        if self.starter is not None and self.fits(350, "both bots' server measurements"):
            starter = baseline(self.starter, self.work / "serve-baseline")
            bots.append((starter, shuffled_texts(self.starter / "data" / "nlu.yml")))
            what = "ours and baseline"
        elif not self.fits(150, "our servers' measurements"):
            return
        with self.progress.step(f"{what}: servers: start-up, latency, load, memory"):
            for result in serving.measure(bots, plan):
                self.results.serve[result.label] = result

    def profile(self) -> None:
        """Profile start-up and message handling of both bots (see bench.profiling)."""
        assert self.results is not None and self.our_model is not None
        with self.progress.step("ours: profile (importtime, load, 100 messages)"):
            bot = ours(self.work / "profile-ours", self.our_model)
            actions = bot.actions
            assert actions is not None and bot.action_health_url is not None
            env = dict(actions.env, TRACKER_DB=str(self.work / "profile-ours" / "profile.db"))
            try:
                actions.start()
                serving.wait_healthy(bot.action_health_url, actions)
                self.results.profiles["ours"] = profiling.run(
                    "ours",
                    self.our_model,
                    self.heldout_texts,
                    self.work / "profile-ours",
                    env,
                    endpoints=PROJECT_DIR / "endpoints.yml",
                    launcher_patches=True,
                )
            finally:
                actions.stop()
        if self.starter is not None and self.args.profile_baseline:
            with self.progress.step("baseline: profile (importtime, load, 100 messages)"):
                self.results.profiles["baseline"] = profiling.run(
                    "baseline",
                    starter_model(self.starter),
                    shuffled_texts(self.starter / "data" / "nlu.yml"),
                    self.work / "profile-baseline",
                    dict(os.environ),
                    endpoints=self.starter / "endpoints.yml",
                )

    def write(self) -> Path:
        """Plots, the report, and the logs kept under results/bench/."""
        assert self.results is not None
        results = self.results
        docs = self.args.docs
        docs.mkdir(parents=True, exist_ok=True)
        made: dict[str, Path] = {}
        with self.progress.step("plots and report"):
            for name, evaluation in results.nlu.items():
                if evaluation.heldout:
                    title = f"Held-out intents, {name} ({len(evaluation.heldout)} questions)"
                    made[f"confusion_{name}"] = plots.confusion_matrix(
                        evaluation.heldout, title, docs / f"bench-confusion-{name}.png"
                    )
            if results.serve:
                made["latency"] = plots.latency_cdf(results.serve, docs / "bench-latency.png")
                made["length"] = plots.latency_by_turn(results.serve, docs / "bench-length.png")
                made["throughput"] = plots.throughput(results.serve, docs / "bench-throughput.png")
                made["memory"] = plots.memory(results.serve, docs / "bench-memory.png")
            made["grades"] = plots.grades(
                [g.grade for g in results.graded],
                MAX_GRADE,
                MAX_MEDIAN_GRADE,
                docs / "bench-reading-grades.png",
            )
            results.plots = {k: v.name for k, v in made.items()}
            results.wall_seconds = self.progress.elapsed
            results.environment = _with_load_after(results.environment)
            target = docs / "benchmarks.md"
            target.write_text(report.render(results), encoding="utf-8")
        return target

    def keep_logs(self) -> None:
        """Copy every log of the run to results/bench/ (git ignores results/)."""
        shutil.rmtree(LOGS, ignore_errors=True)
        LOGS.mkdir(parents=True, exist_ok=True)
        for log in self.work.rglob("*.log"):
            relative = log.relative_to(self.work)
            target = LOGS / str(relative).replace(os.sep, "--")
            shutil.copyfile(log, target)


def _with_load_after(environment: Environment) -> Environment:
    from dataclasses import replace

    return replace(environment, load_after=os.getloadavg())


def main(argv: Sequence[str]) -> int:
    """Run the benchmarks and write the report."""
    args = parse_args(argv)
    os.chdir(PROJECT_DIR)
    bench = Bench(args)
    bench.progress.say(
        f"benchmarks: budget {clock(bench.progress.budget_seconds)}, work folder {bench.work}"
    )
    try:
        results = bench.run()
        target = bench.write()
        print(report.summary(results), flush=True)
        bench.progress.say(f"wrote {target} and its plots")
        return 0
    finally:
        bench.keep_logs()
        if args.keep:
            bench.progress.say(f"kept {bench.work}")
        else:
            shutil.rmtree(bench.work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
