"""Intent accuracy on questions written apart from the training data (tests/nlu/heldout.yml)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.launch.settings import Settings

HELDOUT = Path(__file__).with_name("heldout.yml")
MIN_ACCURACY = 0.90

pytestmark = pytest.mark.slow


def test_heldout_questions_are_not_in_the_training_data() -> None:
    from rasa.shared.nlu.training_data.loading import load_data

    training = {m.get("text").lower() for m in load_data("data/nlu").intent_examples}
    heldout = {m.get("text").lower() for m in load_data(str(HELDOUT)).intent_examples}
    assert not training & heldout


def test_intent_accuracy_on_heldout_questions() -> None:
    from rasa.core.agent import Agent
    from rasa.shared.nlu.training_data.loading import load_data

    model = Settings.from_env().model_path
    assert model.is_file(), "train first: make train"
    agent = Agent.load(str(model))
    examples = load_data(str(HELDOUT)).intent_examples

    async def predict() -> list[str]:
        return [(await agent.parse_message(m.get("text")))["intent"]["name"] for m in examples]

    predicted = asyncio.run(predict())
    wrong = [
        (m.get("intent"), p, m.get("text"))
        for m, p in zip(examples, predicted, strict=True)
        if p != m.get("intent")
    ]
    accuracy = 1 - len(wrong) / len(examples)
    assert accuracy >= MIN_ACCURACY, f"accuracy {accuracy:.3f}; wrong: {wrong}"
