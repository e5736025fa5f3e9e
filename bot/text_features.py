"""The text features the statistical classifiers share: TF-IDF of character and word grams.

Character 2-``max_char_ngram`` grams within words (robust to typos) and word 1-2 grams,
of the lower-cased text. Used by the intent classifier
(:mod:`bot.nlu.linear_intent_classifier`) and the safety backstop
(:mod:`bot.safety_backstop`).
"""

from __future__ import annotations

from collections.abc import Sequence
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


class FastFeatures:
    """A fitted union's ``transform``, the same values without scikit-learn's checks.

    scikit-learn validates its input and recomputes ``idf_`` on every call: for one short
    message that took longer than counting its grams (about 1.3 ms of each message's 7 ms
    here, for the intent classifier and the backstop together). The analyzers, vocabularies
    and weights are read once from the fitted vectorisers.
    """

    def __init__(self, union: Any) -> None:
        """Read the fitted vectorisers of ``union`` (a scikit-learn FeatureUnion)."""
        import numpy as np

        self.parts = []
        for _, vectorizer in union.transformer_list:
            self.parts.append(
                (
                    vectorizer.build_analyzer(),
                    dict(vectorizer.vocabulary_),
                    np.asarray(vectorizer.idf_, dtype=np.float64),
                    bool(vectorizer.sublinear_tf),
                    vectorizer.norm,
                )
            )

    def transform(self, texts: Sequence[str]) -> Any:
        """The TF-IDF rows of ``texts``, as ``union.transform`` gives them (CSR)."""
        from collections import Counter

        import numpy as np
        import scipy.sparse as sp

        blocks = []
        for analyzer, vocabulary, idf, sublinear, norm in self.parts:
            indptr: list[int] = [0]
            indices: list[int] = []
            counts: list[int] = []
            for text in texts:
                found = sorted(
                    (vocabulary[gram], n)
                    for gram, n in Counter(analyzer(text)).items()
                    if gram in vocabulary
                )
                indices.extend(column for column, _ in found)
                counts.extend(n for _, n in found)
                indptr.append(len(indices))
            data = np.asarray(counts, dtype=np.float64)
            columns = np.asarray(indices, dtype=np.int32)
            if sublinear:
                data = np.log(data) + 1.0
            data *= idf[columns]
            if norm == "l2":
                sizes = np.diff(np.asarray(indptr, dtype=np.int64))
                rows = np.repeat(np.arange(len(texts)), sizes)
                lengths = np.sqrt(np.bincount(rows, weights=data * data, minlength=len(texts)))
                lengths[lengths == 0] = 1.0
                data /= lengths[rows]
            elif norm is not None:
                raise ValueError(f"unsupported norm {norm!r}")
            shape = (len(texts), len(idf))
            blocks.append(sp.csr_matrix((data, columns, indptr), shape=shape))
        return sp.hstack(blocks, format="csr")


def probabilities(classifier: Any, rows: Any) -> Any:
    """``classifier.predict_proba(rows)`` for a fitted logistic regression, unchecked.

    Multinomial over three or more classes (softmax), else the binary logistic; the same
    values scikit-learn gives (checked in tests/bot/test_text_features.py).
    """
    import numpy as np
    from scipy.special import expit, softmax

    scores = np.asarray(rows @ classifier.coef_.T) + classifier.intercept_
    if scores.shape[1] == 1:
        positive = expit(scores[:, 0])
        return np.column_stack([1.0 - positive, positive])
    return softmax(scores, axis=1)
