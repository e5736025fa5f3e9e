"""Rendering the report from a small fake result (no Rasa, no servers)."""

from dataclasses import replace
from pathlib import Path

import pytest

from bench import report
from bench.content import ContentResult
from bench.load import LoadResult, Outcome
from bench.markdown import table
from bench.nlu_eval import Evaluation, Fold
from bench.nlu_metrics import Prediction
from bench.profiling import ImportTime, Profile
from bench.readability import Graded, Reply
from bench.redflags import Case, RedFlagResult, score
from bench.results import BenchResults, Environment, targets
from bench.serving import ServeResult
from bench.stress import LONG, StressRuns
from bench.training import TrainingResult, TrainRun
from bench.voice import VoiceResult
from harness.stress import StressResult


def load(senders: int, seconds: float, errors: int = 0) -> LoadResult:
    outcomes = [Outcome(seconds)] * (senders * 10 - errors) + [Outcome(1.0, "HTTP 500")] * errors
    return LoadResult(senders, 10, elapsed=seconds * 10, outcomes=outcomes)


def serve(label: str, latency: float, ready: float, rss: float, growth: float = 1.0) -> ServeResult:
    sequential = LoadResult(1, 300, 300 * latency, [Outcome(latency)] * 300)
    # a long conversation whose latency grows linearly to ``growth`` times the first turn's
    by_turn = [Outcome(latency * (1 + (growth - 1) * t / 399)) for t in range(400)]
    return ServeResult(
        label=label,
        actions_ready_seconds=1.0,
        ready_seconds=ready,
        sequential=sequential,
        loads=[load(1, latency), load(5, latency), load(20, latency, errors=1)],
        peak_rss_mib={"rasa": rss, "actions": 40.0},
        rss_series={"rasa": [(0.0, rss / 2), (1.0, rss)]},
        by_turn=by_turn,
        bursts=bursts(latency) if label == "ours" else [],
    )


def bursts(latency: float) -> list[LoadResult]:
    """Bursts of 20 and 100 answered in full, then one of 200 with 92 told "busy"."""
    whole = [LoadResult(n, 1, latency * n, [Outcome(latency)] * n) for n in (20, 100)]
    busy = [Outcome(latency * 4)] * 108 + [Outcome(0.01, kind="busy")] * 92
    return [*whole, LoadResult(200, 1, 2.0, busy)]


def prediction(text: str, expected: str, predicted: str) -> Prediction:
    confidence = 0.9 if expected == predicted else 0.1
    return Prediction(text, expected, predicted, 0.9, confidence)


def evaluation(name: str, wrong: int) -> Evaluation:
    heldout = [prediction(f"q{i}", "greet", "greet") for i in range(10 - wrong)]
    heldout += [prediction(f"w{i}", "greet", "goodbye") for i in range(wrong)]
    heldout += [prediction("bye", "goodbye", "goodbye")]
    folds = [Fold(i, 30.0, 2.0, heldout) for i in range(2)]
    return Evaluation(name, "config.yml", 5, heldout=heldout, folds=folds, finished=True)


def profile() -> Profile:
    return Profile(
        label="ours",
        import_seconds=10.0,
        load_seconds=5.0,
        first_message_seconds=0.2,
        unprofiled_messages=30,
        unprofiled_seconds=3.0,
        messages=100,
        handling_seconds=10.0,
        steps={"NLU pipeline": 1.0, "running actions": 6.0, "tracker store (load/save)": 2.0},
        hotspots={"validating the action server's reply (jsonschema)": 5.0},
        flat="0.5 validate jsonschema",
        imports=[ImportTime("rasa", 9.0), ImportTime("tensorflow", 6.0)],
        validation={"rasa_validate": 0.04, "prebuilt_validator": 0.0005},
        checks_per_message=0.9,
        variants=[
            ("as configured", 0.1),
            ("+ action replies checked by a prebuilt validator", 0.06),
            ("+ in-memory tracker store instead of SQL", 0.03),
        ],
    )


