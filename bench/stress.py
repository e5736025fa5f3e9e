"""The long stress run: 200 conversations of 10 turns on two Rasa servers, one killed.

Two Rasa servers and two action servers on PostgreSQL and Redis, each pair behind a
round-robin proxy on loopback, as in the test of :mod:`tests.reliability.test_stress`
but longer: every conversation ``turns`` messages, ``concurrency`` conversations at a
time, the first Rasa server killed (SIGKILL) once ``kill_after`` messages are answered and
started again. Once with the tracker cache on, once with it off. The rule and the check
are :mod:`harness.stress`'s.

PostgreSQL and Redis are started with ``scripts/start-services.sh`` when they do not
answer (it installs them where missing and it may); if they still do not, the run is
skipped and the report says why.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from bot.launch.settings import PROJECT_DIR
from harness.servers import BotServers
from harness.services import Services, configured, postgres_problem, redis_problem
from harness.stress import StressPlan, StressResult, run_and_check, second_action_server
from harness.stress import two_rasa_servers as rasa_pair

LONG = StressPlan(
    conversations=200,
    concurrency=20,
    turns=10,
    kill_after=200,  # a tenth of the messages: the restart comes well before the end
    # half a second between a conversation's messages, as a person types: without it the
    # 2,000 messages were all answered (16 s) before the killed server was back (15 s)
    think_seconds=0.5,
    run_seconds=420.0,
)
CACHE_SIZES = (1000, 0)  # trackers kept in memory: endpoints.postgres.yml's, and none
START_SERVICES = PROJECT_DIR / "scripts" / "start-services.sh"
START_SECONDS = 600


@dataclass
class StressRuns:
    """The long runs, or why there were none."""

    runs: list[StressResult] = field(default_factory=list)
    skipped: str | None = None


def services(log: Path) -> tuple[Services | None, str | None]:
    """PostgreSQL and Redis, started when they do not answer; else why not."""
    found = configured()
    if not (postgres_problem(found) or redis_problem(found)):
        return found, None
    with log.open("ab") as output:
        started = subprocess.run(
            ["bash", str(START_SERVICES)],
            stdout=output,
            stderr=subprocess.STDOUT,
            timeout=START_SECONDS,
            check=False,
        )
    problem = postgres_problem(found) or redis_problem(found)
    if problem:
        return None, f"{problem} (scripts/start-services.sh exited {started.returncode})"
    return found, None


def measure(work: Path, model: Path, plan: StressPlan = LONG) -> StressRuns:
    """Both long runs (cache on, then off) on servers started in ``work``."""
    work.mkdir(parents=True, exist_ok=True)
    found, skipped = services(work / "start-services.log")
    if found is None:
        return StressRuns(skipped=skipped)
    folders = {name: work / name for name in ("actions-a", "actions-b", *_rasa_names())}
    for folder in folders.values():
        folder.mkdir(exist_ok=True)
    actions = BotServers.create(folders["actions-a"], MODEL_PATH=str(model))
    result = StressRuns()
    try:
        actions.start_actions()
        with second_action_server(actions, folders["actions-b"]) as action_proxy:
            for cache in CACHE_SIZES:
                pair = [folders[f"rasa-cache-{cache}-{n}"] for n in "ab"]
                with rasa_pair(
                    actions,
                    pair,
                    found,
                    action_proxy.port,
                    cache,
                    plan.lock_seconds,
                    MODEL_PATH=str(model),
                ) as (instances, proxy):
                    result.runs.append(run_and_check(instances, proxy, found, plan, cache))
    finally:
        actions.stop_all()
    return result


def _rasa_names() -> list[str]:
    return [f"rasa-cache-{cache}-{n}" for cache in CACHE_SIZES for n in "ab"]
