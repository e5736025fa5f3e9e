"""Fixtures for the reliability, security and privacy tests.

They share the session's real servers (the ``bot`` fixture of ``tests/conftest.py``):
one action server and one Rasa server for the whole run, restarted only by the tests
that are about restarts. Tests that stop a server start it again before they end.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

from bot import knowledge as knowledge_module
from harness.servers import BotServers


@pytest.fixture
def sender() -> Callable[[], str]:
    """A factory of fresh conversation ids."""
    return lambda: f"rel-{uuid.uuid4().hex[:12]}"


@pytest.fixture(scope="session")
def disclaimer() -> str:
    """The disclaimer every medical answer ends with."""
    return knowledge_module.default().disclaimer


@pytest.fixture(scope="session")
def tracker_db(bot: BotServers) -> Path:
    """The SQLite file the session's Rasa server keeps conversations in."""
    return bot.settings.tracker_db


@pytest.fixture(scope="session")
def rasa_log(bot: BotServers) -> Path:
    """The Rasa server's log file (stdout and stderr)."""
    return bot.workdir / "rasa.log"
