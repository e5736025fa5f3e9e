"""Shared fixtures: fresh, small, and real (no mocks of Rasa or spaCy)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot import knowledge as knowledge_module
from bot.knowledge import Knowledge
from tests.servers import BotServers

SOURCE_TEXT = Path(__file__).resolve().parents[2] / "shared" / "sources" / "mycophenolate-lems.txt"


@pytest.fixture(scope="session")
def knowledge() -> Knowledge:
    """The project's fact set."""
    return knowledge_module.load()


@pytest.fixture(scope="session")
def nlp():  # type: ignore[no-untyped-def]
    """The project's spaCy pipeline (built by `make build`)."""
    from bot import nlp as nlp_module

    return nlp_module.load()


@pytest.fixture(scope="session")
def source_text() -> str:
    """The fact sheet every fact must trace to (outside the clone: shared/ is CI's)."""
    if not SOURCE_TEXT.is_file():
        pytest.skip(f"source text not found at {SOURCE_TEXT}")
    return SOURCE_TEXT.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def bot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BotServers]:
    """The real action and Rasa servers on free loopback ports, for the whole session."""
    servers = BotServers.create(tmp_path_factory.mktemp("bot"))
    try:
        yield servers.start()
    finally:
        servers.stop_all()
