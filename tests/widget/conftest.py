"""Fixtures for the widget tests: the demo page's server and Debian's Chromium."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from bot.launch.run import wait_until_ready
from bot.launch.settings import PROJECT_DIR
from bot.launch.widget_server import widget_server_command
from harness.servers import BotServers
from tests.widget.chat import ChatWidget, socketio_replies

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def widget_url(bot: BotServers) -> Iterator[str]:
    """The demo page, served on the free port the bot's CORS settings allow."""
    log_path = bot.workdir / "widget.log"
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            widget_server_command(bot.settings),
            cwd=PROJECT_DIR,
            env=bot.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    url = bot.settings.widget_url + "/"
    try:
        wait_until_ready(url, process, 30)
    except SystemExit:  # wait_until_ready stops with a message
        process.kill()
        pytest.fail(f"the widget server did not start:\n{log_path.read_text()}")
    try:
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope="session")
def socketio_works(bot: BotServers) -> None:
    """Stop early, with the reason, if Rasa's socket.io channel sends no replies."""
    if not socketio_replies(bot.rasa_url):
        pytest.fail(
            "The socket.io channel confirmed the session but sent no reply: see "
            "tests/reliability/test_socketio_channel.py for the channel on its own."
        )


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's Chromium (`make browser` installs it), headless."""
    if not CHROMIUM.is_file():
        pytest.skip(f"{CHROMIUM} is missing: run `make browser` (apt-get install chromium)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def context_options() -> dict[str, object]:
    """Options for the browser context; tests override this to change the viewport."""
    return {"viewport": {"width": 1280, "height": 800}}


@pytest.fixture
def context(
    browser: Browser, context_options: dict[str, object], socketio_works: None
) -> Iterator[BrowserContext]:
    """A fresh browser profile (empty localStorage) per test."""
    context = browser.new_context(**context_options)  # type: ignore[arg-type]
    yield context
    context.close()


@dataclass
class PageRecord:
    """What a page did: the hosts it asked for and its console errors."""

    hosts: set[str] = field(default_factory=set)
    errors: list[str] = field(default_factory=list)


@pytest.fixture
def record() -> PageRecord:
    return PageRecord()


@pytest.fixture
def page(context: BrowserContext, widget_url: str, record: PageRecord) -> Page:
    """The demo page, loaded."""
    page = context.new_page()
    page.on("request", lambda request: record.hosts.add(urlsplit(request.url).netloc))
    page.on("console", lambda m: record.errors.append(m.text) if m.type == "error" else None)
    page.goto(widget_url)
    return page


@pytest.fixture
def widget(page: Page) -> ChatWidget:
    """The chat widget on the demo page, once it has mounted."""
    chat = ChatWidget(page)
    chat.launcher.wait_for()
    return chat
