import shutil
from pathlib import Path

import pytest

from bot.launch import train
from bot.launch.settings import PROJECT_DIR


@pytest.fixture
def project(tmp_path: Path) -> Path:
    for name in ("config.yml", "domain.yml"):
        shutil.copy(PROJECT_DIR / name, tmp_path / name)
    shutil.copytree(PROJECT_DIR / "data", tmp_path / "data")
    meta = tmp_path / train.SPACY_DIR / "meta.json"
    meta.parent.mkdir(parents=True)
    meta.write_text("{}")
    for code in ("bot/nlu/linear_intent_classifier.py", "bot/text_features.py"):
        (tmp_path / code).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(PROJECT_DIR / code, tmp_path / code)
    return tmp_path


def test_hash_is_stable_and_follows_every_input(project: Path) -> None:
    first = train.inputs_hash(project)
    assert train.inputs_hash(project) == first
    (project / "data" / "nlu" / "chitchat.yml").write_text("changed")
    second = train.inputs_hash(project)
    assert second != first
    (project / "config.yml").write_text("changed")
    third = train.inputs_hash(project)
    assert third not in (first, second)
    (project / "bot" / "text_features.py").write_text("changed")  # the trained code
    assert train.inputs_hash(project) not in (first, second, third)


def test_hash_follows_the_versions_of_the_training_libraries(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = train.inputs_hash(project)
    monkeypatch.setattr(train, "library_versions", lambda: "rasa==9.9.9")
    assert train.inputs_hash(project) != first


def test_a_missing_input_is_a_clear_error(project: Path) -> None:
    (project / "domain.yml").unlink()
    with pytest.raises(SystemExit, match=r"domain\.yml is missing"):
        train.inputs_hash(project)


def test_a_model_is_fresh_only_with_the_same_inputs(tmp_path: Path) -> None:
    model = tmp_path / "m.tar.gz"
    assert not train.is_fresh(model, "abc")
    model.write_bytes(b"model")
    model.with_suffix(".inputs").write_text("abc\n")
    assert train.is_fresh(model, "abc")
    assert not train.is_fresh(model, "abd")
