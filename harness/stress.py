"""A server killed mid-run: every stored conversation checked against what was sent.

Two Rasa servers run behind a round-robin proxy; one is killed (SIGKILL) and started again.
Conversations are sent ``concurrency`` at a time, each message after the last was
answered, through a proxy that hands every request to the next Rasa server (one request
per connection), so one conversation's turns go to both servers. Once ``kill_after``
messages are answered, the first server is killed and started again on its port. Every
try of a message carries its number and try in the message metadata, which Rasa stores
with the user turn.

**The rule**, checked on each conversation as the database holds it (rows in the order
written):

- a client that sees a request fail (no answer, an HTTP error, a reply without the answer
  to its question) sends the same message again, as a new try, up to ``tries`` times;
  every message must get its answer in the end;
- every message is stored and answered, and the numbers are in the order sent (none lost
  or reordered);
- no try is stored twice (a doubled turn), and a message is stored more than once only as
  tries that the client saw fail before the one that succeeded: a server killed after it
  saved a turn but before its answer got out leaves that turn stored although the client
  saw a failure, and the try that follows is stored too. Nothing else may repeat.

A killed server's lock ticket keeps its conversation waiting until the ticket expires
(``TICKET_LOCK_LIFETIME``; the plan's ``lock_seconds``).
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

from harness.instances import (
    Events,
    Instance,
    endpoints_with_cache,
    start_instance,
    stop,
    stored_events,
)
from harness.proxy import RoundRobinProxy
from harness.questions import answers, question_for
from harness.servers import BotServers
from harness.services import Services

REST_PATH = "/webhooks/rest/webhook"
META = "stress"  # the metadata key: {"n": message number, "try": try number}
LOST, DOUBLED, REORDERED, UNANSWERED = "lost", "doubled", "reordered", "unanswered"
PROBLEMS = (LOST, DOUBLED, REORDERED, UNANSWERED)


@dataclass(frozen=True)
class StressPlan:
    """How long a run is: counts and time, all bounded.

    With ``turns`` None, every conversation goes on until the restarted server has taken
    ``after_restart`` requests (the short run of the tests); otherwise each conversation
    is ``turns`` messages long and the run ends when all are done.
    """

    conversations: int
    concurrency: int
    turns: int | None
    kill_after: int  # messages answered before the kill
    after_restart: int = 40
    tries: int = 4  # per message
    lock_seconds: int = 15  # TICKET_LOCK_LIFETIME of the instances
    request_seconds: float = 30.0  # one request's limit: above lock_seconds plus an answer
    run_seconds: float = 150.0  # the senders stop by then whatever happened
    max_turns: int = 1000  # per conversation, a bound when ``turns`` is None
    think_seconds: float = 0.0  # a pause before each next message, as a person takes


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
    served_after_restart: int = 0  # requests the restarted server took

    def failures(self) -> list[Attempt]:
        """The tries the client saw fail."""
        return [a for tries in self.attempts.values() for a in tries if a.error]

    def messages(self) -> int:
        """Messages sent (each counted once, however many tries it took)."""
        return sum(len({a.number for a in tries}) for tries in self.attempts.values())


async def send(
    session: aiohttp.ClientSession, url: str, sender: str, number: int, n: int, t: int
) -> Attempt:
    """Send try ``t`` of message ``n`` of conversation ``number``; what came back."""
    question, key = question_for(number, n)
    body = {"sender": sender, "message": question, "metadata": {META: {"n": n, "try": t}}}
    try:
        async with session.post(url + REST_PATH, json=body) as response:
            replies = await response.json(content_type=None) if response.status == 200 else None
            status = response.status
    except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as error:
        return Attempt(n, t, type(error).__name__)
    if not isinstance(replies, list):
        return Attempt(n, t, f"HTTP {status}")
    return Attempt(n, t, None if answers(replies, key) else "a reply without its answer")


async def converse(
    session: aiohttp.ClientSession, url: str, sender: str, number: int, plan: StressPlan, run: Run
) -> None:
    """Send one conversation's messages in order, each until answered (at most ``tries``)."""
    tries = run.attempts.setdefault(sender, [])
    for n in range(plan.turns if plan.turns is not None else plan.max_turns):
        if plan.turns is None and run.stop.is_set():
            return
        if n and plan.think_seconds:
            await asyncio.sleep(plan.think_seconds)
        for t in range(plan.tries):
            sent_at = time.monotonic()
            attempt = await send(session, url, sender, number, n, t)
            done = time.monotonic()
            tries.append(
                dataclasses.replace(attempt, sent_at=sent_at - run.started, seconds=done - sent_at)
            )
            if attempt.error is None:
                run.answered += 1
                break
        else:
            return  # never answered: problems() names it


