"""Which channel configuration the Rasa server starts with."""

from __future__ import annotations

from pathlib import Path

from bot.launch.settings import PROJECT_DIR, Settings


def credentials_file(settings: Settings) -> Path:
    """The credentials file for ``rasa run`` (REST and socket.io)."""
    return PROJECT_DIR / "credentials.yml"
