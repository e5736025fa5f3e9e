import functools
import json
import shutil
from pathlib import Path

import pytest

from bot import knowledge as knowledge_module
from bot import widget_texts as widget_texts_module
from bot.knowledge import KNOWLEDGE_DIR, WIDGET_TEXTS, Knowledge
from bot.widget_texts import main, widget_texts


def leaf(texts: dict, key: str) -> object:
    for part in key.split("."):
        texts = texts[part]
    return texts


def test_every_text_of_the_file_nests_as_there(knowledge: Knowledge) -> None:
    texts = widget_texts(knowledge)
    assert {key: leaf(texts, key) for key in WIDGET_TEXTS} == dict(knowledge.widget_texts)
    assert (
        texts["transcript"]["speakers"]["user"]
        == knowledge.widget_texts["transcript.speakers.user"]
    )


def test_the_notice_and_alert_headings_are_the_bots_own_wording(knowledge: Knowledge) -> None:
    texts = widget_texts(knowledge)
    assert texts["notice"] == knowledge.disclaimer_short
    assert texts["notice"].lower() in knowledge.disclaimer.lower()
    assert texts["alert_headings"] == {
        "emergency": knowledge.phrases["alert_heading_emergency"],
        "crisis": knowledge.phrases["alert_heading_crisis"],
    }


def test_main_writes_the_loaders_texts_as_json(tmp_path: Path, knowledge: Knowledge) -> None:
    path = tmp_path / "build" / "widget-texts.json"
    assert main([str(path)]) == 0
    assert json.loads(path.read_text(encoding="utf-8")) == widget_texts(knowledge)


def test_a_broken_file_stops_the_build_and_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    fact_dir = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE_DIR, fact_dir)
    texts = fact_dir / "widget.yml"
    texts.write_text(texts.read_text().replace("Saved {date}", "Saved {when}"))
    monkeypatch.setattr(
        widget_texts_module.knowledge, "load", functools.partial(knowledge_module.load, fact_dir)
    )
    path = tmp_path / "widget-texts.json"
    assert main([str(path)]) == 1
    assert not path.exists()
    error = capsys.readouterr().err
    assert "widget.yml: transcript.saved must have the placeholders {date}" in error
