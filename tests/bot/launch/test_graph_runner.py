"""The sequential graph runner gives what Rasa's dask runner gives, message for message."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from rasa.engine.exceptions import GraphRunError

from bench.nlu_eval import HELDOUT, examples
from bot.launch import graph_runner
from bot.launch.settings import Settings

CONVERSATION = [
    "hello",
    "how does mycophenolate work?",
    "tell me more",
    "can I take it while pregnant",
    "I've had a rash since starting it",
    "what dose should I take",
    "asdfghjkl",
    "I can't breathe properly",
    "thanks, bye",
]


def run_with(runner_class: type, texts: list[str]) -> tuple[list[Any], list[Any]]:
    """Intent rankings of ``texts`` and the replies to CONVERSATION, Rasa's NLU and rules."""
    import rasa.core.processor
    from rasa.core.agent import Agent

    rasas = rasa.core.processor.DaskGraphRunner
    rasa.core.processor.DaskGraphRunner = runner_class
    try:
        agent = Agent.load(str(Settings.from_env().model_path))
    finally:
        rasa.core.processor.DaskGraphRunner = rasas
    assert type(agent.processor.graph_runner) is runner_class

    async def go() -> tuple[list[Any], list[Any]]:
        parsed = []
        for text in texts:
            result = await agent.parse_message(text)
            parsed.append(
                [(r["name"], round(r["confidence"], 5)) for r in result["intent_ranking"]]
            )
        replies = []
        for text in CONVERSATION:  # no action server: Rasa answers with its fallback
            predicted = await agent.handle_text(text, sender_id="graph-runner-test")
            replies.append(predicted)
        tracker = await agent.tracker_store.retrieve("graph-runner-test")
        actions = [e.action_name for e in tracker.events if e.type_name == "action"]
        return parsed, [replies, actions]

    return asyncio.run(go())


def test_the_sequential_runner_predicts_exactly_what_dask_does() -> None:
    import rasa.core.processor

    if not Settings.from_env().model_path.is_file():
        pytest.fail("no trained model: `make test` trains it first")
    texts = [text for text, _ in examples(HELDOUT)][::4]
    rasas = rasa.core.processor.DaskGraphRunner
    assert run_with(graph_runner.SequentialGraphRunner, texts) == run_with(rasas, texts)


def test_install_swaps_the_runner_the_processor_loads_with() -> None:
    import rasa.core.processor

    rasas = rasa.core.processor.DaskGraphRunner
    try:
        graph_runner.install()
        assert rasa.core.processor.DaskGraphRunner is graph_runner.SequentialGraphRunner
    finally:
        rasa.core.processor.DaskGraphRunner = rasas


def test_an_input_named_like_a_node_is_refused(tmp_path: Path) -> None:
    from rasa.engine.graph import ExecutionContext, GraphSchema, SchemaNode
    from rasa.engine.storage.local_model_storage import LocalModelStorage
    from rasa.nlu.classifiers.regex_message_handler import RegexMessageHandler

    schema = GraphSchema(
        {
            "handler": SchemaNode(
                needs={"messages": "__message__"},
                uses=RegexMessageHandler,
                constructor_name="create",
                fn="process",
                config={},
                is_target=True,
            )
        }
    )
    runner = graph_runner.SequentialGraphRunner(
        schema,
        LocalModelStorage.create(__import__("pathlib").Path("/tmp")),
        ExecutionContext(schema),
    )
    with pytest.raises(GraphRunError, match="clashes"):
        runner.run(inputs={"__message__": "handler"})
    assert runner.run(inputs={"__message__": []}) == {"handler": []}
