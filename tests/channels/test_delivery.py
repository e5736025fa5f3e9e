"""bot/channels/delivery.py: replies held until the conversation is saved, honest failures."""

from __future__ import annotations

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.shared.core.events import UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot import save_report
from bot.channels.delivery import deliver_after_save
from bot.channels.rest import KeyedCollectingOutputChannel
from bot.knowledge import Knowledge
from bot.rasa.fallback import replies
from bot.safety import Alarm


def tracker_after(intent: str) -> DialogueStateTracker:
    message = UserUttered("a message", intent={"name": intent, "confidence": 1.0})
    return DialogueStateTracker.from_events("rest:me", [message])


def rasa(outcome: str, intent: str = "greet"):  # type: ignore[no-untyped-def]
    """Rasa handling a message: it replies, then the tracker store does ``outcome``."""

    async def handle(message: UserMessage) -> None:
        await message.output_channel.send_response(message.sender_id, {"text": "the answer"})
        tracker = tracker_after(intent)
        if outcome == "saved":
            await save_report.saved()
        elif outcome == "not saved":
            save_report.record_failure(tracker)
        elif outcome == "not erased":
            save_report.record_failure(tracker, erasure=True)
        else:
            raise RuntimeError("the NLU broke")

    return handle


async def deliver(outcome: str, intent: str = "greet", text: str = "hi") -> list[str]:
    output = CollectingOutputChannel()
    await deliver_after_save(rasa(outcome, intent))(
        UserMessage(text, output, "rest:me", input_channel="rest")
    )
    return [str(m["text"]) for m in output.messages]


async def test_replies_go_out_once_the_conversation_is_saved() -> None:
    assert await deliver("saved") == ["the answer"]


async def test_a_failed_save_replaces_the_answer_with_a_kind_notice(knowledge: Knowledge) -> None:
    assert await deliver("not saved") == [knowledge.phrases["not_saved"]]


async def test_a_failed_save_keeps_the_emergency_guidance_first(knowledge: Knowledge) -> None:
    sent = await deliver("not saved", intent="emergency")
    assert sent == [replies().guidance({Alarm.EMERGENCY}), knowledge.phrases["not_saved"]]


async def test_the_guidance_after_a_failed_save_is_still_shown_as_an_alert() -> None:
    output = KeyedCollectingOutputChannel()  # keeps each message's data
    await deliver_after_save(rasa("not saved", "emergency"))(
        UserMessage("hi", output, "rest:me", input_channel="rest")
    )
    guidance, notice = output.messages
    assert guidance["alert"]["level"] == "emergency" and guidance["parts"]["urgency"] == "emergency"
    assert "safety:emergency" in guidance["keys"] and "alert" not in notice


async def test_a_failed_erasure_says_so_instead_of_confirming(knowledge: Knowledge) -> None:
    assert await deliver("not erased") == [knowledge.phrases["not_forgotten"]]


async def test_a_failure_inside_rasa_becomes_an_apology(knowledge: Knowledge) -> None:
    assert await deliver("broken") == [knowledge.phrases["handling_failed"]]


async def test_a_failure_inside_rasa_still_gives_the_guidance_the_rules_find(
    knowledge: Knowledge,
) -> None:
    """Rasa may not have read the message: the safety rules read its text."""
    sent = await deliver("broken", text="my lips are swelling and I can't breathe")
    assert sent == [replies().guidance({Alarm.EMERGENCY}), knowledge.phrases["handling_failed"]]


async def test_a_failure_after_a_failed_save_still_gives_the_guidance(knowledge: Knowledge) -> None:
    async def handle(message: UserMessage) -> None:
        save_report.record_failure(tracker_after("emergency"))
        raise RuntimeError("and then something else broke")

    output = CollectingOutputChannel()
    await deliver_after_save(handle)(UserMessage("hi", output, "rest:me"))
    guidance = replies().guidance({Alarm.EMERGENCY})
    assert [m["text"] for m in output.messages] == [guidance, knowledge.phrases["not_saved"]]


async def test_replies_sent_after_the_last_save_still_go_out() -> None:
    async def handle(message: UserMessage) -> None:
        await save_report.saved()
        await message.output_channel.send_response(message.sender_id, {"text": "late"})

    output = CollectingOutputChannel()
    await deliver_after_save(handle)(UserMessage("hi", output, "rest:me"))
    assert [m["text"] for m in output.messages] == ["late"]
