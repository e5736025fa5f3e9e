"""The widget embedded on another site: a page on another loopback port than the bot's.

Like a clinic's or charity's own site, the page here is served by a server of its own,
with the bundle under /static/ and a strict Content-Security-Policy. The Rasa server must
allow the page's origin (``--cors``; ``CORS_ORIGINS`` here): a second Rasa server, sharing
the test session's action server, allows it. The session's own Rasa server allows only the
demo page, and the widget on a page it does not allow says the assistant is unavailable
and keeps what is written.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import partial
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Page, expect

from bot.launch.settings import PROJECT_DIR
from bot.launch.widget_server import content_security_policy
from harness.servers import BotServers
from tests.widget.chat import ANSWER_MS, DESKTOP, WIDTHS, ChatWidget, axe_violations

pytestmark = pytest.mark.e2e

DIST = PROJECT_DIR / "widget" / "dist"
PAGE = """<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>Northside Neurology Clinic</title>
    <script type="application/json" id="lems-chat-config">{{"serverUrl": "{rasa}"}}</script>
    <script src="/static/lems-chat.js" defer></script>
  </head>
  <body>
    <main>
      <h1>Northside Neurology Clinic</h1>
      <p>Opening hours and <a href="#directions">directions</a>.</p>
    </main>
  </body>
</html>
"""


@dataclass(frozen=True)
class Site:
    """Another site's server: its origin, and its pages' Rasa servers by path."""

    origin: str
    rasa_urls: dict[str, str]

    def url(self, path: str) -> str:
        return self.origin + path


class SiteHandler(BaseHTTPRequestHandler):
    """A page a path for each Rasa server, and the bundle under /static/."""

    def __init__(self, *args: object, rasa_urls: dict[str, str], **kwargs: object) -> None:
        self.rasa_urls = rasa_urls
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]

    def log_message(self, format: str, *args: object) -> None:
        """Quiet."""

    def do_GET(self) -> None:
        """The page or a bundle file; 404 for anything else."""
        path = urlsplit(self.path).path
        files = {"/static/lems-chat.js": "text/javascript", "/static/lems-chat.css": "text/css"}
        if path in self.rasa_urls:
            rasa = self.rasa_urls[path]
            self._send(PAGE.format(rasa=rasa).encode(), "text/html", content_security_policy(rasa))
        elif path in files:
            self._send((DIST / Path(path).name).read_bytes(), files[path], None)
        else:
            self.send_error(404)

    def _send(self, body: bytes, content_type: str, policy: str | None) -> None:
        self.send_response(200)
        self.send_header("Content-Type", content_type + "; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        if policy:
            self.send_header("Content-Security-Policy", policy)
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(scope="module")
def site_server() -> Iterator[tuple[ThreadingHTTPServer, dict[str, str]]]:
    """The other site's server, on a free loopback port; its pages are added later."""
    rasa_urls: dict[str, str] = {}
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(SiteHandler, rasa_urls=rasa_urls))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server, rasa_urls
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def site(
    site_server: tuple[ThreadingHTTPServer, dict[str, str]],
    bot: BotServers,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Site]:
    """The site, with a Rasa server of its own that allows its origin (and the session's)."""
    assert (DIST / "lems-chat.js").is_file(), "run `make widget` first"
    server, rasa_urls = site_server
    origin = f"http://127.0.0.1:{server.server_address[1]}"
    allowing = BotServers.create(
        tmp_path_factory.mktemp("embed-bot"),
        CORS_ORIGINS=origin,
        ACTION_PORT=str(bot.settings.action_port),  # the session's action server
    )
    allowing.start_rasa()
    rasa_urls["/"] = allowing.rasa_url
    rasa_urls["/not-allowed"] = bot.rasa_url  # allows only the demo page
    try:
        yield Site(origin=origin, rasa_urls=dict(rasa_urls))
    finally:
        allowing.stop_all()


@dataclass
class Visit:
    """What a page asked for: the hosts of its requests, and the web sockets it opened."""

    hosts: set[str] = field(default_factory=set)
    sockets: list[str] = field(default_factory=list)


def open_site(browser: Browser, options: dict[str, object], url: str) -> tuple[Page, Visit]:
    """``url`` in a fresh browser profile, with what it asks for recorded."""
    visit = Visit()
    page = browser.new_context(**options).new_page()  # type: ignore[arg-type]
    page.on("request", lambda request: visit.hosts.add(urlsplit(request.url).netloc))
    page.on("websocket", lambda socket: visit.sockets.append(socket.url))
    page.goto(url)
    return page, visit


@pytest.mark.parametrize("context_options", WIDTHS)
def test_the_widget_chats_from_a_page_on_another_port(
    browser: Browser, context_options: dict[str, object], site: Site, socketio_works: None
) -> None:
    page, visit = open_site(browser, context_options, site.url("/"))
    try:
        rasa = site.rasa_urls["/"]
        assert urlsplit(rasa).port != urlsplit(site.origin).port
        widget = ChatWidget(page)
        widget.open()
        widget.ask("what is LEMS")
        widget.expect_answer("autoimmune")
        hosts = {urlsplit(site.origin).netloc, urlsplit(rasa).netloc}
        assert visit.hosts <= hosts, visit.hosts  # nothing from anywhere else
        socket_io = f"ws://{urlsplit(rasa).netloc}/socket.io/"
        assert any(url.startswith(socket_io) for url in visit.sockets), visit.sockets
        assert axe_violations(page) == []
    finally:
        page.context.close()


@pytest.mark.parametrize("context_options", [DESKTOP])
def test_a_page_the_server_does_not_allow_is_told_and_keeps_the_message(
    browser: Browser, context_options: dict[str, object], site: Site
) -> None:
    page, _ = open_site(browser, context_options, site.url("/not-allowed"))
    try:
        widget = ChatWidget(page)
        widget.launcher.click()
        expect(widget.root).to_have_attribute("data-state", "unavailable", timeout=ANSWER_MS)
        expect(widget.status).to_have_text("The assistant is unavailable right now. Trying again…")
        widget.ask("what is LEMS")
        expect(widget.log.locator(".lems-chat__delivery")).to_have_text(
            "Waiting to send. It goes when the connection is back."
        )
        assert axe_violations(page) == []
    finally:
        page.context.close()
