"""Cut over-long messages before any other NLU component sees them.

A single message of about 112,000 characters made a stock Rasa 3.6 server grow past
24 GB (the classifier's cost grows with the square of the message length). Running first
in the pipeline, this guard caps every message, whatever channel it came from.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.limits import MAX_MESSAGE_CHARS, truncate_message


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER], is_trainable=False)
class MessageLengthGuard(GraphComponent):
    """Truncates message text to ``max_chars`` characters."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """Default settings."""
        return {
            # longest message the NLU reads, in characters; the rest is dropped
            "max_chars": MAX_MESSAGE_CHARS,
        }

    def __init__(self, config: dict[str, Any]) -> None:
        """Keep the configured limit."""
        self.max_chars = int(config["max_chars"])

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> MessageLengthGuard:
        """Create the component from its config."""
        return cls(config)

    def process(self, messages: list[Message]) -> list[Message]:
        """Truncate each message's text in place."""
        for message in messages:
            text = message.get(TEXT)
            if isinstance(text, str):
                message.set(TEXT, truncate_message(text, self.max_chars))
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Training examples are short already; nothing to do."""
        return training_data
