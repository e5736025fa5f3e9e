"""'Larger window' on desktop: the panel grows, says it is pressed, and stays so."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.widget.chat import DESKTOP, PHONE, TEXTS, ChatWidget, axe_violations

pytestmark = pytest.mark.e2e


def size(widget: ChatWidget) -> tuple[int, int]:
    box = widget.panel.bounding_box()
    assert box is not None
    return round(box["width"]), round(box["height"])


@pytest.mark.parametrize("context_options", [DESKTOP])
def test_the_larger_window_grows_the_panel_and_is_remembered(
    page: Page, widget: ChatWidget
) -> None:
    widget.open()
    toggle = widget.tool(TEXTS["larger_panel"])
    expect(toggle).to_have_attribute("aria-pressed", "false")
    width, height = size(widget)
    toggle.click()
    expect(toggle).to_have_attribute("aria-pressed", "true")
    larger = size(widget)
    assert larger[0] > width * 1.5 and larger[1] > height, (width, height, larger)
    assert larger[0] <= 1280 and larger[1] <= 800  # still inside the window
    assert axe_violations(page) == []

    page.reload()
    widget = ChatWidget(page)
    expect(widget.panel).to_be_visible()  # it was open: it opens again by itself
    toggle = widget.tool(TEXTS["larger_panel"])
    expect(toggle).to_have_attribute("aria-pressed", "true")  # remembered
    assert size(widget) == larger
    toggle.click()
    expect(toggle).to_have_attribute("aria-pressed", "false")
    assert size(widget) == (width, height)


@pytest.mark.parametrize("context_options", [PHONE])
def test_on_a_phone_the_panel_fills_the_screen_without_the_toggle(
    page: Page, widget: ChatWidget
) -> None:
    widget.open()
    expect(widget.tool(TEXTS["larger_panel"])).to_be_hidden()
    assert size(widget) == (360, 740)