@pytest.fixture
def results() -> BenchResults:
    cases = (
        Case("cant breathe", "emergency", frozenset({"emergency"})),
        Case("had chest pain last year", "none", frozenset({"emergency"})),
        Case("want to die", "crisis", frozenset({"crisis"})),
    )
    run = TrainRun("python -m bot.launch.train --force", 80.0, "Trained", True, (("DIET", 50.0),))
    again = TrainRun("python -m bot.launch.train", 3.0, "Model is up to date (x).", False)
    cached = TrainRun("python -m bot.launch.train", 3.5, "Reused the model trained earlier", True)
    return BenchResults(
        environment=Environment(
            date="2026-11-27 08:00 UTC",
            cpus=2,
            memory_gib=23.5,
            python="3.10.13",
            packages={"rasa": "3.6.21"},
            system="Linux",
            commit="abc123",
            load_before=(0.1, 0.2, 0.3),
        ),
        graded=[
            Graded(Reply("topic: a", "Easy words.", True), 4.0, 80.0, 2),
            Graded(Reply("domain: utter_greet", "Hard | words.", False), 11.0, 40.0, 2),
        ],
        content=ContentResult(40, 40, (), 70, 70, ()),
        redflags=RedFlagResult(cases, score(cases)),
        training=TrainingResult(Path("m.tar.gz"), run, again, cached),
        baseline_train_seconds=160.0,
        baseline_components=(("TEDPolicy", 60.0),),
        serve={
            "ours": serve("ours", 0.09, 35.0, 800.0),
            "baseline": serve("baseline", 0.06, 100.0, 1100.0, growth=3.0),
        },
        nlu={
            "ours": evaluation("ours", 1),
            "default-25-epochs": evaluation("default-25-epochs", 3),
        },
        profiles={"ours": profile()},
        plots={"latency": "bench-latency.png", "confusion_ours": "bench-confusion-ours.png"},
        notes=["The default pipeline did 2 of 5 folds."],
        wall_seconds=900.0,
        budget_seconds=1140.0,
    )


def test_targets_are_judged_against_the_baseline(results: BenchResults) -> None:
    verdicts = {t.name: t.met for t in targets(results)}
    assert verdicts["REST latency p50"] is False  # 90 ms vs 0.4 x 60 ms
    assert verdicts["Ready to answer (process start → first REST reply)"] is True  # 0.35x
    assert verdicts["Throughput, 20 concurrent senders"] is False  # 1 error, and 1.0x
    assert verdicts["Training time (fresh, whole model)"] is True
    assert verdicts["No retraining when nothing changed"] is True
    growth = "Latency at turn 400 vs turn 1 of one conversation (p50 of 20 turns)"
    assert verdicts[growth] is True  # ours stays flat; the baseline grows 3x


def test_the_report_shows_latency_against_conversation_length(results: BenchResults) -> None:
    text = report.render(results)
    assert "### Latency against conversation length" in text
    assert "| turns 1-20 | 90 ms | 63 ms | 1.43x |" in text
    assert "| turns 381-400 | 90 ms | 177 ms | 0.51x |" in text  # the baseline grew
    assert "ours 1.00x, baseline 2.82x" in text


def test_the_report_shows_the_bursts_and_the_largest_handled(results: BenchResults) -> None:
    text = report.render(results)
    assert "### Bursts of simultaneous messages (ours)" in text
    assert "| 200 | 108 | 92 | 0 | 0 | 360 ms | 360 ms | 2.0 s |" in text
    assert "p95 under 1 s: 100. At 200: 108 answered, 92 told the bot is busy" in text


def test_the_report_has_every_section_and_the_figures(results: BenchResults) -> None:
    text = report.render(results)
    for heading in (
        "# Benchmarks",
        "## Targets",
        "## Understanding",
        "## Red-flag detection",
        "## Speed and cost",
        "### No retraining when nothing changed",
        "## Findings",
        "## Content quality",
        "## Notes on this run",
    ):
        assert heading in text
    assert "Suggestions" not in text and "```python" not in text  # measured only
    assert "2026-11-27 08:00 UTC" in text and "| CPUs | 2 |" in text
    assert (
        "| REST latency p50 | 90.0 ms | 60.0 ms | 1.50x (1.50-1.50x over 5 runs) | ≤ 0.4x baseline "
        "| **not met** |" in text
    )
    assert "90.9%" in text  # ours held-out: 10 of 11
    assert "ours vs default, 25 epochs" in text
    assert "had chest pain last year" in text  # the misclassified red flag
    assert "![Latency distribution](bench-latency.png)" in text
    assert "domain: utter_greet** (grade 11.0)" in text  # too hard, listed for rewriting
    assert "| + action replies checked by a prebuilt validator | 60.0 ms | -40% |" in text
    assert "The default pipeline did 2 of 5 folds." in text


def test_table_cells_escape_pipes_and_newlines() -> None:
    assert table(["a", "b"], [["x|y", "one\ntwo"]]).splitlines() == [
        "| a | b |",
        "|---|---|",
        "| x\\|y | one two |",
    ]


