"""Shared fixtures: fresh, small, and real (no mocks of Rasa or spaCy)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot import knowledge as knowledge_module
from bot.knowledge import Knowledge
from harness.servers import BotServers

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


CI_RUN = Path(__file__).resolve().parents[1] / ".ci" / "run"
ALLOWED_SKIP = "# allowed skip in CI: "  # a line of .ci/run: the reason's text follows


def allowed_ci_skips() -> list[str]:
    """The skip reasons .ci/run allows, each written there with why."""
    lines = CI_RUN.read_text(encoding="utf-8").splitlines()
    return [line.split(ALLOWED_SKIP, 1)[1].strip() for line in lines if ALLOWED_SKIP in line]


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):  # type: ignore[no-untyped-def]
    """In CI, a skip whose reason .ci/run does not allow is a failure."""
    outcome = yield
    report = outcome.get_result()
    if os.environ.get("CI") != "true" or not report.skipped:
        return
    reason = str(report.longrepr[-1] if isinstance(report.longrepr, tuple) else report.longrepr)
    if not any(allowed in reason for allowed in allowed_ci_skips()):
        report.outcome = "failed"
        report.longrepr = f"skipped in CI without a reason allowed in .ci/run: {reason}"
