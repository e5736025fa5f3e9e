"""The text-size control, and the browser's own default font size honoured (sizes in rem)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect

from tests.widget.chat import DISCLAIMER, TEXTS, WIDTHS, ChatWidget, axe_violations
from tests.widget.conftest import CHROMIUM, CHROMIUM_ARGS

pytestmark = pytest.mark.e2e

BROWSER_DEFAULT_PX = 16  # Chromium's default font size
SIZES = {"Normal": 1, "Large": 1.25, "Largest": 1.5}  # each step's size, in rem

FONT_SIZE = "e => parseFloat(getComputedStyle(e).fontSize)"


def font_px(locator: Locator) -> float:
    return float(locator.evaluate(FONT_SIZE))


def size_button(widget: ChatWidget, name: str) -> Locator:
    return widget.panel.get_by_role("group", name=TEXTS["text_size"]).get_by_role(
        "button", name=name, exact=True
    )


@pytest.mark.parametrize("context_options", WIDTHS)
def test_the_text_size_is_chosen_and_kept_across_a_reload(page: Page, widget: ChatWidget) -> None:
    widget.open()
    widget.topic("How it works").click()
    answer = widget.expect_answer(DISCLAIMER)
    expect(size_button(widget, "Normal")).to_have_attribute("aria-pressed", "true")
    assert font_px(widget.root) == BROWSER_DEFAULT_PX

    for name, rem in SIZES.items():
        size_button(widget, name).click()
        expect(size_button(widget, name)).to_have_attribute("aria-pressed", "true")
        others = [n for n in SIZES if n != name]
        for other in others:
            expect(size_button(widget, other)).to_have_attribute("aria-pressed", "false")
        assert font_px(widget.root) == BROWSER_DEFAULT_PX * rem
        assert font_px(answer) == BROWSER_DEFAULT_PX * rem  # the messages grow with it

    # the largest text still fits: no sideways scrolling, the question box in view
    assert page.evaluate("document.scrollingElement.scrollWidth") <= page.evaluate("innerWidth")
    expect(widget.input).to_be_in_viewport()
    for button in widget.panel.get_by_role("button").all():
        box = button.bounding_box()
        assert box is not None, button
        assert round(box["height"], 2) >= 44 and round(box["width"], 2) >= 44, button
    assert axe_violations(page) == []

    page.reload()
    expect(size_button(widget, "Largest")).to_have_attribute("aria-pressed", "true")
    assert font_px(widget.root) == BROWSER_DEFAULT_PX * SIZES["Largest"]


@pytest.fixture
def large_default_context(
    browser: Browser, context_options: dict[str, object], tmp_path: Path, socketio_works: None
) -> Iterator[BrowserContext]:
    """A Chromium profile whose default font size is 24 px, as chrome://settings sets it."""
    preferences = tmp_path / "profile" / "Default" / "Preferences"
    preferences.parent.mkdir(parents=True)
    preferences.write_text(json.dumps({"webkit": {"webprefs": {"default_font_size": 24}}}))
    context = browser.browser_type.launch_persistent_context(
        str(tmp_path / "profile"),
        executable_path=str(CHROMIUM),
        args=CHROMIUM_ARGS,
        **context_options,  # type: ignore[arg-type]
    )
    yield context
    context.close()


@pytest.mark.parametrize("context_options", WIDTHS)
def test_a_24px_browser_default_scales_every_size(
    large_default_context: BrowserContext, widget_url: str
) -> None:
    page = large_default_context.pages[0]
    page.goto(widget_url)
    assert page.evaluate("getComputedStyle(document.documentElement).fontSize") == "24px"
    widget = ChatWidget(page)
    launcher_px = widget.launcher.evaluate("e => e.getBoundingClientRect().height")
    assert launcher_px >= 48 * 1.5  # its 3em at 24 px
    widget.open()
    widget.topic("How it works").click()
    answer = widget.expect_answer(DISCLAIMER)

    assert font_px(widget.root) == 24
    assert font_px(answer) == 24
    assert font_px(widget.input) == 24
    send = widget.panel.get_by_role("button", name=TEXTS["send"], exact=True)
    assert send.evaluate("e => parseFloat(getComputedStyle(e).minHeight)") == 44 * 1.5
    size_button(widget, "Largest").click()
    assert font_px(answer) == 24 * SIZES["Largest"]
    assert page.evaluate("document.scrollingElement.scrollWidth") <= page.evaluate("innerWidth")
    expect(widget.input).to_be_in_viewport()
    assert axe_violations(page) == []
