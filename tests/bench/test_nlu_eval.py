from pathlib import Path

from bench.nlu_eval import Evaluation, Fold, likely_seconds
from bench.nlu_metrics import Prediction


def test_likely_seconds_discounts_waiting_for_the_cpu() -> None:
    assert likely_seconds(wall=600, cpu=150) == 150  # starved at the lowest priority
    assert likely_seconds(wall=80, cpu=140) == 80  # ran on both cores
    assert likely_seconds(wall=80, cpu=0) == 80  # not measured


def test_an_evaluation_round_trips_through_its_file(tmp_path: Path) -> None:
    prediction = Prediction("hi", "greet", "greet", 0.9, 0.9)
    evaluation = Evaluation(
        "ours",
        "config.yml",
        5,
        model="m.tar.gz",
        full_train_seconds=10.0,
        full_train_cpu_seconds=12.0,
        heldout=[prediction],
        heldout_seconds=1.0,
        folds=[Fold(0, 8.0, 1.0, [prediction], 9.0)],
        notes=["a note"],
        finished=True,
    )
    path = tmp_path / "result.json"
    evaluation.save(path)
    assert Evaluation.load(path) == evaluation
