"""Bursts: each reply's kind, and the largest burst handled in full."""

import asyncio
import threading
from collections.abc import Iterator

import pytest
from aiohttp import web

from bench.load import ANSWERED, LoadResult, Outcome
from bench.overload import BUSY, FALLBACK, ReplyClassifier, handled, highest_handled, run_bursts
from bot import knowledge

PHRASES = knowledge.default().phrases
CLASSIFY = ReplyClassifier.ours()


def test_replies_are_named_by_our_phrases() -> None:
    assert CLASSIFY(["Mycophenolate calms the immune system."]) == ANSWERED
    assert CLASSIFY([PHRASES["busy"]]) == BUSY
    assert CLASSIFY(["guidance first", PHRASES["busy"]]) == BUSY
    assert CLASSIFY([PHRASES["action_unavailable"] + "\nThe disclaimer."]) == FALLBACK
    assert CLASSIFY([]) == ANSWERED


def burst(senders: int, seconds: float, kinds: dict[str, int] | None = None) -> LoadResult:
    counts = kinds or {ANSWERED: senders}
    outcomes = [Outcome(seconds, kind=kind) for kind, n in counts.items() for _ in range(n)]
    return LoadResult(senders, 1, elapsed=seconds, outcomes=outcomes)


def test_a_burst_is_handled_only_if_all_are_answered_quickly() -> None:
    assert handled(burst(20, 0.3))
    assert not handled(burst(20, 1.2))  # too slow
    assert not handled(burst(20, 0.3, {ANSWERED: 19, BUSY: 1}))
    assert not handled(burst(20, 0.3, {ANSWERED: 19, FALLBACK: 1}))
    errors = LoadResult(2, 1, 1.0, [Outcome(0.1), Outcome(0.1, "HTTP 500")])
    assert not handled(errors)
    assert not handled(LoadResult(2, 1, 1.0, [Outcome(0.1)], unsent=1))


def test_the_highest_handled_stops_at_the_first_failure() -> None:
    runs = [burst(20, 0.2), burst(50, 0.5), burst(100, 1.5), burst(200, 0.5)]
    assert highest_handled(runs) == 50
    assert highest_handled([burst(20, 2.0)]) is None


@pytest.fixture
def bounded_server() -> Iterator[str]:
    """A fake REST webhook that answers 3 at a time and says busy to the rest."""
    ready = threading.Event()
    url: list[str] = []
    stopping: list[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = []

    def serve() -> None:
        async def main() -> None:
            in_flight = 0

            async def webhook(request: web.Request) -> web.Response:
                nonlocal in_flight
                await request.json()
                if in_flight >= 3:
                    return web.json_response([{"text": PHRASES["busy"]}])
                in_flight += 1
                await asyncio.sleep(0.2)
                in_flight -= 1
                return web.json_response([{"text": "an answer"}])

            app = web.Application()
            app.router.add_post("/webhooks/rest/webhook", webhook)
            runner = web.AppRunner(app)
            await runner.setup()
            site = web.TCPSite(runner, "127.0.0.1", 0)
            await site.start()
            url.append(f"http://127.0.0.1:{runner.addresses[0][1]}/webhooks/rest/webhook")
            stop = asyncio.Event()
            stopping.append((asyncio.get_running_loop(), stop))
            ready.set()
            await stop.wait()
            await runner.cleanup()

        asyncio.run(main())

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    assert ready.wait(10)
    try:
        yield url[0]
    finally:
        loop, stop = stopping[0]
        loop.call_soon_threadsafe(stop.set)
        thread.join(timeout=10)


def test_bursts_count_each_kind_of_reply(bounded_server: str) -> None:
    small, large = run_bursts(bounded_server, ["hi"], sizes=(3, 10), timeout=10)
    assert small.kinds() == {ANSWERED: 3} and handled(small)
    assert large.kinds() == {ANSWERED: 3, BUSY: 7} and not handled(large)
    assert highest_handled([small, large]) == 3
