"""Back-pressure: the gate's order and bounds, and "busy" through every real webhook."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

from bot.channels import admission
from bot.channels.admission import Admission, admitted, default_sizes, from_environment
from bot.channels.rest import KeyedCollectingOutputChannel
from bot.safety import Alarm
from harness.servers import BotServers, free_port
from tests.channels.platforms import SECRETS, FakePlatforms
from tests.channels.test_failure_replies import ASK, EMERGENCY, PHRASES, QUESTION, RULES, flat
from tests.reliability.client import request, say
from tests.reliability.stand_in import StandInActionServer

BUSY = PHRASES["busy"]


# ------------------------------------------------------------ the gate


async def test_at_most_the_limit_run_at_once_and_the_rest_wait_in_order() -> None:
    gate = Admission(limit=2, queue=10)
    running: list[int] = []
    most = 0
    order: list[int] = []

    async def work(n: int) -> None:
        nonlocal most
        running.append(n)
        most = max(most, len(running))
        await asyncio.sleep(0.01)
        order.append(n)
        running.remove(n)

    results = await asyncio.gather(*(gate.run(lambda n=n: work(n)) for n in range(8)))
    assert all(results) and most == 2
    assert order[2:] == sorted(order[2:])  # those that waited went in the order they came
    assert gate.metrics() == {
        "max_in_flight": 2,
        "max_queued": 10,
        "in_flight": 0,
        "waiting": 0,
        "admitted": 8,
        "queued": 6,
        "overloaded": 0,
    }


async def test_past_the_queue_a_message_is_refused_at_once() -> None:
    gate = Admission(limit=1, queue=1)
    release = asyncio.Event()
    first = asyncio.create_task(gate.run(release.wait))
    second = asyncio.create_task(gate.run(release.wait))
    await asyncio.sleep(0)
    assert (gate.in_flight, gate.waiting) == (1, 1)
    assert await gate.run(release.wait) is False  # no wait: the queue is full
    release.set()
    assert await first and await second
    assert gate.counts.overloaded == 1 and gate.in_flight == 0


async def test_a_waiting_message_cancelled_frees_its_place_and_leaks_no_slot() -> None:
    gate = Admission(limit=1, queue=2)
    release = asyncio.Event()
    first = asyncio.create_task(gate.run(release.wait))
    waiting = asyncio.create_task(gate.run(release.wait))
    await asyncio.sleep(0)
    waiting.cancel()
    await asyncio.sleep(0)
    assert gate.waiting == 0
    release.set()
    assert await first
    assert gate.in_flight == 0 and gate.counts.admitted == 1
    assert await gate.run(lambda: asyncio.sleep(0))


async def test_failing_work_gives_its_slot_back() -> None:
    gate = Admission(limit=1, queue=0)

    async def fail() -> None:
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        await gate.run(fail)
    assert gate.in_flight == 0 and await gate.run(lambda: asyncio.sleep(0))


def test_the_sizes_follow_the_cores_unless_set() -> None:
    assert default_sizes(2) == (8, 100)
    assert default_sizes(0) == default_sizes(1)
    gate = from_environment({"BOT_MAX_IN_FLIGHT": "3", "BOT_MAX_QUEUED": "0"})
    assert (gate.limit, gate.queue) == (3, 0)


@pytest.mark.parametrize(
    "env",
    [{"BOT_MAX_IN_FLIGHT": "0"}, {"BOT_MAX_IN_FLIGHT": "many"}, {"BOT_MAX_QUEUED": "-1"}],
)
def test_a_bad_size_stops_start_up_with_its_name(env: dict[str, str]) -> None:
    with pytest.raises(SystemExit, match=next(iter(env))):
        from_environment(env)


async def test_a_refused_emergency_gets_the_guidance_then_busy() -> None:
    gate = Admission(limit=1, queue=0)
    release = asyncio.Event()
    handled: list[str] = []

    async def handle(message: UserMessage) -> None:
        handled.append(message.text or "")
        await release.wait()

    gated = admitted(handle, gate)
    held = asyncio.create_task(gated(UserMessage("what is LEMS", CollectingOutputChannel())))
    await asyncio.sleep(0)
    output = KeyedCollectingOutputChannel()  # keeps each message's alert
    await gated(UserMessage(EMERGENCY, output, "patient"))
    release.set()
    await held
    texts = [m["text"] for m in output.messages]
    assert texts[0].startswith(RULES.message(Alarm.EMERGENCY)) and texts[-1] == BUSY
    assert output.messages[0]["alert"]["level"] == "emergency"
    assert handled == ["what is LEMS"]  # the refused message never reached Rasa


# ------------------------------------------------------------ through the real webhooks


@pytest.fixture(scope="module")
def one_at_a_time(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[BotServers, FakePlatforms, StandInActionServer]]:
    """A Rasa server that takes one message at a time and queues none, every channel on."""
    port = free_port()
    actions = StandInActionServer("127.0.0.1", port)
    fake = FakePlatforms().start()
    servers = BotServers.create(
        tmp_path_factory.mktemp("one-at-a-time"),
        ACTION_PORT=str(port),
        ACTION_TIMEOUT_SECONDS="60",
        BOT_MAX_IN_FLIGHT="1",
        BOT_MAX_QUEUED="0",
        **SECRETS,
        **fake.env(),
    )
    try:
        servers.start_rasa()
        yield servers, fake, actions
    finally:
        servers.stop_all()
        fake.stop()
        actions.close()


def metrics(bot: BotServers, headers: dict[str, str] | None = None) -> Any:
    return request(f"{bot.rasa_url}/webhooks/rest/metrics", headers=headers, timeout=10)


def wait_until(check: Callable[[], bool], seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


@pytest.fixture
def slot_taken(
    one_at_a_time: tuple[BotServers, FakePlatforms, StandInActionServer],
) -> Iterator[tuple[BotServers, FakePlatforms]]:
    """The server's one slot held by a question whose action has not answered yet."""
    bot, fake, actions = one_at_a_time
    actions.release.clear()
    answers: list[str] = []
    thread = threading.Thread(
        target=lambda: answers.append(say(bot.rasa_url, "holder", "what is LEMS", timeout=90).texts)
    )
    thread.start()
    wait_until(lambda: metrics(bot).body["messages"]["in_flight"] == 1)
    try:
        yield bot, fake
    finally:
        actions.release.set()
        thread.join(timeout=60)
    assert answers == [StandInActionServer.ANSWER]  # the message let in was answered in full


