"""bot/channels/base.py: buttons and splitting, shared by every platform's replies."""

from __future__ import annotations

from collections.abc import Sequence

from bot import knowledge
from bot.channels.base import Choice, SplittingOutput, choices

CHOOSE = knowledge.default().phrases["choose_prompt"]


class Recorder(SplittingOutput):
    max_chars = 20

    def __init__(self) -> None:
        self.parts: list[tuple[str, str, tuple[Choice, ...]]] = []

    async def send_part(self, recipient_id: str, text: str, buttons: Sequence[Choice]) -> None:
        self.parts.append((recipient_id, text, tuple(buttons)))


def test_rasa_buttons_become_choices() -> None:
    found = choices(
        [
            {"title": "How it works", "payload": "/ask_how_it_works"},
            {"title": "Website", "url": "https://example.org"},  # no payload: sends its title
            {"title": "", "payload": "/nothing"},  # no title: left out
        ]
    )
    assert found == [Choice("How it works", "/ask_how_it_works"), Choice("Website", "Website")]


async def test_buttons_go_with_the_last_part() -> None:
    out = Recorder()
    buttons = [{"title": "More", "payload": "/ask_more"}]
    await out.send_text_with_buttons("u1", "First line here.\nSecond line here.", buttons)
    assert out.parts == [
        ("u1", "First line here.", ()),
        ("u1", "Second line here.", (Choice("More", "/ask_more"),)),
    ]


async def test_buttons_without_text_get_a_prompt() -> None:
    out = Recorder()
    await out.send_text_with_buttons("u1", "", [{"title": "More", "payload": "/ask_more"}])
    assert out.parts == [("u1", CHOOSE, (Choice("More", "/ask_more"),))]


async def test_an_empty_text_sends_nothing() -> None:
    out = Recorder()
    await out.send_text_message("u1", " ")
    assert out.parts == []


async def test_replies_go_to_the_platform_id_not_the_conversation_id() -> None:
    out = Recorder()
    out.recipient = "u1"
    await out.send_text_message("telegram:u1", "Hello.")
    assert out.parts == [("u1", "Hello.", ())]
