"""The patient-voice evaluation (``bot.evaluation``) against our running servers."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass

from bench.servers import BotUnderTest
from bench.serving import READY_SECONDS, first_answer, wait_healthy
from bot import evaluation
from bot.evaluation import Graded, RedFlagScore, Summary


@dataclass(frozen=True)
class VoiceResult:
    """Every graded turn, the figures, and each message's overlap with the training data."""

    singles: tuple[Graded, ...]
    conversations: tuple[tuple[Graded, ...], ...]
    overlaps: tuple[float, ...]  # singles first, then every conversation turn
    held_back: RedFlagScore | None = None  # tests/eval/red_flags/held_back.yml

    @property
    def summary(self) -> Summary:
        """The figures over everything."""
        return evaluation.summarise(self.singles, self.conversations)

    def half(self, which: str) -> Summary:
        """The figures of the "dev" or the "test" half."""
        return evaluation.summarise(*evaluation.half_of(self.singles, self.conversations, which))

    @property
    def dev_failures(self) -> list[Graded]:
        """The wrong turns of the dev half (the test half's are not listed)."""
        return evaluation.failures(self.singles, self.conversations, evaluation.DEV)


def training_texts() -> list[str]:
    """The training examples' texts."""
    from rasa.shared.nlu.training_data.loading import load_data

    return [str(m.get("text")) for m in load_data("data/nlu").intent_examples]


def measure(bot: BotUnderTest, training: Sequence[str] | None = None) -> VoiceResult:
    """Start ``bot``'s servers, run both sets through its REST channel, stop them."""
    singles = evaluation.load_singles()
    conversations = evaluation.load_conversations()
    texts = [t.text for t in singles] + [t.text for c in conversations for t in c.turns]
    overlaps = evaluation.overlaps(texts, training if training is not None else training_texts())
    assert bot.actions is not None and bot.action_health_url is not None
    base_url = bot.rest_url.removesuffix("/webhooks/rest/webhook")
    try:
        bot.actions.start()
        wait_healthy(bot.action_health_url, bot.actions)
        bot.rasa.start()
        asyncio.run(first_answer(bot.rest_url, bot.rasa.alive, READY_SECONDS))
        say = evaluation.rest_say(base_url)
        graded_singles = evaluation.run_singles(say, singles, prefix="bench-voice")
        graded_conversations = evaluation.run_conversations(say, conversations, "bench-voice-c")
        held_back = evaluation.run_red_flags(
            say, evaluation.load_red_flag_cases(), "bench-held-back"
        )
    finally:
        bot.rasa.stop()
        bot.actions.stop()
    return VoiceResult(
        singles=tuple(graded_singles),
        conversations=tuple(tuple(c) for c in graded_conversations),
        overlaps=tuple(overlaps),
        held_back=held_back,
    )
