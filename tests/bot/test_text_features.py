"""The shared TF-IDF features keep nothing of single training texts once fitted."""

from __future__ import annotations

from bot import safety_backstop
from bot.text_features import tfidf_features, without_dropped_grams

TEXTS = ["my chest hurts", "my chest is tight", "hello there", "a private one-off sentence"]


def test_fitted_features_drop_the_grams_min_df_set_aside() -> None:
    features = tfidf_features().fit(TEXTS)
    assert any(v.stop_words_ for _, v in features.transformer_list)  # scikit-learn keeps them
    before = features.transform(TEXTS).toarray()
    without_dropped_grams(features)
    assert all(not v.stop_words_ for _, v in features.transformer_list)
    assert (features.transform(TEXTS).toarray() == before).all()


def test_the_backstop_keeps_none_of_them() -> None:
    models = safety_backstop.train(TEXTS, ["emergency", "emergency", "none", "crisis"])
    assert all(not v.stop_words_ for _, v in models.features.transformer_list)


TRAINING = [
    "what are the side effects",
    "is headache a side effect?",
    "can i take it while pregnant",
    "trying for a baby on mycophenolate",
    "does it raise my risk of infections",
    "will i catch colds more easily",
    "what is lems",
    "what is lambert eaton",
]
INTENTS = ["side", "side", "preg", "preg", "infect", "infect", "lems", "lems"]
ODD = ["", "!!!", "😀😀", "zzzzqqq unknownword", "Side EFFECTS??", "a" * 3000, "what is lems " * 50]


def test_the_fast_transform_gives_what_scikit_learn_gives() -> None:
    from sklearn.linear_model import LogisticRegression

    from bot.text_features import FastFeatures, probabilities

    features = tfidf_features().fit(TRAINING)
    texts = [*TRAINING, *ODD]
    fast = FastFeatures(features)
    expected = features.transform(texts).toarray()
    got = fast.transform(texts)
    assert got.shape == expected.shape
    assert abs(got.toarray() - expected).max() < 1e-12
    rows = features.transform(texts)
    several = LogisticRegression(C=30, max_iter=3000).fit(rows[: len(TRAINING)], INTENTS)
    binary = LogisticRegression().fit(rows[: len(TRAINING)], [i == "preg" for i in INTENTS])
    for classifier in (several, binary):
        assert abs(probabilities(classifier, got) - classifier.predict_proba(rows)).max() < 1e-12
