"""Stress: two Rasa servers and two action servers behind round-robin proxies, on PostgreSQL
and Redis, one Rasa server killed (SIGKILL) mid-run and started again; tracker cache on
and off.

``SENDERS`` senders each send numbered messages, one after another, through a proxy that
hands every request to the next Rasa server (one request per connection); the Rasa
servers reach the two action servers through a second proxy. Once ``KILL_AFTER`` messages
have been answered, the first Rasa server is killed and started again on its port; the
senders stop once it has taken ``AFTER_RESTART`` requests again. Every attempt carries its
message number and try in the message metadata, which Rasa stores with the user turn.

**The rule**, checked on each conversation as PostgreSQL holds it (rows in the order
written):

- a client that sees a request fail (no answer, an HTTP error, a reply without the answer
  to its question) sends the same message again, as a new try, up to ``TRIES`` times; every
  message must get its answer in the end;
- every message is stored, answered, and the numbers are in the order sent (none lost or
  reordered);
- no try is stored twice (a doubled turn), and a message is stored more than once only as
  tries that the client saw fail before the one that succeeded: a server killed after it
  saved a turn but before its answer got out leaves that turn stored although the client
  saw a failure, and the try that follows is stored too. Nothing else may repeat.

A killed server's lock ticket keeps its conversation waiting until the ticket expires
(``TICKET_LOCK_LIFETIME``, 60 s by default; ``LOCK_SECONDS`` here, to keep the run short).
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field

import aiohttp
import pytest

from harness.servers import BotServers
from tests.reliability.instances import (
    Events,
    Instance,
    endpoints_with_cache,
    start_instance,
    stop,
    stored_events,
)
from tests.reliability.load import REST_PATH, question_for
from tests.reliability.proxy import RoundRobinProxy
from tests.reliability.services import Services, require_postgres_and_redis

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

SENDERS = 6
KILL_AFTER = 18  # messages answered before the kill
AFTER_RESTART = 40  # requests the restarted server takes before the senders stop
MAX_MESSAGES = 1000  # per sender, a bound (they stop once the restarted server took requests)
TRIES = 4  # per message
LOCK_SECONDS = 15  # TICKET_LOCK_LIFETIME of the instances
REQUEST_SECONDS = 30.0  # one request's limit: above LOCK_SECONDS plus a slow answer
RUN_SECONDS = 150.0  # the senders stop by then whatever happened
META = "stress"  # the metadata key: {"n": message number, "try": try number}


@dataclass(frozen=True)
class Attempt:
    """One try of one message, and what the client saw."""

    number: int
    attempt: int
    error: str | None  # None when the answer to its question came back
    sent_at: float = 0.0  # seconds since the run started
    seconds: float = 0.0  # until the answer or the failure


@dataclass
class Run:
    """What the senders and the killer saw."""

    attempts: dict[str, list[Attempt]] = field(default_factory=dict)
    answered: int = 0
    stop: asyncio.Event = field(default_factory=asyncio.Event)
    marks: dict[str, float] = field(default_factory=dict)  # seconds since the start
    started: float = field(default_factory=time.monotonic)

    def failures(self) -> list[Attempt]:
        """The tries the client saw fail."""
        return [a for tries in self.attempts.values() for a in tries if a.error]


@dataclass
class Cluster:
    """The two Rasa servers, behind their proxy."""

    services: Services
    instances: list[Instance]
    proxy: RoundRobinProxy


@pytest.fixture(scope="module")
def action_proxy(
    bot: BotServers, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RoundRobinProxy]:
    """The session's action server and a second one, behind one address."""
    require_postgres_and_redis()
    second = BotServers.create(tmp_path_factory.mktemp("actions-2"))
    second.start_actions()
    servers = [bot.settings, second.settings]
    try:
        with RoundRobinProxy([(s.action_host, s.action_port) for s in servers]) as proxy:
            yield proxy
    finally:
        second.stop_all()


@pytest.fixture(scope="module", params=[1000, 0], ids=["cache-on", "cache-off"])
def cluster(
    request: pytest.FixtureRequest,
    bot: BotServers,
    action_proxy: RoundRobinProxy,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Cluster]:
    """Two Rasa servers keeping ``request.param`` trackers in memory, behind a proxy."""
    services = require_postgres_and_redis()
    folders = [tmp_path_factory.mktemp(f"stress-cache-{request.param}-{n}") for n in "ab"]
    endpoints = endpoints_with_cache(folders[0], request.param)
    instances = [
        start_instance(
            bot,
            folder,
            services,
            endpoints,
            action_proxy.port,
            TICKET_LOCK_LIFETIME=str(LOCK_SECONDS),
        )
        for folder in folders
    ]
    try:
        for instance in instances:  # they start side by side
            instance.wait_until_ready()
        ports = [int(i.url.rsplit(":", 1)[1]) for i in instances]
        with RoundRobinProxy([("127.0.0.1", port) for port in ports]) as proxy:
            yield Cluster(services, instances, proxy)
    finally:
        stop(instances)


async def send(session: aiohttp.ClientSession, url: str, sender: str, n: int, t: int) -> Attempt:
    """Send try ``t`` of message ``n`` of ``sender``; what came back."""
    question, expected = question_for(int(sender.rsplit("-", 1)[1]), n)
    body = {"sender": sender, "message": question, "metadata": {META: {"n": n, "try": t}}}
    try:
        async with session.post(url + REST_PATH, json=body) as response:
            replies = await response.json(content_type=None) if response.status == 200 else None
            status = response.status
    except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as error:
        return Attempt(n, t, type(error).__name__)
    if not isinstance(replies, list):
        return Attempt(n, t, f"HTTP {status}")
    text = "\n".join(str(r.get("text", "")) for r in replies if isinstance(r, dict))
    return Attempt(n, t, None if expected.lower() in text.lower() else f"no answer: {text!r}")