def test_the_summary_names_every_target(results: BenchResults) -> None:
    text = report.summary(results)
    assert "held-out accuracy / macro F1: ours 90.9% / " in text
    assert "default-25-epochs 72.7%" in text
    assert "REST latency p50: ours 90.0 ms, baseline 60.0 ms -> not met" in text
    assert "reading grade: median 7.5, 1 answer(s) above 10" in text


def test_a_run_with_nothing_measured_still_renders(results: BenchResults) -> None:
    results.serve = {}
    results.nlu = {}
    results.profiles = {}
    results.training = None
    text = report.render(results)
    assert "not measured" in text


def voice_result() -> VoiceResult:
    from bot.evaluation import Graded as Turned
    from bot.evaluation import Turn

    def graded(text: str, expect: str, got: str, half: str, voice: str) -> Turned:
        turn = Turn(text, frozenset({expect}), voice=(voice,), half=half)
        return Turned(turn, (got,), "", turn.verdict([got]))

    singles = (
        graded("my chest is crushing", "safety:emergency", "safety:emergency", "dev", "plain"),
        graded("booze?", "referral:alcohol", "topic:lems", "dev", "fragment"),
        graded("hidden failure", "topic:cancer", "topic:lems", "test", "slang"),
    )
    conversations = (
        (graded("tell me more", "more:cancer", "more:cancer", "dev", "carer"),),
        (graded("why?", "more:pregnancy", "safety:emergency", "test", "carer"),),
    )
    return VoiceResult(singles, conversations, overlaps=(0.2, 0.3, 0.5, 1.0, 0.4))


def test_the_voice_section_shows_both_halves_and_only_dev_failures(
    results: BenchResults,
) -> None:
    r = results
    r.voice = voice_result()
    text = report.voice_section(r)
    assert "| dev half | 50.0% (1/2)" in text
    assert "| test half | 0.0% (0/1)" in text
    assert "booze?" in text and "hidden failure" not in text  # test failures stay unread
    assert "single messages 30.0%, conversation turns 70.0%" in text
    rows = {t.name: t for t in targets(r)}
    assert rows["Emergency/crisis recall (patient voice)"].met is True
    assert rows["False alarms on ordinary messages (patient voice)"].met is False


def test_the_voice_section_shows_the_held_back_red_flag_figures(results: BenchResults) -> None:
    from bot.evaluation import RedFlagScore

    held = RedFlagScore(
        totals={"emergency": 4, "crisis": 2, "none": 5},
        raised={"emergency": 3, "crisis": 2, "none": 1},
    )
    results.voice = replace(voice_result(), held_back=held)
    text = report.voice_section(results)
    assert "| emergency | 4 | 75.0% |" in text and "| none (false alarms) | 5 | 20.0% |" in text
    rows = {t.name: t for t in targets(results)}
    assert rows["Emergency recall, held-back red-flag messages"].met is False
    assert rows["Crisis recall, held-back red-flag messages"].met is True


def stress_run(cache_size: int, problems: dict[str, list[str]]) -> StressResult:
    return StressResult(
        plan=LONG,
        cache_size=cache_size,
        conversations=200,
        messages=2000,
        failed_tries={"ServerDisconnectedError": 3},
        failed_tries_stored=1,
        problems=problems,
        served=(900, 1103),
        served_after_restart=700,
        marks={"killed": 5.0, "restarted": 21.5, "ended": 60.2},
        seconds=[0.1] * 2000,
    )


def test_the_long_stress_run_is_a_target_and_a_section(results: BenchResults) -> None:
    results.stress = StressRuns(runs=[stress_run(1000, {}), stress_run(0, {})])
    text = report.render(results)
    assert "## Two servers, one killed mid-run" in text
    assert (
        "| on | 200 x 10 | 2000 | ServerDisconnectedError: 3 | 1 | 0 | 0 | 0 | 0 | 900 / 1103 |"
        in text
    )
    (row,) = [t for t in targets(results) if t.name.startswith("Two servers")]
    assert row.met is True and row.ours == "cache on: 0 / 0 / 0; cache off: 0 / 0 / 0"

    lost = stress_run(0, {"lost": ["stress-1: message 3 not stored"]})
    results.stress = StressRuns(runs=[stress_run(1000, {}), lost])
    (row,) = [t for t in targets(results) if t.name.startswith("Two servers")]
    assert row.met is False and "cache off: 1 / 0 / 0" in row.ours
    assert "- cache off: stress-1: message 3 not stored" in report.render(results)


def test_a_skipped_stress_run_says_why(results: BenchResults) -> None:
    results.stress = StressRuns(skipped="Redis is not reachable at 127.0.0.1:6379")
    assert "Not run: Redis is not reachable" in report.render(results)
    assert not [t for t in targets(results) if t.name.startswith("Two servers")]
