"""What the rule-based NLU components share: the spaCy pipeline and a compiled matcher."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage

from bot import nlp

if TYPE_CHECKING:
    from rasa.shared.nlu.training_data.message import Message
    from spacy.language import Language

RULE_TEXT = "rule_text"  # the message with misspellings corrected (bot.nlu.spelling)


def rule_text(message: Message) -> str | None:
    """The text the rule-based matchers read: corrected when the corrector ran."""
    text = message.get(RULE_TEXT) or message.get("text")
    return text if isinstance(text, str) else None


class MatchingComponent(GraphComponent):
    """A non-trainable component that runs a matcher built from ``bot/knowledge``.

    Subclasses say how to build their matcher; the files it is built from are read when
    the server starts, so a broken file stops start-up with an error naming it.
    """

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """Default settings."""
        return {
            # path of the spaCy pipeline built by `python -m bot.spacy_model`
            "model": nlp.DEFAULT_MODEL,
        }

    def __init__(self, matcher: Any) -> None:
        """Use a compiled matcher."""
        self.matcher = matcher

    @classmethod
    def build_matcher(cls, language: Language) -> Any:
        """Compile this component's matcher against the spaCy pipeline."""
        raise NotImplementedError

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> MatchingComponent:
        """Create the component with its matcher compiled."""
        return cls(cls.build_matcher(nlp.load(config["model"])))
