"""Loading the model without Rasa's warm-up training gives the same predictions."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from bench.nlu_eval import HELDOUT, examples
from bot.launch import model_loading
from bot.launch.settings import Settings


def parse_all(texts: list[str]) -> tuple[list[Any], float]:
    """Every text's intent ranking from a freshly loaded model, and the load time."""
    from rasa.core.agent import Agent

    began = time.monotonic()
    agent = Agent.load(str(Settings.from_env().model_path))
    loaded = time.monotonic() - began

    async def parse() -> list[Any]:
        results = []
        for text in texts:
            result = await agent.parse_message(text)
            results.append(
                [(r["name"], round(r["confidence"], 5)) for r in result["intent_ranking"]]
            )
        return results

    return asyncio.run(parse()), loaded


def test_the_model_predicts_the_same_after_the_quick_load() -> None:
    from rasa.utils.tensorflow.models import RasaModel

    if not Settings.from_env().model_path.is_file():
        pytest.fail("no trained model: `make test` trains it first")
    texts = [text for text, _ in examples(HELDOUT)][::5]
    rasas_load = RasaModel.__dict__["load"]
    rasas, _ = parse_all(texts)
    try:
        model_loading.install()
        model_loading.install()  # twice is harmless
        assert getattr(RasaModel.load, model_loading.MARK)
        quick, _ = parse_all(texts)
    finally:
        RasaModel.load = rasas_load
    assert quick == rasas
