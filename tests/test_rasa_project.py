"""Rasa's own checks on the project: data validation and the conversation test stories."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.launch.settings import PROJECT_DIR, Settings

pytestmark = pytest.mark.slow


def rasa(*args: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONWARNINGS="ignore", TF_CPP_MIN_LOG_LEVEL="2")
    Settings.from_env(env).export(env)
    env["TRACKER_DB"] = str(tmp_path / "tracker.db")
    return subprocess.run(
        [sys.executable, "-m", "rasa", *args],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )


def test_rasa_data_validate_is_clean(tmp_path: Path) -> None:
    result = rasa("data", "validate", "--fail-on-warnings", tmp_path=tmp_path)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


def test_conversation_stories_pass_without_prediction_errors(tmp_path: Path) -> None:
    out = tmp_path / "results"
    model = Settings.from_env().model_path
    assert model.is_file(), "train first: make train"
    result = rasa(
        "test", "core", "--model", str(model), "--stories", "tests/stories",
        "--fail-on-prediction-errors", "--out", str(out), tmp_path=tmp_path,
    )  # fmt: skip
    failed = out / "failed_test_stories.yml"
    details = failed.read_text() if failed.is_file() else result.stdout[-3000:]
    assert result.returncode == 0, details
    report = json.loads((out / "story_report.json").read_text())
    assert report["conversation_accuracy"]["accuracy"] == 1.0
