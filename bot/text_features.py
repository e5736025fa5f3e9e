"""The text features the statistical classifiers share: TF-IDF of character and word grams.

Character 2-``max_char_ngram`` grams within words (robust to typos) and word 1-2 grams,
of the lower-cased text. Used by the intent classifier
(:mod:`bot.nlu.linear_intent_classifier`) and the safety backstop
(:mod:`bot.safety_backstop`).
"""

from __future__ import annotations

from typing import Any


def without_dropped_grams(features: Any) -> Any:
    """``features`` (fitted) without the grams ``min_df`` dropped.

    scikit-learn keeps them in ``stop_words_`` for introspection only, so a saved model
    would carry pieces of single training texts (CVE-2024-5206; fixed in scikit-learn 1.5,
    which Rasa 3.6 does not allow). Transforming does not use them.
    """
    for _, vectorizer in features.transformer_list:
        vectorizer.stop_words_ = None
    return features


def tfidf_features(max_char_ngram: int = 5) -> Any:
    """An unfitted union of the character and word TF-IDF vectorisers."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import make_union

    return make_union(
        TfidfVectorizer(
            analyzer="char_wb", ngram_range=(2, max_char_ngram), sublinear_tf=True, min_df=2
        ),
        TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True),
    )
