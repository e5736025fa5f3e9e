"""One Rasa server with all four platforms enabled, talking to a fake of their APIs."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from harness.servers import BotServers
from tests.channels.platforms import SECRETS, FakePlatforms


@pytest.fixture(scope="package")
def platforms() -> Iterator[FakePlatforms]:
    """The fake platform APIs on a free loopback port."""
    fake = FakePlatforms().start()
    try:
        yield fake
    finally:
        fake.stop()


@pytest.fixture(scope="package")
def channel_bot(
    tmp_path_factory: pytest.TempPathFactory, platforms: FakePlatforms
) -> Iterator[BotServers]:
    """The real action and Rasa servers with every messaging channel on."""
    servers = BotServers.create(
        tmp_path_factory.mktemp("channel-bot"), **SECRETS, **platforms.env()
    )
    try:
        yield servers.start()
    finally:
        servers.stop_all()