async def kill_and_restart(
    instance: Instance, proxy: RoundRobinProxy, plan: StressPlan, run: Run
) -> None:
    """Kill ``instance`` once ``kill_after`` messages are answered, then start it again.

    With open-ended conversations, stop the senders once it took ``after_restart``.
    """
    while run.answered < plan.kill_after:
        await asyncio.sleep(0.05)
    instance.kill()
    run.marks["killed"] = time.monotonic() - run.started
    instance.launch()
    await asyncio.to_thread(instance.wait_until_ready)
    run.marks["restarted"] = time.monotonic() - run.started
    taken = proxy.served[0]
    try:
        while plan.turns is not None or proxy.served[0] - taken < plan.after_restart:
            run.served_after_restart = proxy.served[0] - taken
            await asyncio.sleep(0.05)
        run.stop.set()
    finally:
        run.served_after_restart = proxy.served[0] - taken


async def stress(instance: Instance, proxy: RoundRobinProxy, plan: StressPlan) -> Run:
    """The whole run, bounded by ``run_seconds``; ``instance`` is the one killed."""
    run = Run()
    prefix = f"stress-{uuid.uuid4().hex[:8]}"
    timeout = aiohttp.ClientTimeout(total=plan.request_seconds)
    connector = aiohttp.TCPConnector(force_close=True, limit=0)  # a connection per request
    waiting: asyncio.Queue[int] = asyncio.Queue()
    for number in range(plan.conversations):
        waiting.put_nowait(number)

    async def worker(session: aiohttp.ClientSession) -> None:
        while not waiting.empty():
            number = waiting.get_nowait()
            await converse(session, proxy.url, f"{prefix}-{number:04d}", number, plan, run)

    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        killer = asyncio.ensure_future(kill_and_restart(instance, proxy, plan, run))
        workers = [worker(session) for _ in range(min(plan.concurrency, plan.conversations))]
        try:
            await asyncio.wait_for(asyncio.gather(*workers), plan.run_seconds)
        finally:
            killer.cancel()
            await asyncio.gather(killer, return_exceptions=True)
    run.marks["ended"] = time.monotonic() - run.started
    return run


def problems(attempts: Sequence[Attempt], events: Events) -> dict[str, list[str]]:
    """What breaks the rule of the module docstring in one conversation, by kind."""
    stored: list[tuple[int, int]] = []
    replied: list[bool] = []
    for kind, data in events:
        if kind == "user":
            metadata = data.get("metadata")
            tag = metadata.get(META) if isinstance(metadata, dict) else None
            if not isinstance(tag, dict):
                return {DOUBLED: [f"a user turn without its number: {data.get('text')!r}"]}
            stored.append((int(tag["n"]), int(tag["try"])))
            replied.append(False)
        elif kind == "bot" and replied:
            replied[-1] = True
    sent = sorted({a.number for a in attempts})
    succeeded = {(a.number, a.attempt) for a in attempts if a.error is None}
    failed = {(a.number, a.attempt) for a in attempts if a.error}
    numbers = [n for n, _ in stored]
    last_try = {n: t for n, t in stored}
    found: dict[str, list[str]] = {kind: [] for kind in PROBLEMS}
    found[UNANSWERED] += [
        f"message {n} never got its answer" for n in sent if n not in {s[0] for s in succeeded}
    ]
    found[UNANSWERED] += [
        f"turn {stored[i]} stored without a reply" for i, r in enumerate(replied) if not r
    ]
    found[LOST] += [f"message {n} not stored" for n in sent if n not in set(numbers)]
    found[LOST] += [f"answered try {s} not stored" for s in sorted(succeeded - set(stored))]
    found[DOUBLED] += [
        f"try {s} stored twice" for s in sorted({s for s in stored if stored.count(s) > 1})
    ]
    found[DOUBLED] += [
        f"try {s} stored, never seen failing" for s in sorted(set(stored) - succeeded - failed)
    ]
    found[DOUBLED] += [
        f"try {last_try[n]} of {n} stored after its answer"
        for n, t in sorted(succeeded)
        if last_try.get(n, t) != t
    ]
    found[REORDERED] += [
        f"message {numbers[i + 1]} stored after {numbers[i]}"
        for i in range(len(numbers) - 1)
        if numbers[i + 1] < numbers[i]
    ]
    return {kind: lines for kind, lines in found.items() if lines}