@pytest.mark.e2e
@pytest.mark.parametrize("channel", list(ASK))
def test_past_the_queue_every_channel_says_busy_at_once(
    slot_taken: tuple[BotServers, FakePlatforms], channel: str
) -> None:
    bot, fake = slot_taken
    before = metrics(bot).body["messages"]["overloaded"]
    said = ASK[channel](bot, fake, QUESTION, lambda text: text.endswith(flat(BUSY)))
    assert said == flat(BUSY)
    assert metrics(bot).body["messages"]["overloaded"] == before + 1


@pytest.mark.e2e
@pytest.mark.parametrize("channel", ["rest", "telegram", "twilio"])
def test_a_busy_emergency_still_gets_the_guidance_first(
    slot_taken: tuple[BotServers, FakePlatforms], channel: str
) -> None:
    bot, fake = slot_taken
    said = ASK[channel](bot, fake, EMERGENCY, lambda text: text.endswith(flat(BUSY)))
    country = RULES.numbers.for_phone("+15550000000") if channel == "twilio" else None
    assert said.startswith(flat(RULES.message(Alarm.EMERGENCY, country))), said


@pytest.mark.e2e
def test_with_the_slot_free_messages_are_answered_and_counted(
    one_at_a_time: tuple[BotServers, FakePlatforms, StandInActionServer],
) -> None:
    bot, _, actions = one_at_a_time
    actions.release.set()
    before = metrics(bot).body["messages"]
    assert say(bot.rasa_url, "free", "what is LEMS", timeout=30).texts == StandInActionServer.ANSWER
    after = metrics(bot).body["messages"]
    assert after["admitted"] == before["admitted"] + 1
    assert after["overloaded"] == before["overloaded"]
    assert (after["max_in_flight"], after["max_queued"]) == (1, 0)


@pytest.mark.e2e
def test_the_metrics_are_for_this_machine_only(
    one_at_a_time: tuple[BotServers, FakePlatforms, StandInActionServer],
) -> None:
    bot = one_at_a_time[0]
    assert metrics(bot, {"X-Forwarded-For": "203.0.113.9"}).status == 403


@pytest.mark.e2e
def test_overloads_are_logged_without_the_message(
    slot_taken: tuple[BotServers, FakePlatforms],
) -> None:
    bot, fake = slot_taken
    ASK["rest"](bot, fake, EMERGENCY, lambda text: text.endswith(flat(BUSY)))
    log = (bot.workdir / "rasa.log").read_text(encoding="utf-8", errors="replace")
    assert "Overloaded" in log and "Handling at most 1 messages at once" in log
    assert EMERGENCY not in log


def test_the_gate_is_one_per_server() -> None:
    assert admission.gate() is admission.gate()
