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