@dataclass(frozen=True)
class StressResult:
    """One run, checked: counts by kind of problem, and what the client saw."""

    plan: StressPlan
    cache_size: int
    conversations: int
    messages: int
    failed_tries: dict[str, int]  # what the client saw, by kind
    failed_tries_stored: int
    problems: dict[str, list[str]]  # kind -> "conversation: what", over every conversation
    served: tuple[int, ...]  # requests per Rasa server
    served_after_restart: int
    marks: dict[str, float]
    seconds: list[float]  # every answered try, to its answer

    def count(self, kind: str) -> int:
        """How many problems of ``kind`` were found."""
        return len(self.problems.get(kind, []))

    @property
    def ok(self) -> bool:
        """Whether no turn was lost, doubled, reordered or left unanswered.

        The killed server must also have come back and taken requests before the end.
        """
        back = "restarted" in self.marks and self.served_after_restart > 0
        return not any(self.problems.values()) and back


def check(
    run: Run,
    events_of: Callable[[str], Events],
    plan: StressPlan,
    cache_size: int,
    proxy: RoundRobinProxy,
) -> StressResult:
    """Read every conversation of ``run`` back from the database and check it."""
    found: dict[str, list[str]] = {}
    user_turns = 0
    for sender, attempts in run.attempts.items():
        events = events_of(sender)
        user_turns += sum(1 for kind, _ in events if kind == "user")
        for kind, lines in problems(attempts, events).items():
            found.setdefault(kind, []).extend(f"{sender}: {line}" for line in lines)
    failures: dict[str, int] = {}
    for attempt in run.failures():
        failures[str(attempt.error)] = failures.get(str(attempt.error), 0) + 1
    return StressResult(
        plan=plan,
        cache_size=cache_size,
        conversations=len(run.attempts),
        messages=run.messages(),
        failed_tries=failures,
        failed_tries_stored=user_turns - run.messages(),
        problems=found,
        served=tuple(proxy.served),
        served_after_restart=run.served_after_restart,
        marks=dict(run.marks),
        seconds=[a.seconds for tries in run.attempts.values() for a in tries if a.error is None],
    )


@contextmanager
def second_action_server(bot: BotServers, folder: Path) -> Iterator[RoundRobinProxy]:
    """``bot``'s action server and a second one started in ``folder``, behind one proxy."""
    second = BotServers.create(folder)
    second.start_actions()
    servers = [bot.settings, second.settings]
    try:
        with RoundRobinProxy([(s.action_host, s.action_port) for s in servers]) as proxy:
            yield proxy
    finally:
        second.stop_all()


@contextmanager
def two_rasa_servers(
    bot: BotServers,
    folders: Sequence[Path],
    services: Services,
    action_port: int,
    cache_size: int,
    lock_seconds: int,
    **env: str,
) -> Iterator[tuple[list[Instance], RoundRobinProxy]]:
    """Two Rasa servers on PostgreSQL and Redis behind a round-robin proxy, side by side.

    Each keeps ``cache_size`` trackers in memory and gets ``env`` (e.g. ``MODEL_PATH``);
    both are stopped at the end.
    """
    endpoints = endpoints_with_cache(folders[0], cache_size)
    instances = [
        start_instance(
            bot,
            folder,
            services,
            endpoints,
            action_port,
            TICKET_LOCK_LIFETIME=str(lock_seconds),
            **env,
        )
        for folder in folders[:2]
    ]
    try:
        for instance in instances:
            instance.wait_until_ready()
        ports = [int(i.url.rsplit(":", 1)[1]) for i in instances]
        with RoundRobinProxy([("127.0.0.1", port) for port in ports]) as proxy:
            yield instances, proxy
    finally:
        stop(instances)


def run_and_check(
    instances: Sequence[Instance],
    proxy: RoundRobinProxy,
    services: Services,
    plan: StressPlan,
    cache_size: int,
) -> StressResult:
    """One run against the pair (the first is killed), every conversation checked."""
    run = asyncio.run(stress(instances[0], proxy, plan))
    return check(run, stored_events(services.postgres_url), plan, cache_size, proxy)
