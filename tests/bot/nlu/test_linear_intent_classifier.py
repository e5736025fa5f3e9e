"""The linear intent classifier trained, saved and loaded through Rasa's model storage."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.linear_intent_classifier import MODEL_FILE, LinearIntentClassifier

EXAMPLES = {
    "ask_pregnancy": ["can i get pregnant on it", "is it safe in pregnancy", "trying for a baby"],
    "ask_side_effects": ["what are the side effects", "does it make you sick", "side effects?"],
    "greet": ["hello", "hi there", "good morning"],
}


def training_data() -> TrainingData:
    return TrainingData(
        [Message(data={TEXT: t, INTENT: i}) for i, texts in EXAMPLES.items() for t in texts]
    )


def trained_and_loaded(tmp_path: Path, **settings: Any) -> LinearIntentClassifier:
    """A classifier trained on EXAMPLES, saved in Rasa's model storage and loaded again."""
    storage = LocalModelStorage(tmp_path)
    resource = Resource("linear")
    context = ExecutionContext(GraphSchema({}), "test")
    config = {**LinearIntentClassifier.get_default_config(), **settings}
    LinearIntentClassifier.create(config, storage, resource, context).train(training_data())
    return LinearIntentClassifier.load(config, storage, resource, context)


def test_trained_saved_and_loaded_it_ranks_the_intents(tmp_path: Path) -> None:
    loaded = trained_and_loaded(tmp_path, max_char_ngram=4)
    [message] = loaded.process([Message(data={TEXT: "Side effects??"})])
    assert message.get(INTENT)["name"] == "ask_side_effects"
    ranking = message.get(INTENT_RANKING_KEY)
    assert ranking[0]["name"] == "ask_side_effects" and len(ranking) == 3
    assert abs(sum(r["confidence"] for r in ranking) - 1) < 1e-6


def test_a_saved_file_with_foreign_types_is_refused(tmp_path: Path) -> None:
    import skops.io as sio

    storage = LocalModelStorage(tmp_path)
    resource = Resource("linear")
    with storage.write_to(resource) as directory:
        sio.dump({"model": Path("x")}, directory / MODEL_FILE)  # a pathlib type: not ours
    context = ExecutionContext(GraphSchema({}), "test")
    with pytest.raises(ValueError, match="unexpected types"):
        LinearIntentClassifier.load({}, storage, resource, context)


def test_one_intent_is_not_enough_to_train(tmp_path: Path) -> None:
    storage = LocalModelStorage(tmp_path)
    context = ExecutionContext(GraphSchema({}), "test")
    component = LinearIntentClassifier.create(
        LinearIntentClassifier.get_default_config(), storage, Resource("linear"), context
    )
    with pytest.raises(ValueError, match="at least two intents"):
        component.train(TrainingData([Message(data={TEXT: "hi", INTENT: "greet"})]))


def test_loaded_weights_score_as_the_fitted_ones(tmp_path: Path) -> None:
    import copy

    import numpy as np

    loaded = trained_and_loaded(tmp_path).model
    assert loaded[-1].coef_.flags["F_CONTIGUOUS"]  # scored without copying the weights
    row_ordered = copy.deepcopy(loaded)
    row_ordered[-1].coef_ = np.ascontiguousarray(row_ordered[-1].coef_)
    texts = ["side effects?", "hello", "pregnant"]
    assert np.allclose(loaded.predict_proba(texts), row_ordered.predict_proba(texts))


def test_the_saved_classifier_keeps_no_dropped_grams(tmp_path: Path) -> None:
    loaded = trained_and_loaded(tmp_path).model
    assert all(not v.stop_words_ for _, v in loaded[0].transformer_list)
