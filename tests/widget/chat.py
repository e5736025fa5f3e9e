"""Helpers for the widget tests: a page object for the chat widget, and a socket.io probe."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, expect

from bot import knowledge
from bot.launch.settings import PROJECT_DIR
from bot.widget_texts import widget_texts

# the widget's own texts and the bot's disclaimer, as bot/knowledge/ has them
TEXTS = widget_texts(knowledge.default())
TITLE = TEXTS["title"]
NOTICE = TEXTS["notice"]  # the disclaimer's short form
DISCLAIMER = knowledge.default().disclaimer
TOPICS = ("How it works", "Side effects", "Pregnancy", "Infections", "Cancer risk")
ANSWER_MS = 30_000  # the first answers wait for spaCy and the action server to warm up

# context options for the two widths every feature is tried at; bypass_csp: axe-core is
# injected as an inline script
DESKTOP = {"viewport": {"width": 1280, "height": 800}, "bypass_csp": True}
PHONE = {"viewport": {"width": 360, "height": 740}, "bypass_csp": True}
WIDTHS = [pytest.param(DESKTOP, id="desktop"), pytest.param(PHONE, id="phone-360px")]

AXE = PROJECT_DIR / "widget" / "node_modules" / "axe-core" / "axe.min.js"
RUN_AXE = """async () => {
  const result = await axe.run(document, {resultTypes: ['violations']});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map(n => n.target.join(' '))
  }));
}"""

# waits for the animations that end (a panel rising, a message fading in) to end
ANIMATIONS_DONE = """() => Promise.all(document.getAnimations()
  .filter(a => a.effect && a.effect.getComputedTiming().iterations !== Infinity)
  .map(a => a.finished.catch(() => null)))"""

# the contrast of an element's text with its background (WCAG's formula), or with ``ground``'s
CONTRAST = """([e, ground]) => {
  const rgb = (c) => c.match(/[\\d.]+/g).slice(0, 3).map(Number);
  const channel = (v) => (v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
  const lum = ([r, g, b]) => 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
  const [a, b] = [
    lum(rgb(getComputedStyle(e).color)),
    lum(rgb(getComputedStyle(ground || e).backgroundColor)),
  ].sort((x, y) => y - x);
  return (a + 0.05) / (b + 0.05);
}"""

# what a bot bubble shows, as a message's text: its paragraphs and small print a line each
# (a message shown from its parts), or its one text; "Assistant said:" for screen readers
# left out
SHOWN_TEXT = """e => {
  const lines = [...e.querySelectorAll('p')];
  if (lines.length) return lines.map(p => p.textContent).join('\\n');
  return [...e.childNodes].filter(n => !n.classList?.contains('lems-chat__sr-only'))
    .map(n => n.textContent).join('');
}"""

# records every connection state the widget shows, with its status text
RECORD_STATES = """() => {
  const root = document.querySelector('.lems-chat');
  const status = root.querySelector('[role=status]');
  window.lemsStates = [];
  new MutationObserver(() => window.lemsStates.push(
    {state: root.dataset.state, text: status.textContent})
  ).observe(root, {attributes: true, attributeFilter: ['data-state']});
}"""


@dataclass
class ChatWidget:
    """The widget on the demo page, found by role and label as a user would."""

    page: Page

    @property
    def root(self) -> Locator:
        return self.page.locator(".lems-chat")

    @property
    def launcher(self) -> Locator:
        return self.page.get_by_role("button", name=TEXTS["launcher_label"])

    @property
    def panel(self) -> Locator:
        return self.page.get_by_role("dialog", name=TITLE)

    @property
    def log(self) -> Locator:
        return self.page.get_by_role("log", name=TEXTS["conversation"])

    @property
    def input(self) -> Locator:
        return self.page.get_by_label(TEXTS["input_label"])

    @property
    def status(self) -> Locator:
        return self.panel.get_by_role("status")

    def bot_bubbles(self) -> Locator:
        return self.log.locator(".lems-chat__message--bot .lems-chat__bubble")

    def user_bubbles(self) -> Locator:
        return self.log.locator(".lems-chat__message--user .lems-chat__bubble")

    def topic(self, title: str) -> Locator:
        return self.log.get_by_role("button", name=title, exact=True)

    def tool(self, name: str) -> Locator:
        """One of the conversation's buttons (Save, Print...), shown with More if it is not."""
        more = self.panel.get_by_role("button", name=TEXTS["more"], exact=True)
        if more.get_attribute("aria-expanded") != "true":
            more.click()
        tools = self.panel.get_by_role("group", name=TEXTS["conversation_tools"])
        return tools.get_by_role("button", name=name, exact=True)

    def open(self) -> None:
        """Open the panel with the mouse and wait for the bot's topic buttons."""
        self.launcher.click()
        expect(self.panel).to_be_visible()
        self.wait_online()
        expect(self.topic("Side effects")).to_be_visible(timeout=ANSWER_MS)

    def wait_online(self, timeout: float = ANSWER_MS) -> None:
        expect(self.root).to_have_attribute("data-state", "online", timeout=timeout)

    def ask(self, text: str) -> None:
        self.input.fill(text)
        self.input.press("Enter")

    def expect_answer(self, text: str) -> Locator:
        """The newest bot message containing ``text``, once it shows."""
        answer = self.bot_bubbles().filter(has_text=text).last
        expect(answer).to_be_visible(timeout=ANSWER_MS)
        return answer

    def expect_alert(self, text: str) -> Locator:
        """The newest emergency or crisis alert containing ``text``, once it shows."""
        alert = self.log.get_by_role("alert").filter(has_text=text).last
        expect(alert).to_be_visible(timeout=ANSWER_MS)
        return alert

    def stored_messages(self) -> list[dict[str, Any]]:
        """The conversation the widget keeps in localStorage, as it stored it."""
        messages: list[dict[str, Any]] = self.page.evaluate(
            """() => {
              const key = Object.keys(localStorage).find(k => k.startsWith('lems-chat:'));
              return key ? JSON.parse(localStorage.getItem(key)).messages : [];
            }"""
        )
        return messages

    def session_id(self) -> str:
        """The session id the widget keeps in localStorage."""
        value = self.page.evaluate(
            """() => {
              const key = Object.keys(localStorage).find(k => k.startsWith('lems-chat:'));
              return key ? JSON.parse(localStorage.getItem(key)).sessionId : null;
            }"""
        )
        assert isinstance(value, str) and value, "no session id in localStorage"
        return value


FOCUSED_LAUNCHER = "document.activeElement?.classList.contains('lems-chat__launcher')"


def tab_to_launcher(page: Page, limit: int = 30) -> None:
    """Press Tab until the launcher has focus, as a keyboard user reaches it."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(FOCUSED_LAUNCHER):
            return
    raise AssertionError(f"the launcher was not reached in {limit} Tab presses")


def widget_for(page: Page, country: str) -> ChatWidget:
    """The widget on a page that fixes its patients' country ("" for none: BOT_COUNTRY's)."""
    page.add_init_script(f"window.LemsChatConfig = {{country: {json.dumps(country)}}}")
    page.reload()
    widget = ChatWidget(page)
    widget.open()
    return widget


def links(alert: Locator) -> list[tuple[str | None, str]]:
    found = alert.get_by_role("link")
    return [
        (found.nth(i).get_attribute("href"), found.nth(i).inner_text())
        for i in range(found.count())
    ]


def shown_text(bubble: Locator) -> str:
    """The text a bot bubble shows, a line a paragraph (SHOWN_TEXT)."""
    return str(bubble.evaluate(SHOWN_TEXT))


def axe_violations(page: Page) -> list[dict[str, object]]:
    """axe-core's violations on the page as it is now (the context needs bypass_csp)."""
    assert AXE.is_file(), f"{AXE} is missing: run `make widget`"
    page.evaluate(ANIMATIONS_DONE)  # colours part way through a fade are not the page's
    if not page.evaluate("typeof axe !== 'undefined'"):
        page.add_script_tag(path=AXE)
    violations: list[dict[str, object]] = page.evaluate(RUN_AXE)
    return violations


def socketio_replies(rasa_url: str, timeout: float = 30) -> bool:
    """Whether the socket.io channel answers a greeting in the session the server issues."""
    import socketio  # python-socketio, installed with Rasa

    replied = threading.Event()
    confirmed = threading.Event()
    sessions: list[str] = []
    client = socketio.Client()

    def confirm(session: str) -> None:
        sessions.append(session)  # the server issues the session
        confirmed.set()

    client.on("session_confirm", confirm)
    client.on("bot_uttered", lambda _: replied.set())
    client.connect(rasa_url, transports=["polling"])
    try:
        client.emit("session_request", {})
        if not confirmed.wait(10):
            return False
        client.emit("user_uttered", {"message": "/greet", "session_id": sessions[0]})
        return replied.wait(timeout)
    finally:
        client.disconnect()