async def converse(session: aiohttp.ClientSession, url: str, sender: str, run: Run) -> None:
    """Send numbered messages until told to stop, each until answered (at most TRIES)."""
    tries = run.attempts.setdefault(sender, [])
    for n in range(MAX_MESSAGES):
        if run.stop.is_set():
            return
        for t in range(TRIES):
            sent_at = time.monotonic()
            attempt = await send(session, url, sender, n, t)
            attempt = dataclasses.replace(
                attempt,
                sent_at=sent_at - run.started,
                seconds=time.monotonic() - sent_at,
            )
            tries.append(attempt)
            if attempt.error is None:
                run.answered += 1
                break
        else:
            return  # never answered: check_conversation fails it


async def kill_and_restart(cluster: Cluster, run: Run) -> None:
    """Kill the first server once KILL_AFTER messages are answered, start it again, and
    stop the senders once it has taken AFTER_RESTART requests."""
    instance, proxy = cluster.instances[0], cluster.proxy
    while run.answered < KILL_AFTER:
        await asyncio.sleep(0.05)
    instance.kill()
    run.marks["killed"] = time.monotonic() - run.started
    instance.launch()
    await asyncio.to_thread(instance.wait_until_ready)
    run.marks["restarted"] = time.monotonic() - run.started
    taken = proxy.served[0]
    while proxy.served[0] - taken < AFTER_RESTART:
        await asyncio.sleep(0.05)
    run.stop.set()


async def stress(cluster: Cluster) -> Run:
    """The whole run, bounded by RUN_SECONDS."""
    run = Run()
    prefix = f"stress-{uuid.uuid4().hex[:8]}"
    timeout = aiohttp.ClientTimeout(total=REQUEST_SECONDS)
    connector = aiohttp.TCPConnector(force_close=True)  # a connection, so a turn, a request
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        senders = [
            converse(session, cluster.proxy.url, f"{prefix}-{n:03d}", run) for n in range(SENDERS)
        ]
        killer = asyncio.ensure_future(kill_and_restart(cluster, run))
        try:
            await asyncio.wait_for(asyncio.gather(*senders), RUN_SECONDS)
        finally:
            killer.cancel()
    run.marks["ended"] = time.monotonic() - run.started
    return run


def check_conversation(sender: str, attempts: list[Attempt], events: Events) -> None:
    """The rule of the module docstring, for one conversation."""
    stored: list[tuple[int, int]] = []
    answered: list[bool] = []
    for kind, data in events:
        if kind == "user":
            tag = (data.get("metadata") or {}).get(META)  # type: ignore[union-attr]
            assert isinstance(tag, dict), f"{sender}: a user turn without its number: {data}"
            stored.append((int(tag["n"]), int(tag["try"])))
            answered.append(False)
        elif kind == "bot" and answered:
            answered[-1] = True
    sent = sorted({a.number for a in attempts})
    succeeded = {(a.number, a.attempt) for a in attempts if a.error is None}
    failed = {(a.number, a.attempt) for a in attempts if a.error}
    assert len(succeeded) == len(sent), f"{sender}: a message never got its answer: {attempts}"
    assert len(set(stored)) == len(stored), f"{sender}: a turn stored twice: {stored}"
    numbers = [n for n, _ in stored]
    assert numbers == sorted(numbers), f"{sender}: turns out of order: {stored}"
    assert sorted(set(numbers)) == sent, f"{sender}: turns lost: sent {sent}, stored {stored}"
    assert succeeded <= set(stored), f"{sender}: an answered try not stored: {stored}"
    repeats = set(stored) - succeeded
    assert repeats <= failed, f"{sender}: stored tries the client never sent: {repeats}"
    last_try = {n: t for n, t in stored}
    assert all(last_try[n] == t for n, t in succeeded), f"{sender}: a try after the answer"
    assert all(answered), f"{sender}: a stored turn without its reply: {stored}"


def test_a_server_killed_mid_run_loses_doubles_and_reorders_no_turn(cluster: Cluster) -> None:
    run = asyncio.run(stress(cluster))
    events_of = stored_events(cluster.services.postgres_url)
    stored = {sender: events_of(sender) for sender in run.attempts}
    messages = sum(len({a.number for a in tries}) for tries in run.attempts.values())
    retried_stored = (
        sum(1 for events in stored.values() for kind, _ in events if kind == "user") - messages
    )
    marks = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in run.marks.items())
    print(
        f"{SENDERS} senders, {messages} messages, {len(run.failures())} failed tries "
        f"({', '.join(sorted({str(a.error) for a in run.failures()}))}), "
        f"{retried_stored} failed tries stored; requests per server {cluster.proxy.served}, "
        f"closed unanswered {cluster.proxy.silent}, refused {cluster.proxy.refused}, "
        f"by none {cluster.proxy.unserved}; "
        f"{marks}"
    )
    for failure in run.failures():
        print(f"  failed: {failure}")
    assert "restarted" in run.marks, f"the killed server was not back in time ({marks})"
    for sender, attempts in run.attempts.items():
        check_conversation(sender, attempts, stored[sender])
