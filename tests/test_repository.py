"""Checks on the repository as a whole."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from bot.launch.settings import PROJECT_DIR

VERBATIM_CHECK = PROJECT_DIR.parent / "shared" / "tools" / "verbatim_check.py"


def test_nothing_in_the_repository_copies_the_source_word_for_word() -> None:
    if not VERBATIM_CHECK.is_file():
        pytest.skip(f"{VERBATIM_CHECK} not found (shared/ is beside the clone in CI)")
    result = subprocess.run(
        [sys.executable, str(VERBATIM_CHECK), str(PROJECT_DIR)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout


def test_the_running_bot_never_reads_the_shared_folder() -> None:
    code = [p for d in ("bot", "actions") for p in (PROJECT_DIR / d).rglob("*.py")]
    assert code
    for path in code:
        text = Path(path).read_text()
        assert not re.search(r"shared[/\\]|sources[/\\]|mycophenolate-lems\.txt", text), path
