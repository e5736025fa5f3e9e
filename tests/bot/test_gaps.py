"""The content-gap report, on a small tracker store built with Rasa's own SQL store."""

import asyncio
from pathlib import Path

import pytest
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot import gaps

DAY_1 = 1_790_000_000.0  # 2026-09-20
DAY_2 = DAY_1 + 86_400


def user(text: str, intent: str, confidence: float, at: float) -> UserUttered:
    return UserUttered(text, {"name": intent, "confidence": confidence}, timestamp=at)


def build_store(path: Path) -> str:
    domain = Domain.load("domain.yml")
    store = SQLTrackerStore(domain, dialect="sqlite", db=str(path))
    conversations = {
        "a": [
            user("Can I drive on it?", "ask_not_covered", 0.9, DAY_1),
            user("what are the side effects", "ask_side_effects", 0.95, DAY_1 + 1),
            ActionExecuted("action_answer_side_effect", timestamp=DAY_1 + 2),
            SlotSet("topic", "side_effects", timestamp=DAY_1 + 2),
            BotUttered("My source lists...", timestamp=DAY_1 + 2),
            user("that didn't help", "feedback_negative", 0.9, DAY_1 + 3),
            SlotSet("feedback", "negative", timestamp=DAY_1 + 3),
        ],
        "b": [
            user("can i  drive on it?", "ask_not_covered", 0.8, DAY_2),
            user("blorp", "nlu_fallback", 0.2, DAY_2 + 1),
            user("is it ok for pregnancy", "ask_pregnancy", 0.41, DAY_2 + 2),
            user("/ask_evidence", "ask_evidence", 1.0, DAY_2 + 3),
        ],
    }

    async def save() -> None:
        for sender, events in conversations.items():
            await store.save(DialogueStateTracker.from_events(sender, events, domain.slots))

    asyncio.run(save())
    return f"sqlite:///{path}"


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return build_store(tmp_path / "tracker.db")


def test_analyse_counts_gaps_ratings_and_topics(db_url: str) -> None:
    report = gaps.analyse(gaps.read_events(db_url))
    assert report.conversations == 2
    assert report.messages == 6  # the button press is not a patient's words
    assert report.unanswered[("can i drive on it?", "not in the fact sheet")] == 2
    assert report.unanswered[("blorp", "not understood")] == 1
    assert report.unanswered[("is it ok for pregnancy", "low confidence (ask_pregnancy)")] == 1
    assert report.low_rated == {("side_effects", "what are the side effects"): 1}
    assert sum(report.topics_per_day[d]["ask_side_effects"] for d in report.topics_per_day) == 1


def test_write_report_writes_markdown_and_a_plot(db_url: str, tmp_path: Path) -> None:
    out = tmp_path / "out" / "gaps.md"
    gaps.write_report(db_url, out)
    text = out.read_text()
    assert "| 2 | not in the fact sheet | can i drive on it? |" in text
    assert "| 1 | side_effects | what are the side effects |" in text
    assert "![Questions per topic per day](gaps.png)" in text
    assert out.with_suffix(".png").read_bytes().startswith(b"\x89PNG")


def test_an_empty_store_gives_an_empty_report(tmp_path: Path) -> None:
    out = tmp_path / "gaps.md"
    report = gaps.write_report(f"sqlite:///{tmp_path / 'none.db'}", out)
    assert report.conversations == 0
    assert "None." in out.read_text()


def test_command_line(db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert gaps.main(["gaps", "--db-url", db_url, "--out", str(tmp_path / "r.md")]) == 0
    assert "2 conversations, 4 unanswered, 1 rated unhelpful" in capsys.readouterr().out


def test_by_default_it_reads_the_store_the_bot_uses(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TRACKER_DB_URL", db_url)
    assert gaps.main(["gaps", "--out", str(tmp_path / "r.md")]) == 0
    assert "2 conversations" in capsys.readouterr().out
