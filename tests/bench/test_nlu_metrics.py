from collections import Counter

import pytest

from bench.nlu_metrics import (
    Prediction,
    confusion,
    f1_by_label,
    scores,
    stratified_folds,
    worst,
)


def p(expected: str, predicted: str, true_confidence: float = 0.9, text: str = "") -> Prediction:
    return Prediction(text or f"{expected}->{predicted}", expected, predicted, 0.9, true_confidence)


PREDICTIONS = [p("a", "a"), p("a", "a"), p("a", "b"), p("b", "b"), p("b", "nlu_fallback")]


def test_accuracy_and_macro_f1_over_the_expected_intents() -> None:
    result = scores(PREDICTIONS)
    assert result.count == 5
    assert result.accuracy == pytest.approx(3 / 5)
    # a: tp 2, fp 0, fn 1 -> 0.8; b: tp 1, fp 1, fn 1 -> 0.5
    assert f1_by_label(PREDICTIONS) == pytest.approx({"a": 0.8, "b": 0.5})
    assert result.macro_f1 == pytest.approx(0.65)


def test_macro_f1_agrees_with_sklearn() -> None:
    from sklearn.metrics import f1_score

    expected = [x.expected for x in PREDICTIONS]
    predicted = [x.predicted for x in PREDICTIONS]
    sk = f1_score(expected, predicted, labels=sorted(set(expected)), average="macro")
    assert scores(PREDICTIONS).macro_f1 == pytest.approx(sk)


def test_worst_puts_wrong_answers_first_then_low_confidence() -> None:
    items = [
        p("a", "a", 0.99, "sure"),
        p("a", "a", 0.40, "unsure"),
        p("a", "b", 0.30, "wrong but close"),
        p("a", "b", 0.01, "very wrong"),
    ]
    assert [x.text for x in worst(items, 3)] == ["very wrong", "wrong but close", "unsure"]


def test_confusion_has_extra_columns_for_labels_never_expected() -> None:
    rows, columns, counts = confusion(PREDICTIONS)
    assert rows == ["a", "b"]
    assert columns == ["a", "b", "nlu_fallback"]
    assert counts == [[2, 1, 0], [0, 1, 1]]


def test_prediction_round_trips_through_plain_data() -> None:
    assert Prediction.from_dict(PREDICTIONS[2].to_dict()) == PREDICTIONS[2]


def test_stratified_folds_cover_every_example_once_and_spread_each_label() -> None:
    labels = ["x"] * 12 + ["y"] * 7 + ["z"] * 5
    folds = stratified_folds(labels, 5, seed=3)
    assert sorted(i for fold in folds for i in fold) == list(range(len(labels)))
    sizes = [len(f) for f in folds]
    assert max(sizes) - min(sizes) <= 1
    for label in "xyz":
        per_fold = [sum(labels[i] == label for i in fold) for fold in folds]
        assert max(per_fold) - min(per_fold) <= 1
    assert stratified_folds(labels, 5, seed=3) == folds


def test_folds_differ_with_the_seed_and_need_two_folds() -> None:
    labels = [str(i % 3) for i in range(30)]
    assert stratified_folds(labels, 3, seed=1) != stratified_folds(labels, 3, seed=2)
    assert Counter(len(f) for f in stratified_folds(labels, 3)) == Counter({10: 3})
    with pytest.raises(ValueError):
        stratified_folds(labels, 1)


def test_nearest_overlap_is_the_best_word_set_overlap() -> None:
    from bench.nlu_metrics import mean_nearest_overlap, nearest_overlap

    assert (
        nearest_overlap("Does it cause a rash?", ["it causes rash", "does it cause a rash"]) == 1.0
    )
    assert nearest_overlap("a b", ["a c", "x y"]) == 1 / 3
    assert nearest_overlap("a", []) == 0.0
    # a text is not compared with itself
    assert mean_nearest_overlap(["a b", "a c"], ["a b", "a c"]) == 1 / 3


def test_fallback_share_and_accuracy_before_the_fallback() -> None:
    from bench.nlu_metrics import Prediction, fallback_share

    predictions = [
        Prediction("x", "greet", "greet", 0.9, 0.9, "greet"),
        Prediction("y", "greet", "nlu_fallback", 0.3, 0.2, "greet"),
        Prediction("z", "greet", "nlu_fallback", 0.3, 0.1, "thank"),
        Prediction("w", "greet", "thank", 0.8, 0.1, "thank"),
    ]
    assert fallback_share(predictions) == (2 / 3, 0.5)
    old = Prediction.from_dict(
        {k: v for k, v in predictions[1].to_dict().items() if k != "ranked_first"}
    )
    assert old.ranked_first == ""
