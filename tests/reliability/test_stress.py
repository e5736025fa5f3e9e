"""Stress, the short run: two Rasa servers and two action servers behind round-robin
proxies, on PostgreSQL and Redis, one Rasa server killed (SIGKILL) mid-run and started
again; tracker cache on and off. The rule and the run are in :mod:`harness.stress`;
``make bench`` runs the long one (200 conversations x 10 turns).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from harness.instances import Instance
from harness.proxy import RoundRobinProxy
from harness.servers import BotServers
from harness.services import Services
from harness.stress import (
    StressPlan,
    run_and_check,
    second_action_server,
    two_rasa_servers,
)
from tests.reliability.services import require_postgres_and_redis

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

# six conversations at once, going on until the restarted server has taken 40 requests
PLAN = StressPlan(conversations=6, concurrency=6, turns=None, kill_after=18, after_restart=40)


@pytest.fixture(scope="module")
def action_proxy(
    bot: BotServers, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RoundRobinProxy]:
    """The session's action server and a second one, behind one address."""
    require_postgres_and_redis()
    with second_action_server(bot, tmp_path_factory.mktemp("actions-2")) as proxy:
        yield proxy


@pytest.fixture(scope="module", params=[1000, 0], ids=["cache-on", "cache-off"])
def cluster(
    request: pytest.FixtureRequest,
    bot: BotServers,
    action_proxy: RoundRobinProxy,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[list[Instance], RoundRobinProxy, Services, int]]:
    """Two Rasa servers keeping ``request.param`` trackers in memory, behind a proxy."""
    services = require_postgres_and_redis()
    folders = [tmp_path_factory.mktemp(f"stress-cache-{request.param}-{n}") for n in "ab"]
    with two_rasa_servers(
        bot, folders, services, action_proxy.port, request.param, PLAN.lock_seconds
    ) as (instances, proxy):
        yield instances, proxy, services, request.param


def test_a_server_killed_mid_run_loses_doubles_and_reorders_no_turn(
    cluster: tuple[list[Instance], RoundRobinProxy, Services, int],
) -> None:
    instances, proxy, services, cache_size = cluster
    result = run_and_check(instances, proxy, services, PLAN, cache_size)
    marks = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in result.marks.items())
    print(
        f"{result.conversations} conversations, {result.messages} messages, failed tries "
        f"{result.failed_tries}, {result.failed_tries_stored} failed tries stored; requests "
        f"per server {result.served}, {result.served_after_restart} after the restart; {marks}"
    )
    assert "restarted" in result.marks, f"the killed server was not back in time ({marks})"
    assert result.served_after_restart >= PLAN.after_restart
    assert result.messages > PLAN.kill_after
    assert not result.problems, result.problems
