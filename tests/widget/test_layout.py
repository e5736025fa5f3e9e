"""Small screens, zoom, accessibility (axe-core) and the screenshot for the docs."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.widget.chat import DISCLAIMER, ChatWidget, axe_violations

pytestmark = pytest.mark.e2e

# Where the docs' screenshot is written: a temporary file, unless WIDGET_SCREENSHOT names
# one (`WIDGET_SCREENSHOT=docs/widget.png uv run pytest tests/widget/test_layout.py -k
# screenshot` refreshes docs/widget.png); tests never rewrite tracked files themselves.
SCREENSHOT_VARIABLE = "WIDGET_SCREENSHOT"
# ... and the emergency alert's (`WIDGET_ALERT_SCREENSHOT=docs/widget-alert.png`)
ALERT_SCREENSHOT_VARIABLE = "WIDGET_ALERT_SCREENSHOT"


@pytest.mark.parametrize(
    "context_options",
    [
        pytest.param({"viewport": {"width": 360, "height": 740}}, id="phone-360px"),
        pytest.param({"viewport": {"width": 640, "height": 400}}, id="zoom-200pc"),
    ],
)
def test_no_horizontal_scroll_with_the_panel_open(page: Page, widget: ChatWidget) -> None:
    widget.open()
    widget.ask("what are the side effects of mycophenolate, supercalifragilisticexpialidocious?")
    widget.expect_answer(DISCLAIMER)
    width = page.evaluate("document.scrollingElement.scrollWidth")
    assert width <= page.evaluate("innerWidth")
    box = widget.panel.bounding_box()
    viewport = page.viewport_size
    assert box is not None and viewport is not None
    assert box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"]
    expect(widget.input).to_be_in_viewport()


@pytest.mark.parametrize(
    "context_options", [{"viewport": {"width": 1280, "height": 800}, "bypass_csp": True}]
)
def test_axe_finds_no_violations_with_the_panel_open(page: Page, widget: ChatWidget) -> None:
    widget.open()
    widget.topic("How it works").click()
    widget.expect_answer(DISCLAIMER)
    assert axe_violations(page) == []  # none at all, minor ones included


@pytest.mark.parametrize(
    "context_options",
    [{"viewport": {"width": 1100, "height": 760}, "reduced_motion": "reduce"}],
)
def test_screenshot_of_an_answer_for_the_docs(
    page: Page, widget: ChatWidget, tmp_path: Path
) -> None:
    widget.open()
    widget.topic("How it works").click()
    widget.expect_answer(DISCLAIMER)
    expect(widget.topic("Tell me more")).to_be_visible()
    expect(widget.panel).to_have_css("animation-name", "none")  # prefers-reduced-motion
    screenshot = Path(os.environ.get(SCREENSHOT_VARIABLE) or tmp_path / "widget.png")
    page.screenshot(path=screenshot, animations="disabled", caret="hide")
    assert screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize(
    "context_options",
    [{"viewport": {"width": 1100, "height": 760}, "reduced_motion": "reduce"}],
)
def test_screenshot_of_the_emergency_alert_for_the_docs(
    page: Page, widget: ChatWidget, tmp_path: Path
) -> None:
    widget.open()
    widget.ask("my lips are swelling and I can't breathe")
    alert = widget.expect_alert("emergency")
    expect(alert.locator("a[href^='tel:']").first).to_be_visible()
    screenshot = Path(os.environ.get(ALERT_SCREENSHOT_VARIABLE) or tmp_path / "alert.png")
    page.screenshot(path=screenshot, animations="disabled", caret="hide")
    assert screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
